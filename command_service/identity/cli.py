"""Admin tasks from a shell, also on a fresh install before any service ran:

    python -m command_service.identity.cli create-user --email a@b.example --role admin
    python -m command_service.identity.cli create-organization --slug acme --name "Acme"
    python -m command_service.identity.cli create-user --email c@acme.example \
        --role admin --organization acme
    python -m command_service.identity.cli create-platform-admin --email p@b.example
    python -m command_service.identity.cli set-role --email a@b.example --role fleet_manager
    python -m command_service.identity.cli rotate-signing-key
    python -m command_service.identity.cli disable --email a@b.example
    python -m command_service.identity.cli enable --email a@b.example
    python -m command_service.identity.cli reset-password --email a@b.example

The password comes from FLEET_NEW_USER_PASSWORD or an interactive prompt, never argv
(which other users of the machine can read in the process list). Disabling, demoting or
resetting a password here reaches running services within about a second (they pull
the revocation feed from the same database).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from uuid import UUID

import asyncpg

from command_service.identity import organizations, users
from command_service.identity.emails import normalise_email
from command_service.identity.service import Identity
from command_service.identity.settings import IdentitySettings, UserCliSettings
from command_service.identity.setup import start_identity
from command_service.identity.users import EVERY_ACCOUNT
from command_service.store.migrate import migrate
from command_service.store.pool import create_pool
from shared.contract.organizations import DEFAULT_ORGANIZATION_SLUG
from shared.kit.auth.principal import PERSON_ROLES, ROLES, Role
from shared.kit.http.errors import HttpProblem
from shared.kit.settings import load

CLI_ACTOR = "system:cli"


def _password() -> str:
    password = load(UserCliSettings).new_user_password or getpass.getpass("password: ")
    if not 8 <= len(password) <= 256:
        raise SystemExit("the password must have 8 to 256 characters")
    return password


async def _run(args: argparse.Namespace) -> str:
    pool = await create_pool(args.database_url, 1, 2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        identity = await start_identity(pool, load(IdentitySettings))
        if args.action == "rotate-signing-key":
            kid, delay = await identity.keys.rotate()
            return f"published key {kid}; it signs in {delay:.0f} s"
        if args.action == "create-organization":
            found = await identity.create_organization(args.slug, args.name, CLI_ACTOR)
            return f"created organization {found.slug} ({found.organization_id})"
        if args.action in ("create-user", "create-platform-admin"):
            return await _create(pool, identity, args)
        account = await users.by_email(pool, normalise_email(args.email))
        if account is None:
            raise SystemExit(f"no account {args.email}")
        return await _change(identity, account.user_id, args)
    finally:
        await pool.close()


async def _create(pool: asyncpg.Pool, identity: Identity, args: argparse.Namespace) -> str:
    """create-user (at an organization, `default` unless named) or create-platform-admin."""
    email = normalise_email(args.email)
    role: Role = "platform_admin" if args.action == "create-platform-admin" else args.role
    slug = getattr(args, "organization", DEFAULT_ORGANIZATION_SLUG)
    if role == "platform_admin" and slug != DEFAULT_ORGANIZATION_SLUG:
        raise SystemExit("a platform admin is no organization's staff: omit --organization")
    organization = await organizations.by_slug(pool, slug)
    name = args.name or email
    user = await identity.register(email, _password(), name, organization.organization_id, role)
    return f"created {user.role} {user.email} of {organization.slug} ({user.user_id})"


async def _change(identity: Identity, user_id: UUID, args: argparse.Namespace) -> str:
    """set-role, disable, enable or reset-password on an existing account."""
    if args.action == "disable":
        user = await identity.set_disabled(user_id, True, CLI_ACTOR, EVERY_ACCOUNT)
        return f"{user.email} is disabled; its sessions and tokens are revoked"
    if args.action == "enable":
        user = await identity.set_disabled(user_id, False, CLI_ACTOR, EVERY_ACCOUNT)
        return f"{user.email} is enabled"
    if args.action == "reset-password":
        await identity.reset_password(user_id, _password(), CLI_ACTOR, EVERY_ACCOUNT)
        return "password set; every session of the account is signed out"
    user = await identity.change_role(user_id, args.role, CLI_ACTOR, EVERY_ACCOUNT)
    return f"{user.email} is now {user.role}"


def _parser(prog: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("--database-url", default=load(UserCliSettings).database_url)
    sub = parser.add_subparsers(dest="action", required=True)
    create = sub.add_parser("create-user", help="create an account (e.g. the first admin)")
    create.add_argument("--email", required=True)
    create.add_argument("--name")
    create.add_argument("--role", choices=ROLES, default="admin")
    create.add_argument(
        "--organization", default=DEFAULT_ORGANIZATION_SLUG, help="the slug of its organization"
    )
    platform = sub.add_parser(
        "create-platform-admin", help="create a platform admin (creates organizations)"
    )
    platform.add_argument("--email", required=True)
    platform.add_argument("--name")
    organization = sub.add_parser("create-organization", help="create an organization")
    organization.add_argument("--slug", required=True, help="2-63 of a-z, 0-9 and -")
    organization.add_argument("--name", required=True)
    role = sub.add_parser("set-role", help="change an account's role")
    role.add_argument("--email", required=True)
    role.add_argument("--role", choices=PERSON_ROLES, required=True)
    for action, text in (
        ("disable", "disable an account (ends its sessions and tokens)"),
        ("enable", "re-enable a disabled account"),
        ("reset-password", "set an account's password (ends its sessions and tokens)"),
    ):
        sub.add_parser(action, help=text).add_argument("--email", required=True)
    sub.add_parser("rotate-signing-key", help="publish a new signing key (signs after a delay)")
    return parser


def main(
    argv: list[str] | None = None, prog: str = "python -m command_service.identity.cli"
) -> int:
    args = _parser(prog).parse_args(argv)
    try:
        sys.stdout.write(asyncio.run(_run(args)) + "\n")
    except (HttpProblem, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
