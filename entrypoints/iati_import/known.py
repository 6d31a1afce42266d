"""The organisations and partnerships the registry already knows by IATI identifier, from the
read model.

The write side indexes organisations by name only; their identifiers are read in the read
model (``organisation_summary.identifiers``). One query at the start of an import gives every
ref, so that a file's ``participating-org/@ref`` finds an organisation whoever registered it.
An organisation registered after the read model's position is found by name instead. The
same goes for partnerships: one registered by another token (whose idempotency keys give other
ids) is found by its ``iati_identifier``, so its newer version revises it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

import asyncpg

from projections.read_model import LIVE_SCHEMA


def refs_of(identifiers: Any) -> list[str]:
    """Every IATI organisation identifier among an organisation's recorded identifiers."""
    if isinstance(identifiers, str):
        identifiers = json.loads(identifiers)
    found: list[str] = []
    for identifier in identifiers if isinstance(identifiers, list) else []:
        if not isinstance(identifier, dict):
            continue
        if isinstance(identifier.get("ref"), str):
            found.append(identifier["ref"])
        elif isinstance(identifier.get("scheme"), str) and isinstance(identifier.get("id"), str):
            found.append(f"{identifier['scheme']}-{identifier['id']}")
    return found


async def organisations_by_ref(
    connection: asyncpg.Connection[Any] | asyncpg.Pool[Any],
) -> Mapping[str, UUID]:
    """Ref -> organisation id; empty when the read model has not been built yet."""
    try:
        rows = await connection.fetch(
            f"SELECT id, identifiers FROM {LIVE_SCHEMA}.organisation_summary"  # noqa: S608 - a constant
            " WHERE identifiers <> '[]'::jsonb ORDER BY created_position"
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return {}
    known: dict[str, UUID] = {}
    for row in rows:
        for ref in refs_of(row["identifiers"]):
            known.setdefault(ref, row["id"])  # the first registered keeps a shared ref
    return known


async def partnerships_by_identifier(
    connection: asyncpg.Connection[Any] | asyncpg.Pool[Any],
) -> Mapping[str, UUID]:
    """IATI activity identifier -> partnership id; empty when there is no read model yet."""
    try:
        rows = await connection.fetch(
            f"SELECT iati_identifier, id FROM {LIVE_SCHEMA}.partnership_summary"  # noqa: S608
            " WHERE iati_identifier IS NOT NULL ORDER BY created_position DESC"
        )
    except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
        return {}
    # Oldest last, so that it wins: the first registration of an identifier is the one.
    return {row["iati_identifier"]: row["id"] for row in rows}


async def known(
    connection: asyncpg.Connection[Any] | asyncpg.Pool[Any],
) -> tuple[Mapping[str, UUID], Mapping[str, UUID]]:
    """Both maps: organisations by ref, partnerships by identifier."""
    return await organisations_by_ref(connection), await partnerships_by_identifier(connection)
