"""The media nameko service: entrypoints and dependencies only.

Run with `nameko run --config config.yaml presscenter.media.service`. nameko runs every class
of this module that has entrypoints, so the mixin is reached through its module and models
live in modules of their own.
"""

from __future__ import annotations

from presscenter.media.settings import MediaSettings
from presscenter.shared.plumbing import health
from presscenter.shared.plumbing.mongo import Mongo
from presscenter.shared.plumbing.tracing import Tracing


class MediaService(health.HealthEndpoints):
    """`media.health` RPC, /health/live and /health/ready on WEB_SERVER_ADDRESS."""

    name = "media"
    db = Mongo(MediaSettings)
    tracer = Tracing(MediaSettings)
