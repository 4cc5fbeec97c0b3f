"""nameko's `@rpc`, answering without a publisher confirm and serialising the reply once.

    from presscenter.shared.plumbing.rpc_replies import rpc

nameko's `Responder` publishes every reply with a publisher confirm (one more broker round trip
while the worker waits) and serialises the reply twice (a "can it be serialised" check, then the
publish). A reply goes to the caller's own reply queue, which the caller may have dropped
already; a reply lost on the broker is the timeout every caller handles anyway (the gateway's
504), so the confirm adds nothing a caller can act on. Here the reply is serialised once (an
unserialisable result still becomes nameko's `UnserializableValueError` reply) and published
without a confirm; the request is acked after the reply, as nameko does. A method may return a
`JsonReply` (its result as JSON text already): a JSON reply then carries that text as it is.

Everything else is nameko's `Rpc`: the same shared consumer and queue (mixing this `rpc` with
nameko's in one service is fine), signature checks, worker context, and the
opentelemetry-instrumentation-nameko RPC span (its adapter is registered for this entrypoint).

nameko's `Publisher.publish` asks `get_producer` for a producer of its pool, and `get_producer` builds
a kombu `Connection` on every publish only to find that pool (about 8 % of a read's CPU in the
releases service: URI parsing, transport look-up). This module makes nameko's `get_producer` keep
that `Connection` per set of arguments: the pool is found by the same key, the producers and their
connections are the pool's as before (the kept `Connection` is only the pool's template, never
connected), for every nameko publisher of the process.

Per call, nameko checks the arguments against the method's signature with `inspect.getcallargs`,
which rebuilds the signature each time, and the tracing instrumentation does it twice more (its
own check, and the span's call arguments, which it then drops unless request payloads are
recorded): together about 7 % of a read's CPU in the releases service. Here the signature is built
once and bound per call; a call it refuses goes to nameko's own check, so the error is nameko's.
The instrumentation's `nameko.amqp.*` attributes of a reply's publish are described once per
publisher settings and reply queue (`_describe_replies_once`), the same strings.
"""

from __future__ import annotations

import functools
import inspect
import json
import sys
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kombu.serialization
import nameko.amqp.publish
from kombu import Connection
from kombu.pools import producers
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, DEFAULT_TRANSPORT_OPTIONS, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import UnserializableValueError, serialize
from nameko.rpc import Responder, Rpc, get_rpc_exchange


class JsonReply:
    """A result already serialised as JSON text (e.g. pydantic's `model_dump_json()`, one pass in its
    core instead of `model_dump` then kombu's JSON encoder): a JSON reply carries it as it is."""

    __slots__ = ("json",)

    def __init__(self, json: str) -> None:
        self.json = json

    def __str__(self) -> str:
        return self.json


_JSON_TYPE, _JSON_ENCODING, _ = kombu.serialization.dumps(None, "json")


class UnconfirmedPublisher(Publisher):
    use_confirms = False


class UnconfirmedResponder(Responder):
    """nameko's `Responder`: the reply serialised once, published without a confirm."""

    publisher_cls = UnconfirmedPublisher

    def send_response(self, result: Any, exc_info: Any) -> tuple[Any, Any]:
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[self.message.properties["content_type"]]
        try:
            if isinstance(result, JsonReply) and error is None and serializer == "json":
                content_type, encoding, body = _JSON_TYPE, _JSON_ENCODING, f'{{"result": {result.json}, "error": null}}'
            else:
                wire = json.loads(result.json) if isinstance(result, JsonReply) else result
                content_type, encoding, body = kombu.serialization.dumps({"result": wire, "error": error}, serializer)
        except Exception:
            exc_info = sys.exc_info()
            error = serialize(UnserializableValueError(result))  # serialises to JSON whatever `result` was
            result = None
            content_type, encoding, body = kombu.serialization.dumps({"result": None, "error": error}, serializer)
        publisher = self.publisher_cls(self.amqp_uri, ssl=self.ssl, login_method=self.login_method)
        publisher.publish(
            body,
            content_type=content_type,  # given: kombu sends `body` as it is
            content_encoding=encoding,
            exchange=self.exchange,
            routing_key=self.message.properties["reply_to"],
            correlation_id=self.message.properties.get("correlation_id"),
        )
        return result, exc_info


class UnconfirmedReplyRpc(Rpc):
    _signature: inspect.Signature | None = None

    def check_signature(self, args: Any, kwargs: Any) -> None:
        signature = self._signature
        if signature is None:
            # what `inspect.getcallargs` binds against: the function itself, not what it wraps
            method = getattr(self.container.service_cls, self.method_name)
            signature = self._signature = inspect.Signature.from_callable(method, follow_wrapped=False)
        try:
            signature.bind(None, *args, **kwargs)
        except TypeError:
            super().check_signature(args, kwargs)  # raises nameko's IncorrectSignature, with its message

    def handle_result(self, message: Any, worker_ctx: Any, result: Any, exc_info: Any) -> tuple[Any, Any]:
        responder = UnconfirmedResponder(
            self.rpc_consumer.amqp_uri,
            get_rpc_exchange(),
            message,
            ssl=config.get(AMQP_SSL_CONFIG_KEY),
            login_method=config.get(LOGIN_METHOD_CONFIG_KEY),
        )
        result, exc_info = responder.send_response(result, exc_info)
        self.rpc_consumer.consumer.ack_message(message)
        return result, exc_info


_pool_keys: dict[tuple[str, ...], Connection] = {}


@contextmanager
def _pooled_producer(
    amqp_uri: str,
    confirms: bool = True,
    ssl: Any = None,
    login_method: Any = None,
    transport_options: dict[str, Any] | None = None,
) -> Iterator[Any]:
    """nameko 3.0.0rc11's `get_producer`, with the `Connection` that keys the pool built once per arguments."""
    if transport_options is None:
        transport_options = DEFAULT_TRANSPORT_OPTIONS.copy()
    transport_options["confirm_publish"] = confirms
    key = (amqp_uri, repr(ssl), repr(login_method), repr(transport_options))
    conn = _pool_keys.get(key)
    if conn is None:  # a copy of the options: the caller's dict changes with its next publish
        conn = Connection(amqp_uri, transport_options=dict(transport_options), login_method=login_method, ssl=ssl)
        _pool_keys[key] = conn
    with producers[conn].acquire(block=True) as producer:
        yield producer


if nameko.amqp.publish.get_producer.__module__ == "nameko.amqp.publish":  # nameko's own, not replaced yet
    nameko.amqp.publish.get_producer = _pooled_producer  # what Publisher.publish calls


def _register_span_adapter() -> None:
    """opentelemetry-instrumentation-nameko picks a span adapter by the entrypoint's exact type."""
    try:
        from nameko_opentelemetry import entrypoints
        from nameko_opentelemetry.amqp import amqp_consumer_attributes
        from nameko_opentelemetry.rpc import RpcEntrypointAdapter
    except ImportError:  # tracing not installed: nothing to adapt
        return

    # A consumer's attributes are its settings, fixed when nameko builds it: described once each.
    consumer_attributes: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()

    class RpcSpanAdapter(RpcEntrypointAdapter):  # type: ignore[misc]
        """`RpcEntrypointAdapter` with the same attributes, without binding the call's arguments
        (`inspect.getcallargs`) when they are not recorded, which is the default."""

        def get_attributes(self, worker_ctx: Any) -> dict[str, Any]:
            entrypoint = worker_ctx.entrypoint
            if self.config.get("send_request_payloads") or getattr(entrypoint, "sensitive_arguments", None):
                return dict(super().get_attributes(worker_ctx))
            # EntrypointAdapter.get_attributes (opentelemetry-instrumentation-nameko 0.5.2) less the
            # call arguments, which `get_call_args_attributes` drops unless payloads are recorded
            pool = worker_ctx.container._worker_pool
            attributes = {
                "service_name": worker_ctx.service_name,
                "entrypoint_type": type(entrypoint).__name__,
                "method_name": entrypoint.method_name,
                "active_workers": pool.running(),
                "available_workers": pool.free(),
            }
            attributes.update(self.get_header_attributes(worker_ctx) or {})
            consumer = entrypoint.rpc_consumer.consumer
            described = consumer_attributes.get(consumer)
            if described is None:
                described = consumer_attributes[consumer] = amqp_consumer_attributes(consumer)
            attributes.update(described)
            return attributes

    entrypoints.adapter_types[UnconfirmedReplyRpc] = RpcSpanAdapter


REPLY_PUBLISH_KWARGS = frozenset({"content_type", "content_encoding", "exchange", "routing_key", "correlation_id"})
REPLY_DESCRIPTIONS_MAX = 256


def _describe_replies_once() -> None:
    """The instrumentation sets each publish's `nameko.amqp.*` attributes on the current span, from
    the publisher's settings and the publish's options, serialised to strings anew every time (about
    2 % of a read's CPU in the releases service). A reply's depend only on the responder's publisher
    (its settings, and nameko's shared transport options, which other publishers change) and the
    reply queue: described once per such key, the same strings."""
    try:
        from nameko_opentelemetry import amqp
    except ImportError:  # tracing not installed: nothing to describe
        return
    describe = amqp.amqp_publisher_attributes
    described: dict[tuple[Any, ...], dict[str, Any]] = {}

    @functools.wraps(describe)
    def publisher_attributes(publisher: Any, kwargs: dict[str, Any], config: Any) -> dict[str, Any]:
        if (
            type(publisher) is not UnconfirmedPublisher
            or not REPLY_PUBLISH_KWARGS.issuperset(kwargs)
            or config.get("send_headers")  # then the attributes hold each reply's own headers
        ):
            return describe(publisher, kwargs, config)
        key = (repr(vars(publisher)), repr(publisher.transport_options), kwargs.get("routing_key"))
        attributes = described.get(key)
        if attributes is None:
            if len(described) >= REPLY_DESCRIPTIONS_MAX:  # reply queues come and go with their callers
                described.clear()
            attributes = described[key] = describe(publisher, kwargs, config)
        return attributes

    if not hasattr(describe, "__wrapped__"):  # the instrumentation's own, not replaced yet
        amqp.amqp_publisher_attributes = publisher_attributes  # what its `publish` wrapper calls


_register_span_adapter()
_describe_replies_once()

rpc = UnconfirmedReplyRpc.decorator
