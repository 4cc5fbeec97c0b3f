"""Settings of the media service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from presscenter.shared.settings import ServiceSettings


class MediaSettings(ServiceSettings):
    """Database `presscenter_media` unless MONGO_DB says otherwise."""

    service_name = "media"
