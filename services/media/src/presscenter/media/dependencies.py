"""nameko dependency of the media service: the object store its settings name, with a readiness check."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from nameko import config
from nameko.extensions import DependencyProvider

from presscenter.media.settings import MediaSettings
from presscenter.media.storage import ObjectStorage, S3Storage, open_storage
from presscenter.shared.redaction import redact

_log = logging.getLogger(__name__)


def local_base_url(web_server_address: str) -> str:
    """Where clients reach this service's HTTP server: `0.0.0.0:8104` → `http://127.0.0.1:8104`."""
    host, _, port = web_server_address.rpartition(":")
    if host in ("", "0.0.0.0", "::", "[::]"):
        host = "127.0.0.1"
    return f"http://{host}:{port}"


class Storage(DependencyProvider):
    """Injects the `ObjectStorage` adapter; `storage` is one of the service's readiness checks.

    The service starts even when S3/MinIO is unreachable (it is then not ready); the bucket is
    created when missing, at start or by the first readiness check that reaches the store.
    """

    def __init__(self, settings_cls: type[MediaSettings]):
        self.settings_cls = settings_cls
        self.storage: ObjectStorage | None = None
        self.bucket_ready = False

    def setup(self) -> None:
        settings = self.settings_cls.load()
        address = str(config.get("WEB_SERVER_ADDRESS", "0.0.0.0:8000"))
        self.storage = open_storage(settings, local_base_url(address), create_bucket=False)
        try:
            self._ensure_bucket()
        except Exception as exc:
            _log.error("object storage unreachable at start: %s", redact(str(exc)))

    def _ensure_bucket(self) -> None:
        if isinstance(self.storage, S3Storage) and not self.bucket_ready:
            self.storage.ensure_bucket()
        self.bucket_ready = True

    def _check(self) -> None:
        assert self.storage is not None, "storage used before setup"
        self._ensure_bucket()
        self.storage.check()

    def health_checks(self) -> Mapping[str, Callable[[], object]]:
        return {"storage": self._check}

    def get_dependency(self, worker_ctx: Any) -> ObjectStorage:
        assert self.storage is not None, "storage used before setup"
        return self.storage
