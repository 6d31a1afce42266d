"""Every kind of bad input gets a clear error, never a 500 or a traceback, and appends nothing.

Three layers answer: HTTP (a body that is not a GraphQL request: 4xx), GraphQL (a request that
does not fit the schema: top-level ``errors``) and the registry (input that fits the schema but
breaks a rule: ``userErrors`` with a code and the path of the field at fault).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from uuid import uuid4

import httpx2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schema.ids import to_global_id
from tests.e2e.conftest import Api, World, partnership_input

LESSON = (
    "mutation($input: RecordLessonInput!) { recordLesson(input: $input) {"
    " position userErrors { code field message } } }"
)


# ---------------------------------------------------------------------- helpers
def checked(response: httpx2.Response) -> httpx2.Response:
    """Whatever went wrong was the client's: no 500, no traceback, no masked internal error."""
    assert response.status_code < 500, response.text
    assert "Traceback" not in response.text
    assert "Internal error" not in response.text, response.text
    return response


def send(
    api: Api,
    *,
    body: Any = None,
    content: bytes | None = None,
    content_type: str | None = None,
    token: str | None = None,
    method: str = "POST",
    params: dict[str, str] | None = None,
) -> httpx2.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    response = api.http.request(
        method, "/graphql", json=body, content=content, headers=headers, params=params
    )
    return checked(response)


def mutation_text(name: str) -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input) {{"
        " position userErrors { code field message } } }"
    )


def mutate(api: Api, name: str, input: dict[str, Any], token: str | None) -> dict[str, Any]:
    """The payload of mutation ``name`` (a top-level error fails the test)."""
    response = send(
        api, body={"query": mutation_text(name), "variables": {"input": input}}, token=token
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    payload: dict[str, Any] = body["data"][name]
    return payload


@contextmanager
def appends_nothing(api: Api) -> Iterator[None]:
    before = api.event_count()
    yield
    assert api.event_count() == before


def lesson(world: World, **fields: Any) -> dict[str, Any]:
    return {"partnershipId": world.partnership_id, "kind": "CHALLENGE", "text": "Late.", **fields}


def activity(world: World, **fields: Any) -> dict[str, Any]:
    return {
        "partnershipId": world.partnership_id,
        "kind": "TRAINING",
        "practiceArea": "CAPACITY_BUILDING",
        "title": "Digital forensics for investigators",
        "startDate": "2024-04-02",
        **fields,
    }


def lead(world: World, **fields: Any) -> dict[str, Any]:
    """A partnership led by the NGO, as its own contributor would register it."""
    return partnership_input((world.ngo_id, "LEAD"), **fields)


# ---------------------------------------------------------------------- HTTP layer
def _request(world: World) -> dict[str, Any]:
    """A request that would append an event, were it accepted."""
    return {"query": LESSON, "variables": {"input": lesson(world)}}


def _raw(world: World, text: str) -> bytes:
    """The lesson request with ``text`` spliced in as raw JSON (escapes left as they are)."""
    request = json.dumps(_request(world)).replace('"Late."', text)
    return request.encode()


HTTP_CASES: list[Any] = [
    # id, content type, body (from the world), expected status, words of the message
    ("malformed-json", "application/json", lambda w: b'{"query": "mutation {', 400, "JSON"),
    ("not-json-at-all", "application/json", lambda w: b"<xml/>", 400, "JSON"),
    ("a-json-string", "application/json", lambda w: b'"mutation { x }"', 400, "object"),
    ("a-json-number", "application/json", lambda w: b"42", 400, "object"),
    ("json-null", "application/json", lambda w: b"null", 400, "object"),
    ("a-json-list", "application/json", lambda w: json.dumps([_request(w)]).encode(), 400, ""),
    ("not-utf8", "application/json", lambda w: b'{"query": "\xff\xfe"}', 400, "UTF-8"),
    ("lone-surrogate", "application/json", lambda w: _raw(w, '"\\ud800"'), 400, "UTF-8"),
    ("nested-too-deep", "application/json", lambda w: b"[" * 30_000 + b"]" * 30_000, 400, "deep"),
    ("text-plain", "text/plain", lambda w: json.dumps(_request(w)).encode(), 400, "content type"),
    ("no-content-type", "", lambda w: json.dumps(_request(w)).encode(), 400, "content type"),
    (
        "form-encoded",
        "application/x-www-form-urlencoded",
        lambda w: f"query={LESSON}".encode(),
        400,
        "content type",
    ),
    ("no-query", "application/json", lambda w: b'{"variables": {}}', 400, "query"),
    ("query-not-a-string", "application/json", lambda w: b'{"query": 5}', 400, "query"),
    (
        "variables-not-an-object",
        "application/json",
        lambda w: json.dumps({"query": LESSON, "variables": "x"}).encode(),
        400,
        "variables",
    ),
]


@pytest.mark.parametrize(
    ("content_type", "make_body", "status", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in HTTP_CASES],
)
def test_a_body_that_is_no_graphql_request_is_a_4xx_with_a_message(
    world: World,
    content_type: str,
    make_body: Callable[[World], bytes],
    status: int,
    words: str,
) -> None:
    with appends_nothing(world.api):
        response = send(
            world.api, content=make_body(world), content_type=content_type, token=world.admin
        )
    assert response.status_code == status, response.text
    assert response.text.strip()
    assert words.lower() in response.text.lower()


@pytest.mark.parametrize("text", ['"Late."', '"caf\\u00e9"', '"\\ud83d\\ude80"'])
def test_the_request_that_the_bad_bodies_spoil_is_itself_accepted(world: World, text: str) -> None:
    # So each refusal above is due to what it spoils, not to the request underneath; escapes
    # that are valid Unicode (a surrogate pair is one character) pass.
    before = world.api.event_count()
    response = send(
        world.api, content=_raw(world, text), content_type="application/json", token=world.admin
    )
    assert response.json()["data"]["recordLesson"]["userErrors"] == []
    assert world.api.event_count() == before + 1


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_an_over_large_body_is_a_413_json_error(world: World, declared: bool) -> None:
    request = {"query": LESSON, "variables": {"input": lesson(world, text="x" * 70_000)}}
    encoded = json.dumps(request).encode()
    assert len(encoded) > 64 * 1024
    content: Any = encoded if declared else iter([encoded[:30_000], encoded[30_000:]])
    headers = {"Authorization": f"Bearer {world.admin}", "Content-Type": "application/json"}
    with appends_nothing(world.api):
        response = checked(world.api.http.post("/graphql", content=content, headers=headers))
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/json")
    assert "65536 bytes" in response.json()["errors"][0]["message"]


def test_a_mutation_sent_over_get_is_refused_and_not_run(world: World) -> None:
    params = {"query": LESSON, "variables": json.dumps({"input": lesson(world)})}
    with appends_nothing(world.api):
        response = send(world.api, method="GET", params=params, token=world.admin)
    assert 400 <= response.status_code < 500
    assert "GET" in response.text


@pytest.mark.parametrize(
    "authorization",
    ["Bearer garbage", "Bearer ppp_not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "ppp_x"],
)
def test_an_invalid_bearer_token_is_unauthenticated(world: World, authorization: str) -> None:
    body = {"query": LESSON, "variables": {"input": lesson(world)}}
    with appends_nothing(world.api):
        response = checked(
            world.api.http.post("/graphql", json=body, headers={"Authorization": authorization})
        )
    assert response.status_code == 200
    errors = response.json()["data"]["recordLesson"]["userErrors"]
    assert [e["code"] for e in errors] == ["UNAUTHENTICATED"]


def test_a_token_that_is_not_even_ascii_is_unauthenticated(world: World) -> None:
    body = {"query": LESSON, "variables": {"input": lesson(world)}}
    with appends_nothing(world.api):
        response = checked(
            world.api.http.post(
                "/graphql", json=body, headers={"Authorization": b"Bearer ppp_\xe9\xff"}
            )
        )
    assert response.json()["data"]["recordLesson"]["userErrors"][0]["code"] == "UNAUTHENTICATED"


# ---------------------------------------------------------------------- GraphQL layer
Input = Callable[[World], dict[str, Any]]

GRAPHQL_CASES: list[Any] = [
    # id, mutation, input, words of the message
    ("unknown-field", "recordLesson", lambda w: lesson(w, mood="grim"), "unknown field"),
    ("participants-a-string", "logActivity", lambda w: activity(w, participants="forty"), "Int"),
    ("participants-over-int32", "logActivity", lambda w: activity(w, participants=2**31), "Int"),
    ("title-a-number", "logActivity", lambda w: activity(w, title=42), "String"),
    ("unknown-enum-value", "recordLesson", lambda w: lesson(w, kind="GOSSIP"), "GOSSIP"),
    (
        "unknown-enum-in-a-list",
        "registerPartnership",
        lambda w: lead(w, practiceAreas=["HACKING"]),
        "HACKING",
    ),
    ("lowercase-enum-value", "recordLesson", lambda w: lesson(w, kind="challenge"), "challenge"),
    ("malformed-date", "logActivity", lambda w: activity(w, startDate="2024-13-45"), "Date"),
    ("date-not-a-string", "logActivity", lambda w: activity(w, startDate=20240402), "Date"),
    ("missing-required-field", "recordLesson", lambda w: {"partnershipId": "x"}, "kind"),
    ("null-for-required", "logActivity", lambda w: activity(w, title=None), "title"),
    ("a-list-for-a-string", "recordLesson", lambda w: lesson(w, text=["a", "b"]), "String"),
    ("an-object-for-a-list", "logActivity", lambda w: activity(w, countries={"a": 1}), "String"),
]


@pytest.mark.parametrize(
    ("mutation", "make_input", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in GRAPHQL_CASES],
)
def test_input_that_does_not_fit_the_schema_is_a_top_level_error(
    world: World, mutation: str, make_input: Input, words: str
) -> None:
    body = {"query": mutation_text(mutation), "variables": {"input": make_input(world)}}
    with appends_nothing(world.api):
        response = send(world.api, body=body, token=world.admin)
    assert response.status_code in (200, 400)
    result = response.json()
    assert result.get("data") is None
    assert result["errors"] and words in result["errors"][0]["message"], result


@pytest.mark.parametrize(
    "query",
    [
        "mutation { recordLesson(input: {",  # syntax error
        "mutation { forgeEvent(input: {}) { position } }",  # no such mutation
        'mutation { recordLesson(input: {partnershipId: "x", kind: CHALLENGE, text: "\\ud800"})'
        " { position } }",  # a lone surrogate escape in the document itself
    ],
    ids=["syntax-error", "unknown-mutation", "surrogate-in-document"],
)
def test_a_document_that_does_not_parse_or_validate_is_a_top_level_error(
    world: World, query: str
) -> None:
    with appends_nothing(world.api):
        response = send(world.api, body={"query": query}, token=world.admin)
    assert response.status_code in (200, 400)
    assert response.json()["errors"][0]["message"]


# ---------------------------------------------------------------------- registry layer
# id, mutation, input, code, field
USER_ERROR_CASES: list[Any] = [
    (
        "title-201-chars",
        "registerPartnership",
        lambda w: lead(w, title="t" * 201),
        "VALIDATION_FAILED",
        ["input", "title"],
    ),
    (
        "activity-title-201-chars",
        "logActivity",
        lambda w: activity(w, title="t" * 201),
        "VALIDATION_FAILED",
        ["input", "title"],
    ),
    (
        "blank-title",
        "registerPartnership",
        lambda w: lead(w, title="   "),
        "VALIDATION_FAILED",
        ["input", "title"],
    ),
    (
        "blank-text",
        "recordLesson",
        lambda w: lesson(w, text=""),
        "VALIDATION_FAILED",
        ["input", "text"],
    ),
    (
        "blank-reason",
        "revisePartnership",
        lambda w: {"partnershipId": w.partnership_id, "title": "New", "reason": " \n\t"},
        "VALIDATION_FAILED",
        ["input", "reason"],
    ),
    (
        "control-characters",
        "recordLesson",
        lambda w: lesson(w, text="a\x07b"),  # a NUL is refused earlier, with HTTP 400
        "VALIDATION_FAILED",
        ["input", "text"],
    ),
    (
        "unknown-country",
        "registerPartnership",
        lambda w: lead(w, countries=["XX"]),
        "VALIDATION_FAILED",
        ["input", "countries", "0"],
    ),
    (
        "lowercase-country",
        "registerPartnership",
        lambda w: lead(w, countries=["ke"]),
        "VALIDATION_FAILED",
        ["input", "countries", "0"],
    ),
    (
        "unknown-country-of-an-activity",
        "logActivity",
        lambda w: activity(w, countries=["KE", "XX"]),
        "VALIDATION_FAILED",
        ["input", "countries", "1"],
    ),
    (
        "unknown-organisation-country",
        "registerOrganisation",
        lambda w: {"name": "X", "orgType": "OTHER", "sector": "OTHER", "country": "XX"},
        "VALIDATION_FAILED",
        ["input", "country"],
    ),
    (
        "unknown-region",
        "registerPartnership",
        lambda w: lead(w, regions=["999"]),
        "VALIDATION_FAILED",
        ["input", "regions", "0"],
    ),
    (
        "end-before-start",
        "registerPartnership",
        lambda w: lead(w, startDate="2024-06-01", endDate="2024-05-31"),
        "VALIDATION_FAILED",
        ["input", "endDate"],
    ),
    (
        "activity-end-before-start",
        "logActivity",
        lambda w: activity(w, endDate="2024-04-01"),
        "VALIDATION_FAILED",
        ["input", "endDate"],
    ),
    (
        "date-out-of-range",
        "registerPartnership",
        lambda w: lead(w, startDate="1066-10-14"),
        "VALIDATION_FAILED",
        ["input", "startDate"],
    ),
    (
        "negative-participants",
        "logActivity",
        lambda w: activity(w, participants=-1),
        "VALIDATION_FAILED",
        ["input", "participants"],
    ),
    (
        "javascript-url",
        "logActivity",
        lambda w: activity(w, evidenceUrls=["javascript:alert(1)"]),
        "VALIDATION_FAILED",
        ["input", "evidenceUrls", "0"],
    ),
    (
        "url-without-host",
        "logActivity",
        lambda w: activity(w, evidenceUrls=["https://example.org/a", "https://"]),
        "VALIDATION_FAILED",
        ["input", "evidenceUrls", "1"],
    ),
    (
        "non-http-website",
        "registerOrganisation",
        lambda w: {
            "name": "X",
            "orgType": "OTHER",
            "sector": "OTHER",
            "country": "KE",
            "website": "ftp://example.org",
        },
        "VALIDATION_FAILED",
        ["input", "website"],
    ),
    (
        "non-finite-measure",
        "reportOutcome",
        lambda w: {
            "partnershipId": w.partnership_id,
            "resultLevel": "OUTPUT",
            "indicator": "Officers trained",
            "verification": "SELF_REPORTED",
            "actual": 1e300,
        },
        "VALIDATION_FAILED",
        ["input", "actual"],
    ),
    (
        "unknown-partnership-id",
        "recordLesson",
        lambda w: lesson(w, partnershipId=to_global_id("Partnership", uuid4())),
        "NOT_FOUND",
        ["input", "partnershipId"],
    ),
    (
        "garbage-partnership-id",
        "recordLesson",
        lambda w: lesson(w, partnershipId="!!not-an-id!!"),
        "NOT_FOUND",
        ["input", "partnershipId"],
    ),
    (
        "organisation-id-as-partnership-id",
        "recordLesson",
        lambda w: lesson(w, partnershipId=w.ngo_id),
        "NOT_FOUND",
        ["input", "partnershipId"],
    ),
    (
        "unknown-activity-id",
        "retractActivity",
        lambda w: {
            "partnershipId": w.partnership_id,
            "activityId": to_global_id("Activity", uuid4()),
            "reason": "typo",
        },
        "NOT_FOUND",
        ["input", "activityId"],
    ),
    (
        "unknown-organisation-id",
        "reviseOrganisation",
        lambda w: {
            "organisationId": to_global_id("Organisation", uuid4()),
            "website": "https://example.org",
            "reason": "new site",
        },
        "NOT_FOUND",
        ["input", "organisationId"],
    ),
    (
        "unknown-partner",
        "registerPartnership",
        lambda w: partnership_input(
            (w.ngo_id, "LEAD"), (to_global_id("Organisation", uuid4()), "FUNDER")
        ),
        "NOT_FOUND",
        ["input", "partners", "1", "organisationId"],
    ),
    (
        "duplicate-partner",
        "registerPartnership",
        lambda w: partnership_input((w.ngo_id, "LEAD"), (w.ngo_id, "FUNDER")),
        "DUPLICATE",
        ["input", "partners", "1", "organisationId"],
    ),
    (
        "adding-a-current-partner",
        "addPartner",
        lambda w: {"partnershipId": w.partnership_id, "organisationId": w.ngo_id, "role": "FUNDER"},
        "DUPLICATE",
        ["input", "organisationId"],
    ),
    (
        "no-lead",
        "registerPartnership",
        lambda w: partnership_input((w.ngo_id, "IMPLEMENTER")),
        "VALIDATION_FAILED",
        ["input", "partners"],
    ),
    (
        "no-partner",
        "registerPartnership",
        lambda w: partnership_input(),
        "VALIDATION_FAILED",
        ["input", "partners"],
    ),
    (
        "no-practice-area",
        "registerPartnership",
        lambda w: lead(w, practiceAreas=[]),
        "VALIDATION_FAILED",
        ["input", "practiceAreas"],
    ),
    (
        "future-expected-version",
        "recordLesson",
        lambda w: lesson(w, expectedVersion=7),
        "VERSION_CONFLICT",
        ["input", "expectedVersion"],
    ),
    (
        "expected-version-zero",
        "recordLesson",
        lambda w: lesson(w, expectedVersion=0),
        "VALIDATION_FAILED",
        ["input", "expectedVersion"],
    ),
    (
        "idempotency-key-201-chars",
        "recordLesson",
        lambda w: lesson(w, idempotencyKey="k" * 201),
        "VALIDATION_FAILED",
        ["input", "idempotencyKey"],
    ),
    (
        "empty-idempotency-key",
        "recordLesson",
        lambda w: lesson(w, idempotencyKey=""),
        "VALIDATION_FAILED",
        ["input", "idempotencyKey"],
    ),
    (
        "duplicate-organisation-name",
        "registerOrganisation",
        lambda w: {
            "name": "  kenya cyber TRUST ",
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "KE",
        },
        "DUPLICATE",
        ["input", "name"],
    ),
    (
        "renaming-to-a-taken-name",
        "reviseOrganisation",
        lambda w: {"organisationId": w.firm_id, "name": "KENYA  cyber trust", "reason": "merger"},
        "DUPLICATE",
        ["input", "name"],
    ),
    (
        "a-revision-that-changes-nothing",
        "reviseOrganisation",
        lambda w: {"organisationId": w.ngo_id, "name": " Kenya Cyber Trust", "reason": "typo"},
        "VALIDATION_FAILED",
        ["input"],
    ),
]


@pytest.mark.parametrize(
    ("mutation", "make_input", "code", "field"),
    [pytest.param(*case[1:], id=case[0]) for case in USER_ERROR_CASES],
)
def test_input_that_breaks_a_rule_is_a_user_error_at_its_field(
    world: World, mutation: str, make_input: Input, code: str, field: list[str]
) -> None:
    with appends_nothing(world.api):
        payload = mutate(world.api, mutation, make_input(world), world.admin)
    assert payload["userErrors"], payload
    first = payload["userErrors"][0]
    assert (first["code"], first["field"]) == (code, field), payload
    assert first["message"]
    assert payload["position"] is None


def test_the_limits_themselves_are_allowed(world: World) -> None:
    payload = mutate(world.api, "registerPartnership", lead(world, title="t" * 200), world.ngo)
    assert payload["userErrors"] == []
    payload = mutate(world.api, "recordLesson", lesson(world, idempotencyKey="k" * 200), world.ngo)
    assert payload["userErrors"] == []


def test_a_stale_expected_version_is_a_version_conflict(world: World) -> None:
    assert (
        mutate(world.api, "recordLesson", lesson(world, expectedVersion=1), world.ngo)["userErrors"]
        == []
    )  # the partnership is now at version 2
    with appends_nothing(world.api):
        payload = mutate(world.api, "recordLesson", lesson(world, expectedVersion=1), world.ngo)
    assert payload["userErrors"][0]["code"] == "VERSION_CONFLICT"
    assert payload["userErrors"][0]["field"] == ["input", "expectedVersion"]
    assert "current version is 2" in payload["userErrors"][0]["message"]


def test_every_problem_of_one_input_is_reported_at_once(world: World) -> None:
    input = lead(world, title=" ", countries=["XX", "ke"], endDate="2020-01-01")
    with appends_nothing(world.api):
        payload = mutate(world.api, "registerPartnership", input, world.ngo)
    fields = {tuple(e["field"]) for e in payload["userErrors"]}
    assert {
        ("input", "title"),
        ("input", "countries", "0"),
        ("input", "countries", "1"),
        ("input", "endDate"),
    } <= fields


# ---------------------------------------------------------------------- a property
# Short titles, and titles around the 200-character limit: both sides of it.
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=st.text(max_size=20) | st.text(min_size=190, max_size=210))
def test_any_title_is_either_accepted_or_a_validation_failure_or_unstorable(
    world: World, title: str
) -> None:
    before = world.api.event_count()
    body = {
        "query": mutation_text("logActivity"),
        "variables": {"input": activity(world, title=title)},
    }
    response = send(world.api, body=body, token=world.ngo)
    result = response.json()
    if "\x00" in title:  # text PostgreSQL cannot hold is refused before the command is built
        assert response.status_code == 400, result
        assert result["errors"][0]["extensions"]["code"] == "INVALID_TEXT", result
        assert world.api.event_count() == before
        return
    assert response.status_code == 200
    assert "errors" not in result, result
    errors = result["data"]["logActivity"]["userErrors"]
    assert all(
        (e["code"], e["field"]) == ("VALIDATION_FAILED", ["input", "title"]) for e in errors
    ), errors
    assert world.api.event_count() == before + (0 if errors else 1)
