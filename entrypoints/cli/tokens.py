"""``token create|list|revoke``: API tokens, whose secrets are shown once and stored hashed."""

from __future__ import annotations

import argparse
from functools import partial
from uuid import UUID

from rich.table import Table

from entrypoints.bootstrap import open_registry
from entrypoints.cli.common import CliError, Verbs, out, with_tokens
from registry import tokens
from registry.application import load_organisation
from registry.database import open_database
from registry.domain.actor import Role
from registry.settings import Settings
from schema.ids import BadGlobalId, from_global_id


def add_verbs(verbs: Verbs) -> None:
    token = verbs.add_parser("token", help="create, list and revoke API tokens").add_subparsers(
        dest="token_verb", required=True
    )
    p = token.add_parser("create", help="create a token; it is printed once, on the last line")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument(
        "--organisation", metavar="ID", help="the organisation's id, as the API returns it"
    )
    p.add_argument(
        "--name", required=True, help="who holds it; recorded as the actor of its events"
    )
    p.set_defaults(run=create)
    p = token.add_parser("list", help="list tokens (never their secrets)")
    p.set_defaults(run=list_all)
    p = token.add_parser("revoke", help="revoke a token by id")
    p.add_argument("id")
    p.set_defaults(run=revoke)


def create(args: argparse.Namespace, settings: Settings) -> int:
    role = Role(args.role)
    organisation_id: UUID | None = None
    if args.organisation:
        try:
            organisation_id = from_global_id(args.organisation, "Organisation")
        except BadGlobalId as error:
            raise CliError(str(error)) from None
    elif role is Role.CONTRIBUTOR:
        raise CliError("a contributor token needs --organisation ID (the organisation's id)")
    with open_registry(settings) as (address, registry):
        if organisation_id is not None and load_organisation(registry, organisation_id) is None:
            raise CliError(f"no organisation with id {args.organisation}")

        make = partial(
            tokens.create_token, name=args.name, role=role, organisation_id=organisation_id
        )
        record, secret = with_tokens(address, make)
    out.print(
        f"created {record.role} token '{record.name}' (id {record.id}); it is shown only once:"
    )
    # Alone on the last line, for scripts: TOKEN=$(ppp-registry token create ... | tail -1)
    print(secret)
    return 0


def list_all(_args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings) as address:
        records = with_tokens(address, tokens.list_tokens)
    table = Table("id", "name", "role", "organisation", "created", "revoked")
    for r in records:
        table.add_row(
            str(r.id),
            r.name,
            r.role.value,
            str(r.organisation_id or ""),
            f"{r.created_at:%Y-%m-%d %H:%M}",
            f"{r.revoked_at:%Y-%m-%d %H:%M}" if r.revoked_at else "",
        )
    out.print(table)
    return 0


def revoke(args: argparse.Namespace, settings: Settings) -> int:
    try:
        token_id = UUID(args.id)
    except ValueError:
        raise CliError(f"'{args.id}' is not a token id; see 'ppp-registry token list'") from None
    with open_database(settings) as address:
        revoked = with_tokens(address, partial(tokens.revoke_token, token_id=token_id))
    if not revoked:
        raise CliError(f"no live token with id {token_id}")
    out.print(f"revoked token {token_id}")
    return 0
