"""Retries never duplicate: an idempotency key returns the first payload and appends nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from starlette.testclient import TestClient

from entrypoints.web.app import create_app
from registry.domain.actor import Actor, Role
from registry.idempotency import keyed_id, scope_of
from registry.settings import Settings
from schema.ids import to_global_id
from tests.e2e.conftest import PARTNERSHIP, Api, World


def lesson(world: World, key: str, text: str = "Bring prosecutors in early.") -> dict[str, object]:
    return {
        "partnershipId": world.partnership_id,
        "kind": "RECOMMENDATION",
        "text": text,
        "idempotencyKey": key,
    }


def test_a_retry_with_the_same_key_returns_the_first_payload_and_appends_nothing(
    world: World,
) -> None:
    first = world.api.mutate("recordLesson", lesson(world, "retry-1"), world.ngo, PARTNERSHIP)
    events = world.api.event_count()
    again = world.api.mutate("recordLesson", lesson(world, "retry-1"), world.ngo, PARTNERSHIP)
    assert again == first
    assert world.api.event_count() == events


def test_the_same_key_with_a_different_input_is_refused(world: World) -> None:
    world.api.mutate("recordLesson", lesson(world, "retry-2"), world.ngo)
    events = world.api.event_count()
    payload = world.api.mutate(
        "recordLesson", lesson(world, "retry-2", "Something else."), world.ngo
    )
    assert [e["code"] for e in payload["userErrors"]] == ["IDEMPOTENCY_KEY_REUSED"]
    assert payload["userErrors"][0]["field"] == ["input", "idempotencyKey"]
    assert world.api.event_count() == events


def test_concurrent_retries_with_one_key_append_exactly_one_event(world: World) -> None:
    events = world.api.event_count()
    with ThreadPoolExecutor(max_workers=8) as pool:
        payloads = list(
            pool.map(
                lambda _n: world.api.mutate(
                    "recordLesson", lesson(world, "race"), world.ngo, PARTNERSHIP
                ),
                range(8),
            )
        )
    assert world.api.event_count() == events + 1
    assert all(p["userErrors"] == [] for p in payloads)
    assert len({p["position"] for p in payloads}) == 1


def test_keys_survive_a_restart_of_the_server(world: World, settings: Settings) -> None:
    first = world.api.mutate("recordLesson", lesson(world, "durable"), world.ngo, PARTNERSHIP)
    events = world.api.event_count()
    with TestClient(create_app(replace(settings))) as http:
        restarted = Api(http, world.api.address)
        again = restarted.mutate("recordLesson", lesson(world, "durable"), world.ngo, PARTNERSHIP)
    assert again == first
    assert world.api.event_count() == events


def test_what_a_keyed_submission_creates_has_an_id_derived_from_its_key(world: World) -> None:
    payload = world.api.mutate(
        "registerOrganisation",
        {
            "name": "CERT Ghana",
            "orgType": "GOVERNMENT",
            "sector": "GOVERNMENT",
            "country": "GH",
            "idempotencyKey": "org:cert-gh",
        },
        world.admin,
        "organisation { id }",
    )
    assert payload["organisation"]["id"] == to_global_id(
        "Organisation",
        keyed_id(scope_of(Actor("admin", Role.ADMIN)), "org:cert-gh", "organisation"),
    )
