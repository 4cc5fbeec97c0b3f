"""JSON Schemas (draft 2020-12) of the wire messages: event envelopes and RPC payloads."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, create_model

from presscenter.shared.events.catalog import CatalogEntry
from presscenter.shared.rpc.catalog import RpcSpec

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
# Envelope fields that have defaults in Python but that every message on the wire carries.
WIRE_REQUIRED_FIELDS = ("event_id", "occurred_at", "correlation_id")


def event_description(cat: CatalogEntry) -> str:
    """One paragraph saying what the event is and where it travels."""
    summary = cat.summary or f"Event `{cat.type}` version {cat.version}."
    return (
        f"{summary}\n\nPublished to the topic exchange `{cat.exchange}` with routing key `{cat.type}`; "
        "consumers ignore fields they do not know."
    )


@cache
def wire_envelope_model(cat: CatalogEntry) -> type[BaseModel]:
    """The envelope of one event as it travels: typed payload, `type`/`version` pinned, ids required."""
    base = cat.envelope_model
    fields: dict[str, Any] = {
        "type": (Literal[cat.type], Field(description=base.model_fields["type"].description)),
        "version": (Literal[cat.version], Field(description=base.model_fields["version"].description)),
    }
    for name in WIRE_REQUIRED_FIELDS:
        info = base.model_fields[name]
        annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        fields[name] = (annotation, Field(description=info.description))
    model_name = f"{cat.payload.__name__}EnvelopeV{cat.version}"
    return create_model(model_name, __base__=base, __doc__=event_description(cat), **fields)


def standalone(model: type[BaseModel]) -> dict[str, Any]:
    """A self-contained schema document (`$defs` inside) for `model`."""
    return {"$schema": JSON_SCHEMA_DIALECT, **model.model_json_schema(mode="validation")}


def event_schema_path(cat: CatalogEntry) -> str:
    return f"contracts/events/{cat.type}.v{cat.version}.schema.json"


def rpc_schema_path(spec: RpcSpec, part: Literal["request", "response"]) -> str:
    return f"contracts/rpc/{spec.name}.v{spec.version}.{part}.schema.json"


def contract_schemas(entries: Iterable[CatalogEntry], methods: Iterable[RpcSpec]) -> dict[str, dict[str, Any]]:
    """Every contract schema, by its path relative to the repository root."""
    out: dict[str, dict[str, Any]] = {}
    for cat in entries:
        out[event_schema_path(cat)] = standalone(wire_envelope_model(cat))
    for spec in methods:
        out[rpc_schema_path(spec, "request")] = standalone(spec.request)
        out[rpc_schema_path(spec, "response")] = standalone(spec.response)
    return out
