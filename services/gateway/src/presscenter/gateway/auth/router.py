"""HTTP endpoints: `/v1/auth/*` (OAuth2 password flow, refresh, logout, me) and `/v1/admin/*` (accounts, API tokens)."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Query, Request, Response, status
from fastapi.routing import APIRoute

from presscenter.gateway.auth.account_store import UsernameTaken
from presscenter.gateway.auth.dependencies import (
    auth_service,
    datastore_guard,
    require_principal,
    require_roles,
    unauthorized,
)
from presscenter.gateway.auth.passwords import MAX_PASSWORD_LENGTH
from presscenter.gateway.auth.principal import Principal
from presscenter.gateway.auth.roles import Role
from presscenter.gateway.auth.schemas import (
    AccountOut,
    AccountPage,
    ApiTokenOut,
    IssuedApiToken,
    Me,
    NewAccount,
    NewApiToken,
    PasswordReset,
    RefreshRequest,
    TokenResponse,
)
from presscenter.gateway.auth.service import AuthService, InvalidRequest, NotFound, TokenPair, Unauthenticated
from presscenter.gateway.auth.throttle import Throttled

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
Service = Annotated[AuthService, Depends(auth_service)]
Admin = Annotated[Principal, Depends(require_roles("admin"))]
AccountId = Annotated[str, Path(min_length=1, max_length=64)]
TokenId = Annotated[str, Path(min_length=1, max_length=64)]


def _problem(code: int, description: str) -> dict[int | str, dict[str, Any]]:
    return {code: {"description": description}}


UNAUTHORIZED = _problem(401, "Missing, invalid, expired or revoked credentials.")
UNAVAILABLE = _problem(503, "The identity datastore is unreachable; see Retry-After.")
FORBIDDEN = _problem(403, "Authenticated, but not an admin.")


def _token_response(pair: TokenPair, response: Response) -> TokenResponse:
    response.headers.update(NO_STORE)
    return TokenResponse(
        access_token=pair.access_token,
        expires_in=pair.expires_in,
        refresh_token=pair.refresh_token,
        refresh_expires_in=pair.refresh_expires_in,
    )


def _not_found(exc: NotFound) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=str(exc))


def _unprocessable(exc: InvalidRequest) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc))


class DatastoreGuardedRoute(APIRoute):
    """A route that answers 503 with Retry-After when the datastore is unreachable, instead of a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def guarded(request: Request) -> Response:
            with datastore_guard():
                return await handler(request)

        return guarded


auth_router = APIRouter(prefix="/v1/auth", tags=["auth"], responses=UNAVAILABLE, route_class=DatastoreGuardedRoute)


@auth_router.post(
    "/token",
    response_model=TokenResponse,
    responses={
        **_problem(400, "Wrong username or password (the same answer for an unknown username)."),
        **_problem(429, "Too many failed logins for this username or address; see Retry-After."),
    },
)
async def token(
    request: Request,
    response: Response,
    service: Service,
    username: Annotated[str, Form(min_length=1, max_length=256)],
    password: Annotated[str, Form(min_length=1, max_length=MAX_PASSWORD_LENGTH)],
    grant_type: Annotated[str, Form(pattern="^password$", description="Always `password`.")] = "password",
) -> TokenResponse:
    """OAuth2 password grant (form encoded): a short-lived JWT access token and a single-use refresh token."""
    client_ip = request.client.host if request.client else None
    try:
        pair = await service.login(username, password, client_ip)
    except Throttled as exc:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            detail="too many failed logins; try again later",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None
    except Unauthenticated as exc:
        # RFC 6749 §5.2: a bad resource-owner grant is invalid_grant, 400
        raise HTTPException(status.HTTP_400_BAD_REQUEST, detail=str(exc), headers=NO_STORE) from None
    return _token_response(pair, response)


@auth_router.post("/refresh", response_model=TokenResponse, responses=UNAUTHORIZED)
async def refresh(body: RefreshRequest, response: Response, service: Service) -> TokenResponse:
    """Trade a refresh token for a new pair. Each refresh token works once; replaying one ends its session."""
    try:
        pair = await service.refresh(body.refresh_token)
    except Unauthenticated as exc:
        raise unauthorized(str(exc)) from None
    return _token_response(pair, response)


@auth_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, service: Service) -> Response:
    """End the session of this refresh token (its access tokens expire by themselves within minutes)."""
    await service.logout(body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@auth_router.get("/me", response_model=Me, responses=UNAUTHORIZED)
async def me(principal: Annotated[Principal, Depends(require_principal)], service: Service) -> Me:
    """Who the credentials belong to."""
    account = await service.accounts.by_id(principal.id)
    return Me(
        id=principal.id,
        username=principal.username,
        display_name=account.display_name if account else None,
        role=principal.role,
        unit_code=principal.unit_code,
        outlet=principal.outlet,
        embargo_entitled=principal.embargo_entitled,
        auth=principal.auth,
        scopes=list(principal.scopes),
    )


admin_router = APIRouter(
    prefix="/v1/admin",
    tags=["admin"],
    responses={**UNAUTHORIZED, **FORBIDDEN, **UNAVAILABLE},
    route_class=DatastoreGuardedRoute,
)


@admin_router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=AccountOut,
    responses=_problem(409, "The username is taken."),
)
async def create_account(body: NewAccount, _admin: Admin, service: Service) -> AccountOut:
    try:
        account = await service.create_account(body)
    except UsernameTaken:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="the username is taken") from None
    except InvalidRequest as exc:
        raise _unprocessable(exc) from None
    return AccountOut.of(account)


@admin_router.get("/accounts", response_model=AccountPage)
async def list_accounts(
    _admin: Admin,
    service: Service,
    role: Role | None = None,
    active: bool | None = None,
    after: Annotated[str | None, Query(max_length=128, description="Last username of the previous page.")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AccountPage:
    accounts = await service.list_accounts(role=role, active=active, after=after, limit=limit)
    next_after = accounts[-1].username if len(accounts) == limit else None
    return AccountPage(items=[AccountOut.of(a) for a in accounts], next_after=next_after)


@admin_router.get("/accounts/{account_id}", response_model=AccountOut, responses=_problem(404, "No such account."))
async def get_account(account_id: AccountId, _admin: Admin, service: Service) -> AccountOut:
    try:
        return AccountOut.of(await service.account(account_id))
    except NotFound as exc:
        raise _not_found(exc) from None


@admin_router.post(
    "/accounts/{account_id}/deactivate", response_model=AccountOut, responses=_problem(404, "No such account.")
)
async def deactivate_account(account_id: AccountId, admin: Admin, service: Service) -> AccountOut:
    """Refuse the account's logins, sessions and API tokens from now on."""
    if account_id == admin.id:
        raise HTTPException(status.HTTP_409_CONFLICT, detail="an admin cannot deactivate their own account")
    try:
        return AccountOut.of(await service.set_active(account_id, False))
    except NotFound as exc:
        raise _not_found(exc) from None


@admin_router.post(
    "/accounts/{account_id}/activate", response_model=AccountOut, responses=_problem(404, "No such account.")
)
async def activate_account(account_id: AccountId, _admin: Admin, service: Service) -> AccountOut:
    try:
        return AccountOut.of(await service.set_active(account_id, True))
    except NotFound as exc:
        raise _not_found(exc) from None


@admin_router.post(
    "/accounts/{account_id}/password",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=_problem(404, "No such account."),
)
async def reset_password(account_id: AccountId, body: PasswordReset, _admin: Admin, service: Service) -> Response:
    """Set a new password; the account's sessions end."""
    try:
        await service.reset_password(account_id, body.password.get_secret_value())
    except NotFound as exc:
        raise _not_found(exc) from None
    except InvalidRequest as exc:
        raise _unprocessable(exc) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@admin_router.post(
    "/api-tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=IssuedApiToken,
    responses=_problem(404, "No such account."),
)
async def issue_api_token(body: NewApiToken, admin: Admin, service: Service, response: Response) -> IssuedApiToken:
    """Issue an API token for an account (usually a `system` account of a unit). The secret is shown only here."""
    try:
        record, secret = await service.issue_api_token(
            body.account_id, body.name, list(body.scopes), body.expires_in_days, created_by=admin.id
        )
    except NotFound as exc:
        raise _not_found(exc) from None
    except InvalidRequest as exc:
        raise _unprocessable(exc) from None
    response.headers.update(NO_STORE)
    return IssuedApiToken(**ApiTokenOut.of(record).model_dump(), token=secret)


@admin_router.get("/api-tokens", response_model=list[ApiTokenOut])
async def list_api_tokens(
    _admin: Admin, service: Service, account_id: Annotated[str, Query(min_length=1, max_length=64)]
) -> list[ApiTokenOut]:
    return [ApiTokenOut.of(record) for record in await service.list_api_tokens(account_id)]


@admin_router.post(
    "/api-tokens/{token_id}/revoke", response_model=ApiTokenOut, responses=_problem(404, "No such API token.")
)
async def revoke_api_token(token_id: TokenId, _admin: Admin, service: Service) -> ApiTokenOut:
    try:
        return ApiTokenOut.of(await service.revoke_api_token(token_id))
    except NotFound as exc:
        raise _not_found(exc) from None


router = APIRouter()
router.include_router(auth_router)
router.include_router(admin_router)
