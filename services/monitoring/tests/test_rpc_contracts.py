"""The monitoring service exposes exactly the RPC methods its contracts declare, with their request models.

`presscenter.shared.rpc.monitoring.METHODS` is the declaration the RPC catalog registers (as
`RpcSpec("monitoring", name, 1, request, response, summary)`).
"""

from __future__ import annotations

from nameko.rpc import Rpc

from presscenter.monitoring.service import MonitoringService
from presscenter.shared.rpc import monitoring as contracts


def rpc_methods(service_cls: type) -> set[str]:
    return {
        name
        for name in dir(service_cls)
        if any(isinstance(ep, Rpc) for ep in getattr(getattr(service_cls, name), "nameko_entrypoints", ()))
    }


def test_monitoring_implements_its_declared_methods() -> None:
    declared = {name: request for name, request, _response, _summary in contracts.METHODS}
    assert rpc_methods(MonitoringService) == set(declared) | {"health"}
    for name, request in declared.items():
        assert getattr(MonitoringService, name).request_model is request
