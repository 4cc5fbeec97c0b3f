"""The HTTP entrypoint of the local store's signed URLs (`PUT|GET /media/objects/<key>`).

It is nameko's `@http`, except for tracing: opentelemetry-instrumentation-nameko's HTTP adapter
reads `request.data` (the whole body, into memory) to describe a request, which would consume
an upload before the handler streams it. Its adapter here records the same span attributes
without touching the body. Adapters are chosen by exact entrypoint type, hence the subclass.
"""

from __future__ import annotations

from typing import Any, ClassVar

from nameko.web.handlers import HttpRequestHandler


class ObjectTransfer(HttpRequestHandler):  # type: ignore[misc]
    """`@http` whose request and response bodies are streamed, never read whole."""


object_transfer = ObjectTransfer.decorator

try:
    from nameko_opentelemetry import entrypoints as _otel_entrypoints
    from nameko_opentelemetry.entrypoints import EntrypointAdapter
    from nameko_opentelemetry.http import HttpEntrypointAdapter
    from opentelemetry.instrumentation import wsgi
    from opentelemetry.semconv.trace import SpanAttributes
except ImportError:  # pragma: no cover - opentelemetry-instrumentation-nameko is a service dependency
    pass
else:

    class ObjectTransferAdapter(HttpEntrypointAdapter):  # type: ignore[misc]
        span_kind: ClassVar[Any] = HttpEntrypointAdapter.span_kind

        def get_attributes(self, worker_ctx: Any) -> dict[str, Any]:
            attributes: dict[str, Any] = EntrypointAdapter.get_attributes(self, worker_ctx)
            for name in ("call_args", "call_args_redacted", "call_args_truncated"):
                attributes.pop(name, None)
            request = self.request(worker_ctx)
            environ = {k: v for k, v in request.environ.items() if k != "QUERY_STRING"}  # signatures stay out
            attributes.update(wsgi.collect_request_attributes(environ))
            return attributes

        def get_result_attributes(self, worker_ctx: Any, result: Any) -> dict[str, Any]:
            status = getattr(result, "status_code", 200)
            return {SpanAttributes.HTTP_STATUS_CODE: status}

    _otel_entrypoints.adapter_types[ObjectTransfer] = ObjectTransferAdapter
