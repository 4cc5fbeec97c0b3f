"""Identity and access of the gateway: accounts and API tokens in its own MongoDB, the OAuth2 password
flow (JWT access tokens, rotating refresh tokens), login throttling, and the dependencies every router
uses to know who calls (`current_principal`, `require_roles`).

Mount with `install_auth(app, AuthSettings())`.
"""

from presscenter.gateway.auth.dependencies import (
    BEARER_SECURITY,
    caller_of,
    current_principal,
    require_principal,
    require_roles,
    require_scope,
    require_writer,
)
from presscenter.gateway.auth.install import auth_lifespan, auth_router, install_auth
from presscenter.gateway.auth.principal import PUBLIC_VIEWER, Principal, viewer_for
from presscenter.gateway.auth.roles import ROLES, Role
from presscenter.gateway.auth.service import AuthService
from presscenter.gateway.auth.settings import AuthSettings

__all__ = [
    "BEARER_SECURITY",
    "PUBLIC_VIEWER",
    "ROLES",
    "AuthService",
    "AuthSettings",
    "Principal",
    "Role",
    "auth_lifespan",
    "auth_router",
    "caller_of",
    "current_principal",
    "install_auth",
    "require_principal",
    "require_roles",
    "require_scope",
    "require_writer",
    "viewer_for",
]
