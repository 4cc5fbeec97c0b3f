"""Typed errors a service raises over RPC; the gateway maps each to one HTTP status.

nameko sends a remote error as its class name plus its arguments, so every error here is built
from JSON-safe arguments only, and the gateway's error table is keyed by `exc_type`.
"""

from __future__ import annotations

from typing import Any

# Every ServiceError class by name (subclasses register themselves): nameko sends `exc_type` only.
ERRORS: dict[str, type[ServiceError]] = {}


class ServiceError(Exception):
    """Base of the errors a caller can act on. `status` is the HTTP status the gateway answers."""

    status = 500
    title = "Service error"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        ERRORS[cls.__name__] = cls

    def __init__(self, detail: str, field: str | None = None, **extra: Any):
        super().__init__(detail, field, extra)
        self.detail = detail
        self.field = field
        self.extra = extra

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail


class InvalidInput(ServiceError):
    """The request names something wrong: `field` says where."""

    status = 422
    title = "Invalid input"


class NotFound(ServiceError):
    status = 404
    title = "Not found"


class Forbidden(ServiceError):
    """The caller's role or unit may not do this."""

    status = 403
    title = "Forbidden"


class Conflict(ServiceError):
    """The object changed since the caller read it (stale revision), or the state forbids the change."""

    status = 409
    title = "Conflict"


class InvalidTransition(Conflict):
    """The workflow does not allow this action in the current status."""

    title = "Not allowed in this status"


ERRORS[ServiceError.__name__] = ServiceError
