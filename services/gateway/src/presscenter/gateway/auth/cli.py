"""`presscenter-gateway-admin`: manage the gateway's accounts and API tokens from a shell.

Passwords are never arguments (they would show in `ps` and shell history): they are prompted for,
or read as one line from standard input with `--password-stdin`. Settings come from the environment
(MONGO_URI, MONGO_DB, PASSWORD_HASH_*), as for the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr, ValidationError

from presscenter.gateway.auth.account_store import UsernameTaken
from presscenter.gateway.auth.datastore import AuthDatastore
from presscenter.gateway.auth.records import normalise_username
from presscenter.gateway.auth.roles import ROLES
from presscenter.gateway.auth.schemas import AccountOut, NewAccount
from presscenter.gateway.auth.service import AuthService, InvalidRequest, NotFound
from presscenter.gateway.auth.settings import AuthSettings
from presscenter.shared.logging_setup import configure_logging


class CliError(Exception):
    pass


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Repeat it: ") != first:
        raise CliError("the passwords differ")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="presscenter-gateway-admin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    create = commands.add_parser("create-user", help="create an account (prints it as JSON)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", required=True, choices=ROLES)
    create.add_argument("--display-name")
    create.add_argument("--outlet", help="journalists: their news outlet")
    create.add_argument("--embargo-entitled", action="store_true", help="journalists: may read embargoed material")
    create.add_argument("--unit-code", help="unit officers and systems: their unit")
    create.add_argument("--password-stdin", action="store_true", help="read the password from standard input")

    reset = commands.add_parser("reset-password", help="set a new password and end the account's sessions")
    reset.add_argument("--username", required=True)
    reset.add_argument("--password-stdin", action="store_true")

    deactivate = commands.add_parser("deactivate", help="refuse the account's logins, sessions and API tokens")
    deactivate.add_argument("--username", required=True)

    issue = commands.add_parser("issue-token", help="issue an API token; the secret is printed once")
    issue.add_argument("--username", required=True)
    issue.add_argument("--name", required=True, help="what uses the token")
    issue.add_argument("--scope", action="append", dest="scopes", help="repeatable; default '*'")
    issue.add_argument("--expires-in-days", type=int, default=365)
    return parser


async def _account_id(service: AuthService, username: str) -> str:
    account = await service.accounts.by_username(normalise_username(username))
    if account is None:
        raise CliError(f"no account named {username!r}")
    return account.id


async def _run(args: argparse.Namespace, service: AuthService) -> dict[str, Any]:
    await service.datastore.ensure_indexes()
    if args.command == "create-user":
        password = None if args.role == "system" else _read_password(args.password_stdin)
        try:
            new = NewAccount(
                username=args.username,
                password=SecretStr(password) if password is not None else None,
                role=args.role,
                display_name=args.display_name,
                outlet=args.outlet,
                embargo_entitled=args.embargo_entitled,
                unit_code=args.unit_code,
            )
        except ValidationError as exc:
            raise CliError("; ".join(error["msg"] for error in exc.errors())) from None
        try:
            account = await service.create_account(new)
        except UsernameTaken:
            raise CliError(f"the username {new.username!r} is taken") from None
        return AccountOut.of(account).model_dump(mode="json")
    account_id = await _account_id(service, args.username)
    if args.command == "reset-password":
        account = await service.reset_password(account_id, _read_password(args.password_stdin))
        return AccountOut.of(account).model_dump(mode="json")
    if args.command == "deactivate":
        return AccountOut.of(await service.set_active(account_id, False)).model_dump(mode="json")
    record, secret = await service.issue_api_token(
        account_id, args.name, args.scopes or ["*"], args.expires_in_days, created_by="cli"
    )
    return {"id": record.id, "account_id": record.account_id, "expires_at": record.expires_at, "token": secret}


async def _main(args: argparse.Namespace) -> dict[str, Any]:
    settings = AuthSettings()
    datastore = AuthDatastore.connect(settings)
    try:
        return await _run(args, AuthService(settings, datastore))
    finally:
        await datastore.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging("WARNING")
    try:
        result = asyncio.run(_main(args))
    except (CliError, InvalidRequest, NotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
