"""Request body size limit: a declared Content-Length over the limit is refused before the body is
read; a streamed (chunked) body is counted as it arrives and refused when it passes the limit."""

from __future__ import annotations

from starlette.types import Receive, Scope, Send

from presscenter.gateway.problems import ApiProblem, problem_response


class BodyTooLarge(ApiProblem):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413, "content-too-large", f"The request body is larger than {limit} bytes.", max_body_bytes=limit
        )


async def refuse_body(max_bytes: int, scope: Scope, receive: Receive, send: Send) -> None:
    """The 413 problem, closing the connection (the rest of the body is not read)."""
    problem = BodyTooLarge(max_bytes)
    response = problem_response(
        scope, 413, detail=problem.detail, type_=problem.type, headers={"Connection": "close"}, **problem.extensions
    )
    await response(scope, receive, send)
