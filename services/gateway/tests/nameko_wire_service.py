"""A real nameko service for the gateway's wire-compatibility test (run by `nameko run` in a subprocess).

It answers the `health` RPC through the shared `HealthEndpoints`, echoes its arguments, reports the
worker context the gateway's headers became, and raises a shared typed error and an untyped one.
"""

from __future__ import annotations

from typing import Any

from nameko.extensions import DependencyProvider
from nameko.rpc import rpc

from presscenter.shared.plumbing.health import HealthEndpoints
from presscenter.shared.rpc.errors import Conflict


class WorkerContext(DependencyProvider):
    """Injects the worker context itself."""

    def get_dependency(self, worker_ctx: Any) -> Any:
        return worker_ctx


class WireService(HealthEndpoints):
    name = "wire"

    worker = WorkerContext()

    @rpc
    def echo(self, value: Any, *, twice: bool = False) -> Any:
        return [value, value] if twice else value

    @rpc
    def context(self) -> dict[str, Any]:
        return {"call_id_stack": list(self.worker.call_id_stack), "context_data": dict(self.worker.context_data)}

    @rpc
    def stale(self, release_id: str) -> None:
        raise Conflict(f"release {release_id} is at revision 5, you sent 4", "revision", current_revision=5)

    @rpc
    def crash(self) -> None:
        raise KeyError("internal detail")
