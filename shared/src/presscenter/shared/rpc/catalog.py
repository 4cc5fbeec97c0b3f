"""Every RPC method's contract: request and response models, by `service.method`."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from presscenter.shared.events.envelope import ContractModel
from presscenter.shared.rpc.health import HealthReport

BACKEND_SERVICES = ("releases", "feedback", "monitoring", "media")


class NoArguments(ContractModel):
    """The method takes no arguments."""


@dataclass(frozen=True)
class RpcSpec:
    service: str
    method: str
    version: int
    request: type[BaseModel]
    response: type[BaseModel]
    summary: str

    @property
    def name(self) -> str:
        return f"{self.service}.{self.method}"


RPC_METHODS: tuple[RpcSpec, ...] = tuple(
    RpcSpec(svc, "health", 1, NoArguments, HealthReport, "Readiness report: AMQP and datastore checks.")
    for svc in BACKEND_SERVICES
)
