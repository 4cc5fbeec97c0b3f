"""`presscenter.shared.plumbing.rpc_replies.rpc` over the real broker: the same answers and errors as
nameko's `@rpc`, replies published without a publisher confirm, both kinds mixed in one service."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc as nameko_rpc
from nameko.standalone.rpc import ClusterRpcClient

from presscenter.shared.plumbing import rpc_replies
from presscenter.shared.plumbing.rpc_replies import rpc


class EchoService:
    name = "echo"

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


def test_replies_are_published_without_a_confirm(echo: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    confirms: list[bool] = []
    publish = rpc_replies.UnconfirmedPublisher.publish

    def recording(self: Any, payload: Any, **kwargs: Any) -> None:
        confirms.append(kwargs.get("use_confirms", self.use_confirms))
        publish(self, payload, **kwargs)

    monkeypatch.setattr(rpc_replies.UnconfirmedPublisher, "publish", recording)
    assert echo.echo.echo({"n": 1})["echo"] == {"n": 1}
    assert confirms == [False]
