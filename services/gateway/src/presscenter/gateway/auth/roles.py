"""The roles an account can hold."""

from __future__ import annotations

from typing import Literal, get_args

Role = Literal["journalist", "unit_officer", "editor", "admin", "system"]
ROLES: tuple[Role, ...] = get_args(Role)
HUMAN_ROLES: frozenset[Role] = frozenset({"journalist", "unit_officer", "editor", "admin"})
