"""A service implements exactly the RPC contracts the catalog declares for it."""

from __future__ import annotations

from nameko.rpc import Rpc

from presscenter.shared.rpc.catalog import RPC_METHODS


def assert_implements_rpc_contracts(service_cls: type) -> None:
    """Every declared method is an `@rpc` of `service_cls` taking the declared request model, and
    every `@rpc` of `service_cls` is declared (so the exported contracts describe the whole surface)."""
    service = service_cls.name  # type: ignore[attr-defined]
    declared = {spec.method: spec for spec in RPC_METHODS if spec.service == service}
    exposed = {
        name
        for name in dir(service_cls)
        if any(isinstance(ep, Rpc) for ep in getattr(getattr(service_cls, name), "nameko_entrypoints", ()))
    }
    assert exposed == set(declared), f"undeclared: {exposed - set(declared)}, missing: {set(declared) - exposed}"
    for name, spec in declared.items():
        model = getattr(getattr(service_cls, name), "request_model", None)
        if model is not None:
            assert model is spec.request, f"{service}.{name} takes {model.__name__}, declared {spec.request.__name__}"
