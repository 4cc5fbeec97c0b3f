"""`presscenter.shared.plumbing.rpc_replies.rpc` over the real broker: the same answers and errors as
nameko's `@rpc`, replies published without a publisher confirm, both kinds mixed in one service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import nameko.amqp.publish
import pytest
from kombu import Connection
from kombu.pools import producers
from nameko.exceptions import IncorrectSignature, RemoteError
from nameko.extensions import DependencyProvider
from nameko.rpc import rpc as nameko_rpc
from nameko.standalone.rpc import ClusterRpcClient
from nameko_opentelemetry.entrypoints import adapter_types
from nameko_opentelemetry.rpc import RpcEntrypointAdapter

from presscenter.shared.plumbing import rpc_replies
from presscenter.shared.plumbing.rpc_replies import JsonReply, rpc


class WorkerContexts(DependencyProvider):
    """Keeps the worker context of every call, to look at the span attributes it gives."""

    seen: list[Any] = []

    def worker_setup(self, worker_ctx: Any) -> None:
        self.seen.append(worker_ctx)


class EchoService:
    name = "echo"
    contexts = WorkerContexts()

    @rpc
    def echo(self, request: dict[str, Any]) -> dict[str, Any]:
        return {"echo": request, "text": "Hà Nội"}

    @rpc
    def fail(self) -> None:
        raise ValueError("bad value")

    @rpc
    def unserialisable(self) -> object:
        return object()

    @nameko_rpc
    def classic(self, value: int) -> int:
        return value + 1

    @rpc
    def encoded(self) -> JsonReply:
        return JsonReply('{"text":"Hà Nội","n":[1,2.5,null,true]}')


@pytest.fixture
def echo(container_factory: Any, service_config: dict[str, Any]) -> Iterator[ClusterRpcClient]:
    container = container_factory(EchoService, service_config)
    container.start()
    with ClusterRpcClient(uri=service_config["AMQP_URI"], timeout=10) as client:
        yield client


def test_results_errors_and_nameko_rpc_alongside(echo: Any) -> None:
    assert echo.echo.echo({"a": [1, 2]}) == {"echo": {"a": [1, 2]}, "text": "Hà Nội"}
    assert echo.echo.classic(41) == 42  # nameko's own @rpc on the same consumer and queue
    with pytest.raises(RemoteError) as caught:
        echo.echo.fail()
    assert caught.value.exc_type == "ValueError" and "bad value" in str(caught.value.value)
    with pytest.raises(RemoteError) as unserialisable:
        echo.echo.unserialisable()
    assert unserialisable.value.exc_type == "UnserializableValueError"
    assert echo.echo.echo({"after": "errors"})["echo"] == {"after": "errors"}  # the worker pool is fine


def test_a_json_reply_arrives_as_the_data_it_holds(echo: Any) -> None:
    assert echo.echo.encoded() == {"text": "Hà Nội", "n": [1, 2.5, None, True]}


def test_replies_are_published_without_a_confirm(echo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    confirms: list[bool] = []
    publish = rpc_replies.UnconfirmedPublisher.publish

    def recording(self: Any, payload: Any, **kwargs: Any) -> None:
        confirms.append(kwargs.get("use_confirms", self.use_confirms))
        publish(self, payload, **kwargs)

    monkeypatch.setattr(rpc_replies.UnconfirmedPublisher, "publish", recording)
    assert echo.echo.echo({"n": 1})["echo"] == {"n": 1}
    assert confirms == [False]


def test_signature_checks_refuse_as_nameko_does(echo: Any) -> None:
    """The signature is bound once built; a refused call still gets nameko's own message."""
    assert echo.echo.echo(request={"k": 1})["echo"] == {"k": 1}
    with pytest.raises(IncorrectSignature, match=r"echo\(\) missing 1 required positional argument: 'request'"):
        echo.echo.echo()
    with pytest.raises(IncorrectSignature, match=r"takes 2 positional arguments but 3 were given"):
        echo.echo.echo(1, 2)
    with pytest.raises(IncorrectSignature, match=r"unexpected keyword argument 'other'"):
        echo.echo.echo({}, other=1)


def test_span_attributes_are_the_instrumentations_own(echo: Any) -> None:
    """The span adapter skips binding the call's arguments, which are not recorded by default,
    and describes each consumer once: the attributes are those of the instrumentation's adapter."""
    WorkerContexts.seen.clear()
    echo.echo.echo({"n": 1})
    echo.echo.echo({"n": 2})
    adapter = adapter_types[rpc_replies.UnconfirmedReplyRpc]({})
    assert adapter is not RpcEntrypointAdapter
    for worker_ctx in WorkerContexts.seen:
        expected = RpcEntrypointAdapter({}).get_attributes(worker_ctx)
        assert adapter.get_attributes(worker_ctx) == expected
        assert "nameko.amqp.queues" in expected and "method_name" in expected
    recorded = adapter_types[rpc_replies.UnconfirmedReplyRpc]({"send_request_payloads": True})
    assert recorded.get_attributes(WorkerContexts.seen[0])["call_args"] == str({"request": {"n": 1}})


def test_publishers_find_nameko_pool_without_a_connection_per_publish(echo: Any) -> None:
    """nameko's `get_producer` keeps the `Connection` that keys the producer pool: one per settings,
    and the pool found is the one a new `Connection` with the same settings finds."""
    assert nameko.amqp.publish.get_producer is rpc_replies._pooled_producer
    echo.echo.echo({"n": 1})
    keys = dict(rpc_replies._pool_keys)
    assert keys
    for n in range(5):
        echo.echo.echo({"n": n})
    assert rpc_replies._pool_keys == keys
    for (amqp_uri, *_), conn in keys.items():
        fresh = Connection(amqp_uri, transport_options=dict(conn.transport_options), ssl=conn.ssl,
                           login_method=conn.login_method)  # fmt: skip
        assert producers[fresh] is producers[conn]


def test_reply_publish_attributes_are_the_instrumentations_own() -> None:
    from nameko_opentelemetry import amqp

    described = amqp.amqp_publisher_attributes
    describe = described.__wrapped__  # the instrumentation's own
    publisher = rpc_replies.UnconfirmedPublisher("amqp://guest:guest@localhost:5672/replies")
    reply = {"content_type": "application/json", "exchange": "nameko-rpc", "routing_key": "rpc.reply-a"}
    first = described(publisher, reply, {})
    assert first == describe(publisher, reply, {})
    assert described(publisher, reply, {}) is first  # described once
    other_queue = {**reply, "routing_key": "rpc.reply-b"}
    assert described(publisher, other_queue, {}) == describe(publisher, other_queue, {}) != first
    # nameko's transport options are shared by every publisher, and changed by their publishes
    changed = rpc_replies.UnconfirmedPublisher("amqp://guest:guest@localhost:5672/replies")
    changed.transport_options = {**publisher.transport_options, "confirm_publish": "changed"}
    assert described(changed, reply, {}) == describe(changed, reply, {}) != first
    # any other publisher, or a publish with options of its own, is described every time
    classic = nameko.amqp.publish.Publisher("amqp://guest:guest@localhost:5672/replies")
    assert described(classic, reply, {}) == describe(classic, reply, {})
    assert described(publisher, {**reply, "priority": 5}, {}) == describe(publisher, {**reply, "priority": 5}, {})
    headers_recorded = {"send_headers": True}  # each reply's own headers: never from the cache
    assert described(publisher, reply, headers_recorded) is not described(publisher, reply, headers_recorded)
