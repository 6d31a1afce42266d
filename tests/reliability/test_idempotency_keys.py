"""Idempotency keys belong to their owner, and retries at once all get the first result.

Findings 8 and 9 of the hardening issue, against real ``serve`` processes over HTTP on one
database: 8 identical requests sent at once with one key (to one server, and split between two
server processes) must all answer the first result with exactly one event; another
organisation's token using the same key gets a result of its own, never the owner's, and
cannot make the owner's later command fail with IDEMPOTENCY_KEY_REUSED.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from bench.faults import Serve
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.idempotency import keyed_id, scope_of
from schema.ids import from_global_id, to_global_id
from tests.e2e.conftest import (
    ORGANISATION,
    PARTNERSHIP,
    Api,
    partnership_input,
    register_organisation,
)
from tests.postgres import scratch_database

AT_ONCE = 8
ACTIVITY = "activity { id title } partnership { version }"


@dataclass
class Deployment:
    """Two ``serve`` processes on one database, two organisations and their tokens.

    Both organisations' contributor tokens have the same name, as token names need not be
    unique: a key must belong to the organisation, not to the name.
    """

    first: Api
    second: Api
    admin: str
    ngo: str  # contributor of the NGO, named "someone"
    firm: str  # contributor of the firm, also named "someone"
    ngo_id: str
    firm_id: str
    ngo_partnership: str  # led by the NGO; the firm is not a partner
    firm_partnership: str  # led by the firm

    @property
    def apis(self) -> tuple[Api, Api]:
        return self.first, self.second


@pytest.fixture(scope="module")
def deployment(
    postgres_server: DatabaseAddress, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    with scratch_database(postgres_server) as database:
        servers = [
            Serve(tmp_path_factory.mktemp(f"serve-{n}"), database.dsn()).start() for n in (1, 2)
        ]
        try:
            for server in servers:
                server.wait_ready()
            # Real HTTP: TestClient is an httpx.Client, and Api needs nothing more.
            clients = [httpx.Client(base_url=s.url, timeout=60) for s in servers]
            try:
                yield _populated(*(Api(client, database) for client in clients))  # type: ignore[arg-type]
            finally:
                for client in clients:
                    client.close()
        finally:
            for server in servers:
                server.stop()


def _populated(first: Api, second: Api) -> Deployment:
    admin = first.token("admin", name="admin")
    ngo_id = register_organisation(first, admin, "Kenya Cyber Trust")
    firm_id = register_organisation(
        first, admin, "SecureSoft SA", orgType="PRIVATE_SECTOR", sector="PRIVATE_SECTOR"
    )
    ngo = first.token("contributor", ngo_id, name="someone")
    firm = first.token("contributor", firm_id, name="someone")
    partnerships = []
    for organisation, token in ((ngo_id, ngo), (firm_id, firm)):
        payload = first.mutate(
            "registerPartnership", partnership_input((organisation, "LEAD")), token, PARTNERSHIP
        )
        assert payload["userErrors"] == [], payload
        partnerships.append(payload["partnership"]["id"])
    return Deployment(first, second, admin, ngo, firm, ngo_id, firm_id, *partnerships)


def _scope(organisation: str) -> Any:
    return scope_of(
        Actor("someone", Role.CONTRIBUTOR, from_global_id(organisation, "Organisation"))
    )


def _activity(partnership: str, key: str, **fields: Any) -> dict[str, Any]:
    return {
        "partnershipId": partnership,
        "kind": "TRAINING",
        "practiceArea": "CAPACITY_BUILDING",
        "title": "Digital forensics for investigators",
        "startDate": "2024-04-02",
        "participants": 12,
        "idempotencyKey": key,
        **fields,
    }


def _version(api: Api, partnership: str) -> int:
    body = api.post(
        "query($id: ID!) { node(id: $id) { ... on Partnership { version } } }", {"id": partnership}
    )
    version: int = body["data"]["node"]["version"]
    return version


def _at_once(
    deployment: Deployment, servers: int, name: str, input: dict[str, Any], selection: str
) -> list[dict[str, Any]]:
    """8 identical mutations by the NGO, released together, spread over ``servers`` servers."""
    barrier = threading.Barrier(AT_ONCE)

    def released(n: int) -> dict[str, Any]:
        api = deployment.apis[n % servers]
        barrier.wait()
        return api.mutate(name, input, deployment.ngo, selection)

    with ThreadPoolExecutor(max_workers=AT_ONCE) as pool:
        return list(pool.map(released, range(AT_ONCE)))


# ---------------------------------------------------------------------- finding 8
@pytest.mark.parametrize("servers", [1, 2], ids=["one server", "two server processes"])
def test_eight_identical_writes_at_once_with_an_expected_version_all_get_the_first_result(
    deployment: Deployment, servers: int
) -> None:
    api = deployment.first
    for round in range(3):
        events = api.event_count()
        version = _version(api, deployment.ngo_partnership)
        input = _activity(
            deployment.ngo_partnership,
            f"at-once-{servers}-{round}",
            expectedVersion=version,
            title=f"Training round {round}",
        )
        payloads = _at_once(deployment, servers, "logActivity", input, ACTIVITY)
        assert [p["userErrors"] for p in payloads] == [[]] * AT_ONCE, payloads
        assert all(p == payloads[0] for p in payloads), payloads
        assert payloads[0]["partnership"]["version"] == version + 1
        assert api.event_count() == events + 1


@pytest.mark.parametrize("servers", [1, 2], ids=["one server", "two server processes"])
def test_eight_identical_registrations_at_once_all_get_the_first_result_not_duplicate(
    deployment: Deployment, servers: int
) -> None:
    api = deployment.first
    for round in range(3):
        events = api.event_count()
        input = {
            "name": f"CERT at once {servers}-{round}",
            "orgType": "GOVERNMENT",
            "sector": "GOVERNMENT",
            "country": "GH",
            "idempotencyKey": f"org-at-once-{servers}-{round}",
        }
        payloads = _at_once(deployment, servers, "registerOrganisation", input, ORGANISATION)
        assert [p["userErrors"] for p in payloads] == [[]] * AT_ONCE, payloads
        assert all(p == payloads[0] for p in payloads), payloads
        assert api.event_count() == events + 2  # the organisation and its name's claim


# ---------------------------------------------------------------------- finding 9
def test_another_organisation_replaying_a_key_gets_none_of_the_owners_result(
    deployment: Deployment,
) -> None:
    api = deployment.first
    input = _activity(deployment.ngo_partnership, "replayed-by-another")
    first = api.mutate("logActivity", input, deployment.ngo, ACTIVITY)
    assert first["userErrors"] == []
    events = api.event_count()
    # The firm is no partner of the NGO's partnership: the key is new to it, so the write
    # is judged afresh and refused, instead of answering the NGO's success.
    replayed = api.mutate("logActivity", input, deployment.firm, ACTIVITY)
    assert [e["code"] for e in replayed["userErrors"]] == ["FORBIDDEN"]
    assert replayed["activity"] is None and replayed["position"] is None
    assert api.event_count() == events
    assert api.mutate("logActivity", input, deployment.ngo, ACTIVITY) == first


def test_a_key_taken_first_by_another_organisation_does_not_block_its_owner(
    deployment: Deployment,
) -> None:
    api = deployment.first
    squatted = api.mutate(
        "logActivity",
        _activity(deployment.firm_partnership, "taken-first"),
        deployment.firm,
        ACTIVITY,
    )
    assert squatted["userErrors"] == []
    owner = api.mutate(
        "logActivity",
        _activity(deployment.ngo_partnership, "taken-first"),
        deployment.ngo,
        ACTIVITY,
    )
    assert owner["userErrors"] == [], owner
    assert owner["activity"]["id"] != squatted["activity"]["id"]
    assert owner["position"] != squatted["position"]


def test_ids_derived_from_one_key_differ_between_owners(deployment: Deployment) -> None:
    api = deployment.first
    created = {}
    for organisation, token, partnership in (
        (deployment.ngo_id, deployment.ngo, deployment.ngo_partnership),
        (deployment.firm_id, deployment.firm, deployment.firm_partnership),
    ):
        payload = api.mutate("logActivity", _activity(partnership, "same-key"), token, ACTIVITY)
        assert payload["userErrors"] == [], payload
        created[organisation] = payload["activity"]["id"]
        assert created[organisation] == to_global_id(
            "Activity", keyed_id(_scope(organisation), "same-key", "activity")
        )
    assert created[deployment.ngo_id] != created[deployment.firm_id]


def test_every_token_of_an_organisation_shares_its_key_space(deployment: Deployment) -> None:
    api = deployment.first
    colleague = api.token("contributor", deployment.ngo_id, name="colleague")
    input = _activity(deployment.ngo_partnership, "shared-by-the-organisation")
    assert api.mutate("logActivity", input, deployment.ngo, ACTIVITY)["userErrors"] == []
    # The key is the organisation's, and the first submission was someone else's.
    reused = api.mutate("logActivity", input, colleague, ACTIVITY)
    assert [e["code"] for e in reused["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
