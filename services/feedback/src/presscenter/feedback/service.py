"""The feedback nameko service: entrypoints and dependencies only.

Run with `nameko run --config config.yaml presscenter.feedback.service`. nameko runs every class
of this module that has entrypoints, so the mixin is reached through its module and models
live in modules of their own.
"""

from __future__ import annotations

from presscenter.feedback.settings import FeedbackSettings
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.tracing import Tracing


class FeedbackService(health.HealthEndpoints):
    """`feedback.health` RPC, /health/live and /health/ready on WEB_SERVER_ADDRESS."""

    name = "feedback"
    db = Mongo(FeedbackSettings)
    tracer = Tracing(FeedbackSettings)
