"""One value per singular query parameter.

FastAPI takes the last of several values sent for a parameter declared as one value
(`?unit_code=a&unit_code=b` reads "b"): a request the OpenAPI calls invalid would be answered as
if it were valid, and a filter checked on one copy could be applied from another (HTTP parameter
pollution). `one_value_each`, an app-wide dependency, refuses such a request with the 422 problem
of any invalid query; parameters declared as lists (`status`, `stage`, ...) may repeat.
"""

from __future__ import annotations

from collections import Counter

from fastapi import Request, params
from fastapi.dependencies.utils import field_annotation_is_sequence, get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute


def singular_query_names(route: APIRoute) -> frozenset[str]:
    """The query parameters of `route` (its dependencies' included) that take one value. Worked out
    per request, only for requests with several parameters."""
    queries = [field for field in get_flat_params(route.dependant) if isinstance(field.field_info, params.Query)]
    return frozenset(field.alias for field in queries if not field_annotation_is_sequence(field.field_info.annotation))


async def one_value_each(request: Request) -> None:
    """422 when a query parameter that takes one value is sent more than once."""
    query: bytes = request.scope.get("query_string", b"")
    if b"&" not in query:  # one parameter at most: nothing to count (every plain read)
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    singular = singular_query_names(route)
    counts = Counter(name for name, _value in request.query_params.multi_items() if name in singular)
    repeated = sorted(name for name, times in counts.items() if times > 1)
    if repeated:
        raise RequestValidationError(
            [
                {
                    "type": "too_many_values",
                    "loc": ("query", name),
                    "msg": f"takes one value; it was sent {counts[name]} times",
                    "input": None,
                }
                for name in repeated
            ]
        )
