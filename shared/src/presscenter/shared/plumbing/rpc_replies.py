"""nameko's `@rpc`, answering without a publisher confirm and serialising the reply once.

    from presscenter.shared.plumbing.rpc_replies import rpc

nameko's `Responder` publishes every reply with a publisher confirm (one more broker round trip
while the worker waits) and serialises the reply twice (a "can it be serialised" check, then the
publish). A reply goes to the caller's own reply queue, which the caller may have dropped
already; a reply lost on the broker is the timeout every caller handles anyway (the gateway's
504), so the confirm adds nothing a caller can act on. Here the reply is serialised once (an
unserialisable result still becomes nameko's `UnserializableValueError` reply) and published
without a confirm; the request is acked after the reply, as nameko does.

Everything else is nameko's `Rpc`: the same shared consumer and queue (mixing this `rpc` with
nameko's in one service is fine), signature checks, worker context, and the
opentelemetry-instrumentation-nameko RPC span (its adapter is registered for this entrypoint).
"""

from __future__ import annotations

import sys
from typing import Any

import kombu.serialization
from nameko import config
from nameko.amqp.publish import Publisher
from nameko.constants import AMQP_SSL_CONFIG_KEY, LOGIN_METHOD_CONFIG_KEY
from nameko.exceptions import UnserializableValueError, serialize
from nameko.rpc import Responder, Rpc, get_rpc_exchange


class UnconfirmedPublisher(Publisher):
    use_confirms = False


class UnconfirmedResponder(Responder):
    """nameko's `Responder`: the reply serialised once, published without a confirm."""

    publisher_cls = UnconfirmedPublisher

    def send_response(self, result: Any, exc_info: Any) -> tuple[Any, Any]:
        error = serialize(exc_info[1]) if exc_info is not None else None
        serializer = kombu.serialization.registry.type_to_name[self.message.properties["content_type"]]
        try:
            content_type, encoding, body = kombu.serialization.dumps({"result": result, "error": error}, serializer)
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


def _register_span_adapter() -> None:
    """opentelemetry-instrumentation-nameko picks a span adapter by the entrypoint's exact type."""
    try:
        from nameko_opentelemetry import entrypoints
        from nameko_opentelemetry.rpc import RpcEntrypointAdapter
    except ImportError:  # tracing not installed: nothing to adapt
        return
    entrypoints.adapter_types[UnconfirmedReplyRpc] = RpcEntrypointAdapter


_register_span_adapter()

rpc = UnconfirmedReplyRpc.decorator
