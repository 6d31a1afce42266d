"""Findings 6 and 7: bad input is a 4xx with a clear message, never an internal error or a 500.

6. A NUL byte in a filter (``text``, ``country``, ``region``) or in an ``idempotencyKey`` reached
   PostgreSQL, which holds no NUL in text: "Internal error (id ...)". The same goes for lone
   surrogates, and for headers.
7. An integer of 4,300+ digits in ``Registry-Consistent-With`` or ``?position=``: HTTP 500 (and
   a 20-digit one, beyond PostgreSQL's bigint, waited and answered as if all were well).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from entrypoints.web.app import create_app
from registry.database import DatabaseAddress
from registry.settings import Settings
from schema.positions import MAX_POSITION, BadPosition, parse_position
from schema.storable_input import CODE, find_unstorable
from tests.e2e.conftest import Api, register_organisation

NUL = "a\x00b"
SURROGATE = "a\ud800b"
MESSAGE_LIMIT = 400  # a refusal names the bad value; it does not echo kilobytes of it


@pytest.fixture
def api(database: DatabaseAddress, tmp_path: Path) -> Iterator[Api]:
    settings = replace(
        Settings.from_env({}),
        database_url=database.dsn(),
        data_dir=tmp_path,
        consistency_timeout=0.2,
    )
    with TestClient(create_app(settings)) as http:
        yield Api(http, database)


@pytest.fixture
def admin(api: Api) -> str:
    token = api.token("admin", name="admin")
    register_organisation(api, token, "Kenya Cyber Trust")
    return token


def refused(response: Any, *words: str) -> str:
    """The message of a 400 that names what was wrong: no 500, no masked internal error."""
    assert response.status_code == 400, response.text
    assert "Internal error" not in response.text
    body = response.json()
    message: str = body["errors"][0]["message"]
    assert body["errors"][0].get("extensions", {}).get("code", CODE) == CODE, body
    for word in words:
        assert word in message, message
    assert len(message) < MESSAGE_LIMIT, message
    return message


# ---------------------------------------------------------------------- 6: unstorable text
FILTERS = [
    ("partnerships", "PartnershipFilter", "text"),
    ("partnerships", "PartnershipFilter", "country"),
    ("partnerships", "PartnershipFilter", "region"),
    ("organisations", "OrganisationFilter", "text"),
    ("organisations", "OrganisationFilter", "country"),
]


@pytest.mark.parametrize(("field", "filter_type", "name"), FILTERS)
@pytest.mark.parametrize("bad", [NUL, SURROGATE], ids=["nul", "lone-surrogate"])
def test_unstorable_text_in_a_filter_variable_is_a_400_naming_it(
    api: Api, field: str, filter_type: str, name: str, bad: str
) -> None:
    query = f"query($f: {filter_type}) {{ {field}(filter: $f) {{ totalCount }} }}"
    # Sent as Python would send it, bypassing the JSON body's own UTF-8 check for surrogates:
    # the variables walk must catch what any transport (a WebSocket, GET) lets through.
    body = json.dumps({"query": query, "variables": {"f": {name: bad}}})
    response = api.http.post(
        "/graphql", content=body.encode(), headers={"Content-Type": "application/json"}
    )
    if bad == SURROGATE:  # the JSON body is already refused as text that is not UTF-8
        assert response.status_code == 400, response.text
        return
    refused(response, f"$f.{name}", "NUL")


@pytest.mark.parametrize(("field", "_filter_type", "name"), FILTERS)
def test_a_nul_in_a_literal_filter_argument_is_a_400_naming_it(
    api: Api, field: str, _filter_type: str, name: str
) -> None:
    # The escape is decoded by the parser: the document's raw text holds no NUL at all.
    query = f'{{ {field}(filter: {{ {name}: "a\\u0000b" }}) {{ totalCount }} }}'
    refused(api.http.post("/graphql", json={"query": query}), f"filter.{name}", "NUL")
    refused(api.http.get("/graphql", params={"query": query}), f"filter.{name}", "NUL")


def test_a_nul_in_an_idempotency_key_is_a_400_and_appends_nothing(api: Api, admin: str) -> None:
    before = api.event_count()
    mutation = (
        "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) {"
        " position userErrors { code } } }"
    )
    input = {
        "name": "SecureSoft SA",
        "orgType": "PRIVATE_SECTOR",
        "sector": "PRIVATE_SECTOR",
        "country": "FR",
        "idempotencyKey": NUL,
    }
    headers = {"Authorization": f"Bearer {admin}"}
    response = api.http.post(
        "/graphql", json={"query": mutation, "variables": {"input": input}}, headers=headers
    )
    refused(response, "$input.idempotencyKey", "NUL")
    literal = (
        'mutation { registerOrganisation(input: { name: "X", orgType: OTHER, sector: OTHER,'
        ' country: "FR", idempotencyKey: "k\\u0000" }) { position } }'
    )
    response = api.http.post("/graphql", json={"query": literal}, headers=headers)
    refused(response, "input.idempotencyKey", "NUL")
    assert api.event_count() == before


def test_a_control_character_in_a_header_is_a_400(api: Api) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": "{ organisations { totalCount } }"},
        headers={"Authorization": "Bearer ppp_\x00x"},
    )
    refused(response, "authorization")


TEXT = st.text(st.sampled_from("ab\x00\ud800\U0001f600\\"), max_size=4)
VALUES = st.recursive(
    TEXT | st.integers() | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=12,
)


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, child in value.items() for s in [key, *_strings(child)]]
    if isinstance(value, list):
        return [s for child in value for s in _strings(child)]
    return []


@given(VALUES)
def test_the_variables_walk_finds_exactly_what_cannot_be_stored(value: object) -> None:
    # Differential: the walk against a plain recursion over every string, keys included.
    storable = all("\x00" not in s and "\ud800" not in s for s in _strings(value))
    assert (find_unstorable(value) is None) == storable


# ---------------------------------------------------------------------- 7: positions
HUGE = ["9" * 4_301, "9" * 20, str(MAX_POSITION + 1), "-1", "\uff11\uff12", "1e3", "", "0x10"]


@pytest.mark.parametrize("text", HUGE, ids=lambda t: t[:12] or "empty")
def test_a_position_header_that_is_no_bigint_is_a_400(api: Api, text: str) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": "{ organisations { totalCount } }"},
        headers={"Registry-Consistent-With": text.encode()},
    )
    assert response.status_code == 400, response.text
    assert "Registry-Consistent-With must be a log position" in response.text
    assert len(response.text) < MESSAGE_LIMIT


@pytest.mark.parametrize("text", HUGE, ids=lambda t: t[:12] or "empty")
def test_a_position_query_that_is_no_bigint_is_a_400(api: Api, text: str) -> None:
    response = api.http.get("/exports/case-studies/002.md", params={"position": text})
    assert response.status_code == 400, response.text
    assert "position must be a log position" in response.text
    assert len(response.text) < MESSAGE_LIMIT


def test_the_largest_position_is_accepted(api: Api) -> None:
    response = api.http.post(
        "/graphql",
        json={"query": "{ organisations { totalCount } }"},
        headers={"Registry-Consistent-With": str(MAX_POSITION)},
    )
    assert response.status_code == 200, response.text


@given(st.text(max_size=25) | st.integers(min_value=-5, max_value=2**64).map(str))
def test_parse_position_agrees_with_the_definition(text: str) -> None:
    expected = None
    if re.fullmatch(r"[0-9]{1,19}", text.strip(), flags=re.ASCII):
        expected = int(text.strip()) if int(text.strip()) <= MAX_POSITION else None
    try:
        parsed: int | None = parse_position(text, "it")
    except BadPosition as error:
        parsed = None
        assert str(error).startswith("it must be a log position")
    assert parsed == expected
