"""Reading import lines: the planned conversion and the fingerprint agree with what they replace.

Both are shortcuts taken for speed, so each is checked against the slow, obvious version on every
command of the demo dataset (which uses every mutation and every codelist value).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, is_dataclass
from typing import Any
from uuid import NAMESPACE_URL, uuid5

import pytest
from graphql import GraphQLInputType, GraphQLNonNull, Undefined
from graphql.utilities import coerce_input_value
from hypothesis import given
from hypothesis import strategies as st
from strawberry.types.arguments import convert_argument

from entrypoints import demo
from entrypoints.bulk_import import LineReader
from registry.commands import Submission
from registry.domain.actor import Actor, Role
from registry.idempotency import fingerprint as _fingerprint
from schema.ids import to_global_id
from schema.input_conversion import input_converter
from schema.schema import build_schema
from schema.storable_input import unstorable
from schema.submissions import BUILDERS

SCHEMA = build_schema()
# The demo dataset never renames an organisation; one line that does completes the set.
REVISION = {
    "command": "reviseOrganisation",
    "input": {
        "organisationId": to_global_id("Organisation", uuid5(NAMESPACE_URL, "renamed")),
        "reason": "registered under its former name",
        "name": "Cyber Trust Kenya",
        "website": "https://example.org/ctk",
        "idempotencyKey": "rename-1",
    },
}
LINES = [*demo.commands(40, 7), REVISION]
ACTOR = Actor(principal="importer", role=Role.ADMIN)


def _graphql_type(input_class: type) -> GraphQLInputType:
    found = SCHEMA._schema.get_type(input_class.__name__)
    assert found is not None
    return GraphQLNonNull(found)  # type: ignore[arg-type]


def _without_optional_fields(value: Any) -> Any:
    """The same input with every null-able field left out, recursively."""
    if isinstance(value, dict):
        return {k: _without_optional_fields(v) for k, v in value.items() if v not in (None, [])}
    if isinstance(value, list):
        return [_without_optional_fields(v) for v in value]
    return value


def test_the_dataset_exercises_every_mutation() -> None:
    assert {line["command"] for line in LINES} == set(BUILDERS)


@pytest.mark.parametrize("trim", [False, True], ids=["as-generated", "optional-fields-left-out"])
def test_the_planned_conversion_equals_strawberrys(trim: bool) -> None:
    compared = 0
    for line in LINES:
        input_class, _build = BUILDERS[line["command"]]
        raw = _without_optional_fields(line["input"]) if trim else line["input"]
        coerced = coerce_input_value(raw, _graphql_type(input_class))
        if coerced is Undefined:  # leaving a field out made a required one missing
            continue
        expected = convert_argument(
            coerced, input_class, SCHEMA.schema_converter.scalar_registry, SCHEMA.config
        )
        assert input_converter(input_class, SCHEMA)(coerced) == expected, line["command"]
        compared += 1
    assert compared > len(LINES) // 2


def _as_first_stored(command: object) -> dict[str, object]:
    """``asdict`` of the command without the fields added since, when they are left unset."""
    assert is_dataclass(command) and not isinstance(command, type)
    return {
        k: v
        for k, v in asdict(command).items()
        if (k, v) not in (("iati_identifier", None), ("identifiers", ()))
    }


def _fingerprint_as_first_stored(actor: Actor, submission: Submission) -> str:
    """The fingerprint as idempotency records have stored it since the first release."""
    canonical = json.dumps(
        {
            "command": type(submission.command).__name__,
            "input": _as_first_stored(submission.command),
            "expected_version": submission.expected_version,
            "principal": actor.principal,
        },
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def test_fingerprints_stay_those_already_stored_with_their_keys() -> None:
    reader = LineReader(SCHEMA)
    kinds = set()
    for line in LINES:
        for expected_version in (None, 3):
            read = reader.read(json.dumps(line))
            assert isinstance(read, Submission), read
            submission = Submission(read.command, expected_version, read.idempotency_key)
            assert _fingerprint(ACTOR, submission) == _fingerprint_as_first_stored(
                ACTOR, submission
            )
            kinds.add(type(read.command))
    assert len(kinds) == len(BUILDERS)


def test_a_line_that_cannot_be_coerced_says_where_and_why() -> None:
    reader = LineReader(SCHEMA)
    line = next(line for line in LINES if line["command"] == "logActivity")
    broken = {**line, "input": {**line["input"], "kind": "PICNIC", "participants": "many"}}
    problems = reader.read(json.dumps(broken))
    assert isinstance(problems, list)
    assert {tuple(p.field) for p in problems} == {("input", "kind"), ("input", "participants")}


# The characters at stake drawn often, among any others (surrogates included).
_CHARACTERS = st.sampled_from(["\x00", "\ud800", "\udfff", "\\", "u", "é"]) | st.characters(
    exclude_categories=()
)


# st.text() drops surrogates from any alphabet: a list of characters keeps them.
@given(name=st.lists(_CHARACTERS).map("".join), escaped=st.booleans())
def test_text_that_cannot_be_stored_is_refused_however_the_line_writes_it(
    name: str, escaped: bool
) -> None:
    # The reader walks a line's strings only when its text could hold such a character: a
    # shortcut that must refuse exactly what the whole walk refuses, escaped or raw.
    line = {**REVISION, "input": {**REVISION["input"], "name": name}}
    read = LineReader(SCHEMA).read(json.dumps(line, ensure_ascii=escaped))
    refused = isinstance(read, list) and any("cannot be stored" in p.message for p in read)
    assert refused == (unstorable(name) is not None), read
