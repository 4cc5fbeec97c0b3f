"""One active analyser among the replicas, by lease; the others stand by and take over.

The analysis state (stories, claim variants, trend windows, cool-downs) lives in one process's
memory and is rebuilt from the datastore (`state.restore`). With several replicas (a Kubernetes
HPA), each analysing its share of the items would give each its own, diverging state. So:

- every replica renews or tries to take the lease `monitoring-analysis` (`LeaseStore`, one
  document, `find_one_and_update`) every `analysis_lease_seconds / 3`; the holder is *active*;
- the item and release consumers of a replica that is not active do not analyse: they hand the
  delivery back through the first retry delay without counting an attempt (`handle_analysed`),
  so the active replica gets it; nothing is lost, the standby only adds latency while it exists;
- a replica that becomes active (first start, or the holder stopped and released the lease, or
  died and let it expire) drops its engine: the next item rebuilds it from the datastore, which
  holds everything the previous holder analysed. A replica that finds it lost the lease drops
  its engine too, so it never resumes from a stale one;
- claims changed through RPC on any replica are written to the datastore; the active replica
  reloads the claims changed since its last look at each renewal (`reconcile_claims`);
- a graceful stop releases the lease, so the standby takes over at its next renewal instead of
  after the lease time.

Before storing an analysed item the app checks it still holds the lease (a fence: a replica
paused past its lease does not write what it analysed on a stale engine; the delivery is handed
back and analysed again by the holder).
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from typing import Any

from presscenter.shared.plumbing import consuming
from presscenter.shared.plumbing.consuming import SafeEventHandler
from presscenter.shared.plumbing.leases import LeaseStore

_log = logging.getLogger(__name__)
ANALYSIS_LEASE = "monitoring-analysis"


class NotActive(RuntimeError):
    """This replica does not hold the analysis lease."""


def new_owner() -> str:
    """A lease owner id unique to one container of one process."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ActiveLease:
    """This replica's view of the analysis lease."""

    def __init__(self, owner: str, ttl_s: float):
        self.owner = owner
        self.ttl_s = ttl_s
        self.active = False

    def renew(self, leases: LeaseStore) -> tuple[bool, bool]:
        """Take or keep the lease: (active now, changed since the last renewal)."""
        try:
            held = leases.acquire(ANALYSIS_LEASE, self.owner, self.ttl_s)
        except Exception as exc:  # the datastore is away: we cannot tell, so we stop analysing
            _log.warning("analysis lease not renewed: %s", exc)
            held = False
        changed = held != self.active
        self.active = held
        if changed:
            _log.info("analysis lease %s by %s", "taken" if held else "lost", self.owner)
        return held, changed

    def holds(self, leases: LeaseStore) -> bool:
        """Whether the lease is still ours, read from the datastore (the fence before a write)."""
        holder = leases.holder(ANALYSIS_LEASE)
        return holder is not None and holder.owner == self.owner

    def release(self, leases: LeaseStore) -> None:
        if self.active:
            leases.release(ANALYSIS_LEASE, self.owner)
            self.active = False


def _analysis_of(container: Any) -> Any:
    for dependency in container.dependencies:
        if hasattr(dependency, "lease") and isinstance(dependency.lease, ActiveLease):
            return dependency
    raise LookupError("handle_analysed needs the service's Analysis dependency")


class ActiveOnlyEventHandler(SafeEventHandler):
    """`handle_event` for deliveries only the active analyser may handle: on a standby replica,
    the delivery is handed back through the first retry delay, no attempt counted."""

    def _dispatch(self, body: Any, message: Any) -> None:
        if not _analysis_of(self.container).lease.active:
            try:
                envelope = self.parse(body)
            except consuming.PoisonMessage as exc:
                self._park_poison(message, exc)
                return
            self._postpone(message, envelope)
            return
        super()._dispatch(body, message)

    def handle_result(
        self, message: Any, envelope: Any, worker_ctx: Any, result: Any = None, exc_info: Any = None
    ) -> tuple[Any, Any]:
        if exc_info is not None and isinstance(exc_info[1], NotActive):
            self._release(envelope)
            self._postpone(message, envelope)  # the lease moved while we worked: the holder does it
            return result, None
        return super().handle_result(message, envelope, worker_ctx, result, exc_info)


handle_analysed = ActiveOnlyEventHandler.decorator

# tracing: the same CONSUMER span adapter as `handle_event` (adapters are picked by exact type)
_otel = getattr(consuming, "_otel_entrypoints", None)
if _otel is not None and SafeEventHandler in _otel.adapter_types:
    _otel.adapter_types[ActiveOnlyEventHandler] = _otel.adapter_types[SafeEventHandler]
    consuming.ENTRYPOINT_ADAPTERS[f"{__name__}.ActiveOnlyEventHandler"] = consuming.ENTRYPOINT_ADAPTERS[
        f"{consuming.__name__}.SafeEventHandler"
    ]
