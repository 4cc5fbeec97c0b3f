"""`GET /v1/stream`: the live stream as Server-Sent Events, and the lifespan that runs its engine.

The engine is `presscenter.gateway.stream` (ring, fan-out), `stream_topics` (what goes to whom)
and `stream_consumer` (the broker). Browsers' EventSource cannot send headers, so this route alone
also takes the bearer token as `?access_token=` (the URL attributes of spans mask it, and the
gateway's log handler redacts it).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, FastAPI, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from presscenter.gateway.auth.dependencies import (
    api_token_bearer,
    current_principal,
    datastore_guard,
    installed_service,
    oauth2_password,
    unauthorized,
)
from presscenter.gateway.auth.principal import Principal, viewer_for
from presscenter.gateway.auth.service import Unauthenticated
from presscenter.gateway.problems import ApiProblem, problem_responses
from presscenter.gateway.stream import HEARTBEAT, LiveStream, Resume, StreamSettings, Subscription
from presscenter.gateway.stream_topics import RpcReleaseLookup

log = logging.getLogger(__name__)

STREAM_EXAMPLE = (
    "retry: 3000\n: connected\n\n"
    "id: 0b6f3f1e-5d0a-4f7c-9a51-3f1d2c9b8e71\n"
    "event: release_published\n"
    'data: {"event_id":"0b6f3f1e-5d0a-4f7c-9a51-3f1d2c9b8e71","type":"release_published",'
    '"occurred_at":"2026-03-02T08:00:00.120000Z","embargoed":false,"release":{"release_id":"r-5f0c2a9e1b7d4c3a",'
    '"unit_code":"so-yte","title":"Hà Nội tăng cường phòng chống sốt xuất huyết","lead":"Sở Y tế khuyến cáo '
    'người dân diệt bọ gậy.","language":"vi","title_en":null,"categories":["health"],"places":["phuong-hoan-kiem"],'
    '"media_asset_ids":[],"status":"published","version":1,"embargoed_until":null,'
    '"published_at":"2026-03-02T08:00:00.100000Z","href":"/v1/releases/r-5f0c2a9e1b7d4c3a"}}\n\n'
    ": keepalive\n\n"
    "id:\nevent: reset\n"
    'data: {"reason":"unknown_event_id","detail":"the stream no longer holds that event: reload, then keep listening"}'
    "\n\n"
)
STREAM_DESCRIPTION = """Server-Sent Events for the caller: releases published, corrected and withdrawn (an embargoed
one only to editors, entitled journalists and its unit's officers, marked `"embargoed": true`;
everyone else gets it with `embargo_lifted`), and alerts for editors (`release_publish_failed`).
Whoever downloaded a release's ninjs signed in also gets `correction_notice` when it is corrected or
withdrawn, naming the version they had (`version_had`) and the new one (`new_version`).

Questions: every step (`question_received`, `question_routed`, `question_updated` — work started,
a clarification asked for or given —, `question_escalated`, `question_overdue`, `question_answered`,
`question_closed`) goes to the journalist who asked, to the
officers of the units the step names (routed to, escalated from and to, overdue at, answered by) and
to editors, with `question_id`, `status`, the step's units and deadlines, and `href`; the question's
text, reasons and answer are read with `GET href`. Monitoring: `misinformation_alert` to editors and
the officers of the responsible unit, `trend_detected` to editors (at most 3 example items each;
`href` lists them all).

- `id:` is the event's `event_id`, the same on every gateway replica; reconnect with
  `Last-Event-ID` (EventSource does it by itself) to get what was missed. If the stream no longer
  holds that id, or the gateway may have missed events, it sends `event: reset` with an empty
  `id:`: reload what you show (e.g. `GET /v1/releases`), then keep listening.
- A comment line (`: keepalive`) follows every 15 s of silence.
- A client that falls too far behind is disconnected; it reconnects and resumes.
- EventSource cannot send headers: pass the access token as `?access_token=` (this route only).
"""


async def stream_principal(
    request: Request,
    password_token: Annotated[str | None, Depends(oauth2_password)],
    api_token: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token_bearer)],
    access_token: Annotated[
        str | None,
        Query(
            description="Bearer token for clients that cannot send `Authorization` (EventSource). "
            "Ignored when the header is present.",
            max_length=4096,
        ),
    ] = None,
) -> Principal | None:
    """The caller from `Authorization`, else from `?access_token=`; None when anonymous."""
    if request.headers.get("authorization") is not None or not access_token:
        return await current_principal(request, password_token, api_token)
    try:
        with datastore_guard():
            return await installed_service(request).authenticate(access_token)
    except Unauthenticated as exc:
        raise unauthorized(str(exc)) from None


class EventStreamResponse(Response):
    """`text/event-stream` for one subscription: the resume frames, then live events and heartbeats.

    Ends when the client goes away, when the hub ends the subscription (dropped, shutdown), or
    when one write stays blocked for `send_timeout` seconds.
    """

    media_type = "text/event-stream"

    def __init__(self, live: LiveStream, principal: Principal | None, last_event_id: str | None) -> None:
        super().__init__(
            headers={"Cache-Control": "no-cache, no-store", "X-Accel-Buffering": "no", "Vary": "Authorization"},
            media_type=self.media_type,
        )
        # endless: no Content-Length (Response sets one for its empty body)
        self.raw_headers = [(name, value) for name, value in self.raw_headers if name != b"content-length"]
        self.live = live
        self.viewer = viewer_for(principal)
        self.last_event_id = last_event_id

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        hub, settings = self.live.hub, self.live.settings
        subscription, resume = hub.subscribe(self.viewer, self.last_event_id)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
            async with anyio.create_task_group() as group:

                async def until_disconnected() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    group.cancel_scope.cancel()

                group.start_soon(until_disconnected)
                await self._pump(send, subscription, resume, settings.stream_retry_ms)
                group.cancel_scope.cancel()
        except* OSError:
            pass  # the client went away mid-write
        finally:
            hub.unsubscribe(subscription)

    async def _pump(self, send: Send, subscription: Subscription, resume: Resume, retry_ms: int) -> None:
        settings = self.live.settings
        preface = [f"retry: {retry_ms}\n: connected\n\n".encode()]
        if resume.reset is not None:
            preface.append(resume.reset)
        if not await self._write(send, b"".join(preface + resume.replay)):
            return
        while True:
            frame: bytes | None = HEARTBEAT
            with anyio.move_on_after(settings.stream_heartbeat_seconds):
                frame = await subscription.queue.get()
            if frame is None:
                with anyio.move_on_after(1.0):
                    await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if not await self._write(send, frame):
                return

    async def _write(self, send: Send, body: bytes) -> bool:
        with anyio.move_on_after(self.live.settings.stream_send_timeout) as scope:
            await send({"type": "http.response.body", "body": body, "more_body": True})
        if scope.cancelled_caught:
            log.info("stream client %s dropped: a write blocked too long", self.viewer.id)
            return False
        return True


endpoints = APIRouter(prefix="/v1", tags=["stream"])


@endpoints.get(
    "/stream",
    summary="Live events for the caller (Server-Sent Events)",
    description=STREAM_DESCRIPTION,
    response_class=Response,
    responses={
        200: {
            "description": "An endless `text/event-stream`.",
            "content": {"text/event-stream": {"schema": {"type": "string"}, "example": STREAM_EXAMPLE}},
        },
        **problem_responses(401, 503),
    },
)
async def stream(
    request: Request,
    principal: Annotated[Principal | None, Depends(stream_principal)],
    last_event_id: Annotated[
        str | None,
        Header(alias="Last-Event-ID", max_length=200, description="The `id:` of the last event received."),
    ] = None,
) -> Response:
    live: LiveStream | None = getattr(request.app.state, "stream", None)
    if live is None:
        raise ApiProblem(503, "stream-unavailable", "the live stream is not running", headers={"Retry-After": "5"})
    if live.hub.full:
        raise ApiProblem(503, "stream-full", "too many open streams on this replica", headers={"Retry-After": "5"})
    return EventStreamResponse(live, principal, last_event_id)


@asynccontextmanager
async def stream_lifespan(app: FastAPI, settings: StreamSettings) -> AsyncIterator[None]:
    """Start consuming events (in the background: an unreachable broker does not hold start-up); stop after."""
    gateway = app.state.settings
    metrics = getattr(app.state, "metrics", None)
    live = LiveStream(
        gateway.broker_url,
        settings,
        RpcReleaseLookup(app.state.rpc, settings.stream_lookup_timeout),
        metrics.registry if metrics is not None else None,
        connect_timeout=gateway.rpc_connect_timeout,
    )
    await live.start()
    app.state.stream = live
    try:
        yield
    finally:
        app.state.stream = None
        await live.stop()


def stream_router(settings: StreamSettings | None = None) -> APIRouter:
    """The stream route, carrying the engine's lifespan: `app.include_router(stream_router())`.

    Settings come from the environment (STREAM_*) unless given; they are read here, not at start-up.
    """
    router = APIRouter(lifespan=partial(stream_lifespan, settings=settings or StreamSettings()))
    router.include_router(endpoints)
    return router
