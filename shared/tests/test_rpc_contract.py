"""Contract RPC methods over the real broker: validated requests, JSON responses, typed errors."""

from __future__ import annotations

from typing import Any

import pytest
from nameko.exceptions import RemoteError
from nameko.rpc import rpc
from nameko.standalone.rpc import ClusterRpcClient
from pydantic import Field

from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.plumbing.rpc_contract import contract


class Greet(ContractModel):
    name: str = Field(min_length=1)
    times: int = Field(default=1, ge=1, le=3)


class Greeting(ContractModel):
    text: str


class GreeterService:
    name = "greeter"

    @rpc
    @contract(Greet)
    def greet(self, request: Greet) -> Greeting:
        return Greeting(text=" ".join([f"chào {request.name}"] * request.times))


@pytest.fixture
def greeter(container_factory: Any, service_config: dict[str, Any]) -> ClusterRpcClient:
    container = container_factory(GreeterService, service_config)
    container.start()
    with ClusterRpcClient(uri=service_config["AMQP_URI"], timeout=10) as client:
        yield client


def test_a_dict_or_keyword_fields_are_validated_and_answered_as_json(greeter: Any) -> None:
    assert greeter.greeter.greet({"name": "Hà", "times": 2}) == {"text": "chào Hà chào Hà"}
    assert greeter.greeter.greet(name="Lan") == {"text": "chào Lan"}


def test_invalid_request_is_a_typed_error_naming_the_field(greeter: Any) -> None:
    with pytest.raises(RemoteError) as caught:
        greeter.greeter.greet({"name": "Hà", "times": 9})
    assert caught.value.exc_type == "InvalidInput"
    assert "times" in caught.value.value
    assert GreeterService.greet.request_model is Greet
