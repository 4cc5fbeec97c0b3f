"""Request ids: accept a sane incoming `X-Request-ID` or make one, echo it, expose it to the code.

`RequestIdMiddleware` stores the id in `scope["state"]["request_id"]` (so `request.state.request_id`)
and in a context variable that `current_request_id()` reads (the RPC client puts it in the call-id
stack it sends to the services). Every response gets the `X-Request-ID` header.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
# Letters, digits and `._:-`, at most 128 characters: safe in logs, headers and nameko call ids.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")

_request_id: ContextVar[str | None] = ContextVar("presscenter_gateway_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the HTTP request being served, or None outside a request."""
    return _request_id.get()


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(incoming: str | None) -> str:
    """`incoming` when it is a sane id, a fresh one otherwise."""
    if incoming and _SANE_REQUEST_ID.fullmatch(incoming):
        return incoming
    return new_request_id()


def request_id_of(scope: Scope) -> str:
    """The id given to this request by `RequestIdMiddleware` (or a fresh one if it did not run)."""
    state = scope.setdefault("state", {})
    request_id = state.get("request_id")
    if not isinstance(request_id, str):
        request_id = state["request_id"] = accept_request_id(None)
    return request_id


class RequestIdMiddleware:
    """Pure ASGI middleware: one id per HTTP request, echoed in `X-Request-ID`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = accept_request_id(Headers(scope=scope).get(REQUEST_ID_HEADER))
        scope.setdefault("state", {})["request_id"] = request_id
        token = _request_id.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _request_id.reset(token)
