"""Settings of the feedback service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from presscenter.shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    """Database `presscenter_feedback` unless MONGO_DB says otherwise."""

    service_name = "feedback"
