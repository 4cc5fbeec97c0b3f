"""The verified caller of a request, as every router sees it."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from presscenter.gateway.auth.roles import Role
from presscenter.shared.events.common import Actor
from presscenter.shared.rpc.releases import Viewer

AuthMethod = Literal["password", "api_token"]
ANONYMOUS_VIEWER_ID = "anonymous"


class Principal(BaseModel):
    """Who calls: an account, through a JWT access token (`password`) or an API token (`api_token`)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Account id.")
    role: Role
    username: str | None = None
    unit_code: str | None = Field(default=None, description="Unit of a unit officer or a unit's system.")
    outlet: str | None = Field(default=None, description="News outlet of a journalist.")
    embargo_entitled: bool = Field(default=False, description="A journalist who may read embargoed material.")
    auth: AuthMethod = "password"
    token_id: str = Field(description="jti of the access token, or id of the API token.")
    scopes: tuple[str, ...] = Field(default=("*",), description="What an API token may do; '*' for everything.")

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    def has_scope(self, scope: str) -> bool:
        return "*" in self.scopes or scope in self.scopes

    def as_actor(self) -> dict[str, str | None]:
        """The `Actor` of events and RPC requests, as a JSON-ready dict."""
        kind: Literal["user", "system"] = "system" if self.role == "system" else "user"
        actor = Actor(kind=kind, id=self.id, role=self.role, unit_code=self.unit_code)
        return actor.model_dump(mode="json")

    def as_viewer(self) -> Viewer:
        return Viewer(id=self.id, role=self.role, unit_code=self.unit_code, embargo_entitled=self.embargo_entitled)


PUBLIC_VIEWER = Viewer(id=ANONYMOUS_VIEWER_ID, role="public")


def viewer_for(principal: Principal | None) -> Viewer:
    """The caller's `Viewer` for reads; the public viewer when anonymous."""
    return PUBLIC_VIEWER if principal is None else principal.as_viewer()
