"""The organisations the registry already knows by an IATI ref, from the read model.

The write side indexes organisations by name only; their identifiers are read in the read
model (``organisation_summary.identifiers``). One query at the start of an import gives every
ref, so that a file's ``participating-org/@ref`` finds an organisation whoever registered it.
An organisation registered after the read model's position is found by name instead.
(Partnerships need no such lookup: the write side indexes their IATI identifiers.)
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
