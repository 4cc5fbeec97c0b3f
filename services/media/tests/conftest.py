"""Fixtures of the media tests: object stores (a local directory served over HTTP, and moto's S3
server as a real S3 endpoint) and small real media files made on the fly."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from presscenter.media.storage import LocalStorage, ObjectStorage, S3Storage
from presscenter.media.storage.url_signing import UrlSigner

S3_ACCESS = "media-test"
S3_SECRET = "media-test-secret"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 server on a free port for the session (host:port)."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def s3_bucket() -> str:
    return f"media-{secrets.token_hex(6)}"


@pytest.fixture
def s3_storage(s3_endpoint: str, s3_bucket: str) -> S3Storage:
    return S3Storage.connect(s3_endpoint, access_key=S3_ACCESS, secret_key=S3_SECRET, bucket=s3_bucket)


class LocalServer:
    """The local store's signed-URL endpoint (the same handlers the media service routes) on a free port."""

    def __init__(self) -> None:
        import eventlet
        import eventlet.wsgi

        self.socket = eventlet.listen(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]
        self.storage: LocalStorage | None = None
        self.thread = eventlet.spawn(
            eventlet.wsgi.server, self.socket, self._app, log_output=False, log=logging.getLogger("local-http")
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        from werkzeug.wrappers import Request, Response

        from presscenter.media.storage.local import ROUTE
        from presscenter.media.storage.local_http import handle_get, handle_put

        request = Request(environ)
        assert self.storage is not None
        key = request.path.removeprefix(ROUTE)
        if request.method == "PUT":
            response = handle_put(self.storage, request, key)
        elif request.method == "GET":
            response = handle_get(self.storage, request, key)
        else:
            response = Response("", status=405)
        return response(environ, start_response)

    def close(self) -> None:
        self.thread.kill()
        self.socket.close()


@pytest.fixture(scope="session")
def local_server() -> Iterator[LocalServer]:
    server = LocalServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def local_storage(tmp_path: Path, local_server: LocalServer) -> LocalStorage:
    storage = LocalStorage(tmp_path / "store", UrlSigner([secrets.token_bytes(32)]), local_server.base_url)
    local_server.storage = storage
    return storage


@pytest.fixture(params=["local", "s3"])
def storage(request: pytest.FixtureRequest) -> ObjectStorage:
    """Each adapter in turn: the contract suite runs against both."""
    return request.getfixturevalue(f"{request.param}_storage")  # type: ignore[no-any-return]
