"""The GraphQL contract (a copy of shared/contract.graphql) holds, every section of it."""

from __future__ import annotations

from pathlib import Path

from graphql import build_schema as build_sdl
from graphql import find_breaking_changes

from schema.schema import build_schema

CONTRACT = Path(__file__).with_name("contract.graphql")
COMMITTED = Path(__file__).parents[2] / "schema" / "schema.graphql"


def test_the_schema_breaks_nothing_the_contract_promises() -> None:
    contract = build_sdl(CONTRACT.read_text())
    changes = find_breaking_changes(contract, build_schema()._schema)
    assert [c.description for c in changes] == []


def test_the_committed_schema_file_matches_the_code() -> None:
    # Regenerate with: python -m schema.print > schema/schema.graphql
    assert COMMITTED.read_text() == build_schema().as_str() + "\n"
