"""`TunedGc`: the garbage collector set for a server (`presscenter.shared.gc_tuning`) when a
service container starts, once per process. Every service has it through `HealthEndpoints`."""

from __future__ import annotations

from nameko.extensions import DependencyProvider

from presscenter.shared.gc_tuning import tune_gc_once


class TunedGc(DependencyProvider):
    """At container start, after every extension's setup (connections, pools, settings): `tune_gc_once`.
    It injects nothing (nameko's `get_dependency` gives None)."""

    def start(self) -> None:
        tune_gc_once()
