"""RPC methods that speak the contracts: a dict in, validated into the request model; a model out, as JSON.

    @rpc
    @contract(CreateDraft)
    def create_draft(self, request: CreateDraft) -> Release: ...

A request that fails validation is refused with `InvalidInput` naming the field, before any
work is done. Callers send one positional dict (what the gateway and the contract export
describe) or the same fields as keyword arguments.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from presscenter.shared.events.catalog import format_errors
from presscenter.shared.rpc.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)


def parse_request(model: type[M], data: Any) -> M:
    """`data` as `model`, or `InvalidInput` naming the first wrong field (all of them in `errors`)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = format_errors(exc)
        raise InvalidInput(errors[0]["message"], errors[0]["field"], errors=errors) from None


def to_wire(result: Any) -> Any:
    """Models (and lists of them) become JSON-ready data; anything else passes unchanged."""
    if isinstance(result, BaseModel):
        return result.model_dump(mode="json")
    if isinstance(result, list | tuple):
        return [to_wire(item) for item in result]
    return result


def contract(request_model: type[M]) -> Callable[[Callable[[Any, M], Any]], Callable[..., Any]]:
    def decorate(method: Callable[[Any, M], Any]) -> Callable[..., Any]:
        def wrapper(self: Any, payload: Any = None, **fields: Any) -> Any:
            request = parse_request(request_model, fields if payload is None else payload)
            return to_wire(method(self, request))

        functools.update_wrapper(wrapper, method)
        # nameko checks call arguments against the signature: keep the wire one, not the method's.
        del wrapper.__wrapped__  # type: ignore[attr-defined]
        wrapper.request_model = request_model  # type: ignore[attr-defined]
        return wrapper

    return decorate
