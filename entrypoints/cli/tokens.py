"""``token create|list|revoke``: API tokens, whose secrets are shown once and stored hashed."""

from __future__ import annotations

import argparse
import json
import re
from datetime import UTC, datetime
from functools import partial
from uuid import UUID

from entrypoints.bootstrap import open_registry
from entrypoints.cli.common import CliError, Verbs, err, out, with_tokens
from entrypoints.seeding import is_demo_token
from registry import tokens
from registry.application import load_organisation
from registry.database import open_database
from registry.domain.actor import Role
from registry.settings import Settings
from schema.ids import BadGlobalId, from_global_id, to_global_id

# Like git's abbreviated hashes: short enough to type, long enough not to hit a token by chance.
MIN_PREFIX = 4
MAX_NAME = 200  # as an organisation's name: the README's limits on input
_ID_PREFIX = re.compile(rf"[0-9a-f][0-9a-f-]{{{MIN_PREFIX - 1},35}}")


def add_verbs(verbs: Verbs) -> None:
    token = verbs.add_parser("token", help="create, list and revoke API tokens").add_subparsers(
        dest="token_verb", required=True
    )
    p = token.add_parser("create", help="create a token; it is printed once, on the last line")
    p.add_argument(
        "--role",
        required=True,
        choices=[r.value for r in Role],
        help="what it may do (see the README's 'Who may write what')",
    )
    p.add_argument(
        "--organisation", metavar="ID", help="the organisation's id, as the API returns it"
    )
    p.add_argument(
        "--name",
        required=True,
        type=token_name,
        help=f"who holds it (at most {MAX_NAME} characters); recorded as the actor of its events",
    )
    p.set_defaults(run=create)
    p = token.add_parser("list", help="list tokens (never their secrets)")
    p.add_argument("--json", action="store_true", help="as JSON, for scripts")
    p.add_argument(
        "--all",
        action="store_true",
        help="with the demo dataset's tokens (seed, serve --demo), hidden otherwise",
    )
    p.set_defaults(run=list_all)
    p = token.add_parser("revoke", help="revoke a token by id")
    p.add_argument(
        "id",
        metavar="ID",
        help=f"the token's id as 'token list' shows it, or its first {MIN_PREFIX} or more"
        " characters if no other token's id starts with them",
    )
    p.set_defaults(run=revoke)


def token_name(raw: str) -> str:
    """An argument type: a token's name, which every event written with it records."""
    name = raw.strip()
    if not name:
        raise argparse.ArgumentTypeError("a token needs a name: who holds it")
    if len(name) > MAX_NAME:
        raise argparse.ArgumentTypeError(f"at most {MAX_NAME} characters, not {len(name):,}")
    if not name.isprintable():
        # Control characters, and bytes that are not UTF-8 (surrogates once decoded), cannot
        # be stored as text or shown safely.
        raise argparse.ArgumentTypeError(f"'{_printable(name)}' holds characters a name cannot")
    return name


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
        f"created {record.role.value} token '{_printable(record.name)}' (id {record.id});"
        " it is shown only once:",
        markup=False,  # the name is the user's text, not markup
        highlight=False,
        soft_wrap=True,
    )
    # Alone on the last line, for scripts: TOKEN=$(ppp-registry token create ... | tail -1)
    print(secret)
    return 0


def list_all(args: argparse.Namespace, settings: Settings) -> int:
    with open_database(settings) as address:
        records = with_tokens(address, tokens.list_tokens)
    shown = [r for r in records if args.all or not is_demo(r)]
    if args.json:
        print(json.dumps([_as_json(r) for r in shown], indent=2, ensure_ascii=False))
    elif shown:
        print("\n\n".join(_as_text(r) for r in shown))
    hidden = len(records) - len(shown)
    if hidden:
        err.print(
            f"{hidden} token(s) of the demo dataset (seed, serve --demo) not shown;"
            " --all lists them too"
        )
    elif not records:
        err.print("no tokens yet: ppp-registry token create --role admin --name NAME")
    return 0


def is_demo(record: tokens.TokenRecord) -> bool:
    """Whether the demo seeding made this token (``entrypoints/seeding.py`` names them)."""
    return is_demo_token(record.name)


def _as_text(r: tokens.TokenRecord) -> str:
    """A token in at most 80 columns (but for a long name), its ids whole on their lines: an
    80-column table cut them, and `token revoke` needs them whole."""
    lines = [f"{r.id}  {r.role.value}  {_printable(r.name)}"]
    if r.organisation_id is not None:
        lines.append(f"  org {to_global_id('Organisation', r.organisation_id)}")
    dates = f"  created {_utc(r.created_at)}"
    if r.revoked_at is not None:
        dates += f", revoked {_utc(r.revoked_at)}"
    lines.append(dates)
    return "\n".join(lines)


def _as_json(r: tokens.TokenRecord) -> dict[str, object]:
    return {
        "id": str(r.id),
        "name": r.name,
        "role": r.role.value,
        # The id the API gives the organisation, as `token create --organisation` takes it.
        "organisation": (
            to_global_id("Organisation", r.organisation_id) if r.organisation_id else None
        ),
        "created": r.created_at.isoformat(),
        "revoked": r.revoked_at.isoformat() if r.revoked_at else None,
        "demo": is_demo(r),
    }


def _whole_id(text: str) -> str | None:
    """A whole id in any spelling UUID() takes (no dashes, braces, ``urn:uuid:``), as
    ``token list`` writes it; None for anything else (a prefix, say)."""
    try:
        return str(UUID(text))
    except ValueError:
        return None


def _utc(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%Y-%m-%d %H:%M} UTC"


def _printable(text: str) -> str:
    """A name as it can be shown on a terminal: control characters (an escape sequence in a
    name could rewrite the screen) written as escapes."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def revoke(args: argparse.Namespace, settings: Settings) -> int:
    prefix = _whole_id(args.id.strip()) or args.id.strip().lower()
    if not _ID_PREFIX.fullmatch(prefix):
        raise CliError(
            f"'{args.id}' is not a token id (or its first {MIN_PREFIX} or more characters);"
            " see 'ppp-registry token list'"
        )

    async def find_and_revoke(connection: tokens.Connection) -> tokens.TokenRecord:
        found = await tokens.find_tokens(connection, prefix)
        if not found:
            raise CliError(
                f"no token with an id starting '{prefix}'; see 'ppp-registry token list'"
            )
        if len(found) > 1:
            ids = ", ".join(str(r.id) for r in found)
            raise CliError(f"'{prefix}' starts {len(found)} token ids ({ids}); give more of it")
        (record,) = found
        if not await tokens.revoke_token(connection, record.id):
            raise CliError(f"token {record.id} ('{_printable(record.name)}') is already revoked")
        return record

    with open_database(settings) as address:
        record = with_tokens(address, find_and_revoke)
    out.print(
        f"revoked token {record.id} ({record.role.value} '{_printable(record.name)}')",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )
    return 0
