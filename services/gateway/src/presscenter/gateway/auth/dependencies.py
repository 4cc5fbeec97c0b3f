"""FastAPI dependencies for every router: who calls, and may they.

Read the caller with `principal: Annotated[Principal | None, Depends(current_principal)]` (None when
anonymous); admit only some roles with `Annotated[Principal, Depends(require_roles("editor", "admin"))]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from pymongo.errors import ConnectionFailure
from starlette.requests import HTTPConnection

from presscenter.gateway.auth.principal import Principal
from presscenter.gateway.auth.roles import ROLES, Role
from presscenter.gateway.auth.service import AuthService, Unauthenticated
from presscenter.gateway.problems import ApiProblem

TOKEN_URL = "/v1/auth/token"
REALM = "presscenter"
DATASTORE_RETRY_AFTER = 5

# Both read `Authorization: Bearer ...`; declared for the OpenAPI security schemes (and Swagger's Authorize).
oauth2_password = OAuth2PasswordBearer(
    tokenUrl=TOKEN_URL,
    scheme_name="OAuth2Password",
    description="JWT access token from the password flow.",
    auto_error=False,
)
api_token_bearer = HTTPBearer(
    scheme_name="ApiToken", description="API token `pc_<id>_<secret>` of a unit's system or app.", auto_error=False
)


def installed_service(connection: HTTPConnection) -> AuthService:
    service = getattr(connection.app.state, "auth_service", None)
    if service is None:
        raise RuntimeError("identity and access are not installed: call install_auth(app, settings)")
    return service  # type: ignore[no-any-return]


def datastore_unavailable() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        detail="the identity datastore is unavailable",
        headers={"Retry-After": str(DATASTORE_RETRY_AFTER)},
    )


@contextmanager
def datastore_guard() -> Iterator[None]:
    """Turn an unreachable datastore into a 503 with Retry-After."""
    try:
        yield
    except ConnectionFailure:
        raise datastore_unavailable() from None


async def auth_service(connection: HTTPConnection) -> AuthService:
    """The service, once its datastore has been reached (indexes made, bootstrap admin there); 503 before.

    `async def` so that FastAPI does not hand it to its thread pool."""
    service = installed_service(connection)
    if not service.ready:
        raise datastore_unavailable()
    return service


def unauthorized(reason: str) -> HTTPException:
    """401 with the RFC 6750 challenge."""
    challenge = f'Bearer realm="{REALM}", error="invalid_token", error_description="{reason}"'
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail=reason, headers={"WWW-Authenticate": challenge})


def authentication_required() -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED,
        detail="authentication required",
        headers={"WWW-Authenticate": f'Bearer realm="{REALM}"'},
    )


# The OpenAPI `security` of an operation that reads the caller: what `current_principal`'s two schemes declare.
BEARER_SECURITY: list[dict[str, list[str]]] = [{oauth2_password.scheme_name: []}, {api_token_bearer.scheme_name: []}]


async def current_principal(
    connection: HTTPConnection,
    _password_token: Annotated[str | None, Depends(oauth2_password)],
    _api_token: Annotated[HTTPAuthorizationCredentials | None, Depends(api_token_bearer)],
) -> Principal | None:
    """The verified caller, or None when the request carries no credentials. Bad credentials are a 401."""
    return await caller_of(connection)


async def caller_of(connection: HTTPConnection) -> Principal | None:
    """`current_principal` without its two security schemes as sub-dependencies: they only declare the
    OpenAPI security (both read `Authorization`, neither refuses anything), and FastAPI solves each
    sub-dependency on every request. A route depending on this one declares `BEARER_SECURITY` itself
    (`openapi_extra={"security": BEARER_SECURITY}`); the hot read does (`GET /v1/releases/{id}`)."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    scheme, _, credentials = header.partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        raise unauthorized("expected a Bearer token")
    try:
        with datastore_guard():  # only API tokens need the datastore; JWTs verify without it
            return await installed_service(connection).authenticate(credentials)
    except Unauthenticated as exc:
        raise unauthorized(str(exc)) from None


async def require_principal(principal: Annotated[Principal | None, Depends(current_principal)]) -> Principal:
    """Any authenticated caller; 401 when anonymous."""
    if principal is None:
        raise authentication_required()
    return principal


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency admitting only `roles`: 401 when anonymous, 403 for any other role."""
    unknown = set(roles) - set(ROLES)
    if not roles or unknown:
        raise ValueError(f"require_roles needs roles among {ROLES}, got {roles}")
    allowed = frozenset(roles)

    async def dependency(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
        if principal.role not in allowed:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this needs one of the roles: {', '.join(roles)}")
        return principal

    dependency.__name__ = f"require_roles_{'_'.join(roles)}"
    return dependency


def require_scope(scope: str) -> Callable[..., Awaitable[Principal]]:
    """A dependency refusing (403) API tokens whose scopes do not include `scope`; passwords sessions pass."""

    async def dependency(principal: Annotated[Principal, Depends(require_principal)]) -> Principal:
        if not principal.has_scope(scope):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"this API token lacks the scope {scope!r}")
        return principal

    return dependency


def require_writer(scope: str, *roles: Role) -> Callable[..., Awaitable[Principal]]:
    """Who may change things in one area: authenticated (401), one of `roles` (403), and an API
    token must carry `scope` (403 `missing-scope`); password sessions have every scope."""
    has_role = require_roles(*roles)

    # A default, not `Annotated[..., Depends(has_role)]`: string annotations cannot name a closure.
    async def dependency(principal: Principal = Depends(has_role)) -> Principal:  # noqa: B008
        if not principal.has_scope(scope):
            raise ApiProblem(403, "missing-scope", f"this API token lacks the scope {scope!r}")
        return principal

    dependency.__name__ = f"require_writer_{scope.replace(':', '_')}_{'_'.join(roles)}"
    return dependency
