"""One value per singular query parameter.

FastAPI takes the last of several values sent for a parameter declared as one value
(`?unit_code=a&unit_code=b` reads "b"): a request the OpenAPI calls invalid would be answered as
if it were valid, and a filter checked on one copy could be applied from another (HTTP parameter
pollution). `OneValueEach` refuses such a request with the 422 problem of any invalid query;
parameters the OpenAPI declares as arrays (`status`, `stage`, ...) may repeat.

It reads the operations' parameters from the app's own OpenAPI (the contract the clients and the
fuzzer go by), and only for a request whose query repeats a name: every other request costs one
look for `&` in its query string.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from starlette.datastructures import QueryParams
from starlette.types import ASGIApp, Receive, Scope, Send

from presscenter.gateway.problems import validation_problem

# (path pattern, method) -> the query parameters that take one value
Operations = list[tuple[re.Pattern[str], str, frozenset[str]]]


class OneValueEach:
    def __init__(self, app: ASGIApp, openapi: Callable[[], dict[str, Any]]) -> None:
        self.app = app
        self.openapi = openapi  # the app's, built once and cached by FastAPI
        self._operations: Operations | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and b"&" in scope.get("query_string", b""):
            repeated = self._repeated_singular(scope)
            if repeated:
                errors = [
                    {"field": f"query.{name}", "message": f"takes one value; it was sent {times} times"}
                    for name, times in repeated
                ]
                await validation_problem(scope, errors)(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _repeated_singular(self, scope: Scope) -> list[tuple[str, int]]:
        counts = Counter(name for name, _value in QueryParams(scope["query_string"]).multi_items())
        repeated = {name: times for name, times in counts.items() if times > 1}
        if not repeated:
            return []
        method = "get" if scope["method"] == "HEAD" else scope["method"].lower()
        for pattern, operation_method, singular in self.operations():
            if operation_method == method and pattern.fullmatch(scope["path"]):
                return sorted((name, times) for name, times in repeated.items() if name in singular)
        return []

    def operations(self) -> Operations:
        if self._operations is None:
            self._operations = singular_query_parameters(self.openapi())
        return self._operations


def singular_query_parameters(openapi: dict[str, Any]) -> Operations:
    """Per operation of an OpenAPI document, its path as a pattern and its one-value query parameters."""
    found: Operations = []
    for path, item in openapi.get("paths", {}).items():
        pattern = re.compile(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(path)))
        for method, operation in item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue  # not an operation (a path item's own parameters, servers, ...)
            parameters = [*item.get("parameters", []), *operation.get("parameters", [])]
            singular = frozenset(
                p["name"] for p in parameters if p.get("in") == "query" and not _is_array(p.get("schema", {}))
            )
            found.append((pattern, method, singular))
    return found


def _is_array(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    return any(_is_array(option) for option in (*schema.get("anyOf", ()), *schema.get("oneOf", ())))
