"""What an RPC call from the gateway can fail with; `problems` maps each to an HTTP answer."""

from __future__ import annotations

from typing import Any


class RpcError(Exception):
    """Base of every failure of `RpcClient.call`."""


class ServiceUnavailable(RpcError):
    """Nothing can take the call now: the broker is unreachable or no replica of the service listens."""

    def __init__(self, service: str, reason: str, retry_after: int = 5) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.retry_after = retry_after


class RpcConnectionLost(ServiceUnavailable):
    """The broker connection dropped while the call was in flight: its outcome is unknown."""


class RpcTimeout(RpcError):
    """No reply within the call's timeout (the request expires in the broker at the same time)."""

    def __init__(self, service: str, method: str, timeout: float) -> None:
        super().__init__(f"{service}.{method}: no reply within {timeout:g}s")
        self.service = service
        self.method = method
        self.timeout = timeout


class BadReply(RpcError):
    """The reply could not be read (not JSON, or neither `result` nor `error`)."""


class RemoteServiceError(RpcError):
    """The service raised: nameko's serialised error (`exc_type`, `exc_path`, `exc_args`, `value`)."""

    def __init__(
        self, service: str, method: str, exc_type: str, exc_path: str | None, exc_args: list[Any], value: str
    ) -> None:
        super().__init__(f"{service}.{method} raised {exc_type}: {value}")
        self.service = service
        self.method = method
        self.exc_type = exc_type
        self.exc_path = exc_path
        self.exc_args = exc_args
        self.value = value

    @classmethod
    def from_wire(cls, service: str, method: str, error: Any) -> RemoteServiceError:
        if not isinstance(error, dict):
            return cls(service, method, "UnknownError", None, [], str(error))
        exc_args = error.get("exc_args")
        return cls(
            service,
            method,
            str(error.get("exc_type") or "UnknownError"),
            error.get("exc_path") if isinstance(error.get("exc_path"), str) else None,
            list(exc_args) if isinstance(exc_args, list) else [],
            str(error.get("value") or ""),
        )
