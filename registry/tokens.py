"""API tokens: random, shown once, stored as a SHA-256 hash, revocable.

Tokens carry 256 random bits, so a plain hash is enough: nothing can be guessed to brute-force.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid4

import asyncpg

from registry.domain.actor import Actor, Role
from registry.event_store import DDL_LOCK

TOKEN_PREFIX = "ppp_"  # noqa: S105 - a marker, not a secret

SCHEMA = """
CREATE TABLE IF NOT EXISTS registry_tokens (
    id uuid PRIMARY KEY,
    name text NOT NULL,
    role text NOT NULL,
    organisation_id uuid,
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
)
"""


if TYPE_CHECKING:
    # A connection or a pool: the token store runs single statements on either.
    Connection = asyncpg.Connection[Any] | asyncpg.Pool[Any]


@dataclass(frozen=True)
class TokenRecord:
    id: UUID
    name: str
    role: Role
    organisation_id: UUID | None
    created_at: datetime
    revoked_at: datetime | None


def _hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def _record(row: asyncpg.Record) -> TokenRecord:
    return TokenRecord(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        organisation_id=row["organisation_id"],
        created_at=row["created_at"],
        revoked_at=row["revoked_at"],
    )


async def ensure_schema(db: Connection) -> None:
    # Under the registry's DDL lock: concurrent CREATE TABLE IF NOT EXISTS can fail.
    await db.execute(f"BEGIN; SELECT pg_advisory_xact_lock({DDL_LOCK}); {SCHEMA}; COMMIT")


async def create_token(
    db: Connection, *, name: str, role: Role, organisation_id: UUID | None
) -> tuple[TokenRecord, str]:
    """A new token and its secret; the secret is not stored and cannot be shown again."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = await db.fetchrow(
        "INSERT INTO registry_tokens (id, name, role, organisation_id, token_hash)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING *",
        uuid4(),
        name,
        role.value,
        organisation_id,
        _hash(secret),
    )
    assert row is not None
    return _record(row), secret


async def list_tokens(db: Connection) -> list[TokenRecord]:
    rows = await db.fetch("SELECT * FROM registry_tokens ORDER BY created_at, name")
    return [_record(row) for row in rows]


async def find_tokens(db: Connection, id_prefix: str) -> list[TokenRecord]:
    """The tokens whose id, written as ``token list`` writes it, starts with ``id_prefix``."""
    prefix = id_prefix.lower()
    rows = await db.fetch(
        # left() rather than LIKE: nothing in the prefix is a pattern.
        "SELECT * FROM registry_tokens WHERE left(id::text, $2) = $1 ORDER BY created_at, name",
        prefix,
        len(prefix),
    )
    return [_record(row) for row in rows]


async def revoke_token(db: Connection, token_id: UUID) -> bool:
    status = await db.execute(
        "UPDATE registry_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
        token_id,
    )
    return status.endswith(" 1")


async def authenticate(db: Connection, secret: str) -> Actor | None:
    """The actor a live token speaks for, or None for an unknown or revoked one."""
    if not secret.startswith(TOKEN_PREFIX) or not secret.isascii():
        return None  # every secret is ASCII (URL-safe base64); anything else cannot match
    row = await db.fetchrow(
        "SELECT * FROM registry_tokens WHERE token_hash = $1 AND revoked_at IS NULL", _hash(secret)
    )
    if row is None:
        return None
    token = _record(row)
    return Actor(principal=token.name, role=token.role, organisation_id=token.organisation_id)
