"""Finding 4: ``asOf`` reads starved writes. Two anonymous clients sending time-travel reads of a
1,944-event partnership pushed an admin's ``logActivity`` from 33 ms to 7-17 s: both ran on the
8 write threads.

Now time travel has threads and connections of its own, a per-client limit, a short queue and
an event budget per request, each refusal coded ``TIME_TRAVEL_LIMITED``; and snapshots keep a
long stream's rebuild short. The tests check the structure (a mutation is answered while every
time-travel thread is held), the refusals, and that a rebuild from snapshots is the rebuild
from events alone (differential).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.domain import DomainEvent
from starlette.testclient import TestClient

from entrypoints.web.app import create_app
from registry.application import Registry, _version_at
from registry.database import DatabaseAddress
from registry.domain.partnership import Partnership
from registry.history import HistoryRegistry, partnership_version, version_at
from registry.settings import Settings
from schema.time_travel import CODE, TimeTravel
from tests.e2e.conftest import Api, partnership_input, register_organisation
from tests.unit.conftest import Build

HELD_S = 20.0  # how long a held time-travel read waits to be let go, at most
ANSWERED_S = 10.0  # a mutation's answer, however loaded the machine: generous, not a target
AS_OF = "query($id: ID!, $at: DateTime) { partnership(id: $id, asOf: $at) { id version } }"


class Setup:
    def __init__(self, api: Api, admin: str, partnership_id: str, organisation_id: str) -> None:
        self.api, self.admin = api, admin
        self.partnership_id, self.organisation_id = partnership_id, organisation_id

    def as_of(self, moment: str | None = None) -> dict[str, Any]:
        at = moment or datetime.now(UTC).isoformat()
        response = self.api.http.post(
            "/graphql", json={"query": AS_OF, "variables": {"id": self.partnership_id, "at": at}}
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def log_activity(self, title: str = "Training") -> dict[str, Any]:
        activity = {
            "partnershipId": self.partnership_id,
            "kind": "TRAINING",
            "practiceArea": "CAPACITY_BUILDING",
            "title": title,
            "startDate": "2024-04-02",
        }
        return self.api.mutate("logActivity", activity, self.admin)


@contextmanager
def running(database: DatabaseAddress, tmp_path: Path, **limits: Any) -> Iterator[Setup]:
    settings = replace(
        Settings.from_env({}), database_url=database.dsn(), data_dir=tmp_path, **limits
    )
    with TestClient(create_app(settings)) as http:
        api = Api(http, database)
        admin = api.token("admin", name="admin")
        organisation_id = register_organisation(api, admin, "Kenya Cyber Trust")
        payload = api.mutate(
            "registerPartnership",
            partnership_input((organisation_id, "LEAD")),
            admin,
            "partnership { id }",
        )
        yield Setup(api, admin, payload["partnership"]["id"], organisation_id)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[threading.Event, list[int]]]:
    """Time-travel reads that hold their thread until let go; how many are being held."""
    release = threading.Event()
    holding = [0]
    original: Callable[..., Any] = TimeTravel._view

    def view(self: TimeTravel, *args: Any) -> Any:
        holding[0] += 1
        release.wait(HELD_S)
        holding[0] -= 1
        return original(self, *args)

    monkeypatch.setattr(TimeTravel, "_view", view)
    yield release, holding
    release.set()


def codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors") or ()]


def wait_until(condition: Callable[[], bool], timeout: float = ANSWERED_S) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_mutation_is_answered_while_every_time_travel_thread_is_held(
    database: DatabaseAddress, tmp_path: Path, held: tuple[threading.Event, list[int]]
) -> None:
    release, holding = held
    # One write thread: before, a single asOf read held it, and every write queued behind it.
    with (
        running(
            database, tmp_path, write_threads=1, time_travel_threads=2, time_travel_per_client=2
        ) as setup,
        ThreadPoolExecutor(4) as pool,
    ):
        reads: list[Future[dict[str, Any]]] = [pool.submit(setup.as_of) for _ in range(2)]
        wait_until(lambda: holding[0] == 2)  # both time-travel threads held
        began = time.monotonic()
        payload = setup.log_activity()
        assert payload["userErrors"] == [], payload
        assert time.monotonic() - began < ANSWERED_S
        assert holding[0] == 2 and not any(r.done() for r in reads)  # still held meanwhile
        # The client has its two reads in flight: a third is refused at once, coded.
        assert codes(setup.as_of()) == [CODE]
        release.set()
        for read in reads:
            body = read.result(timeout=ANSWERED_S)
            assert "errors" not in body, body
            assert body["data"]["partnership"]["id"] == setup.partnership_id


def test_time_travel_reads_beyond_the_queue_are_refused_at_once(
    database: DatabaseAddress, tmp_path: Path, held: tuple[threading.Event, list[int]]
) -> None:
    release, holding = held
    limits = {"time_travel_threads": 1, "time_travel_per_client": 100}
    with running(database, tmp_path, **limits) as setup, ThreadPoolExecutor(8) as pool:
        reads = [pool.submit(setup.as_of) for _ in range(5)]  # 1 running, 4 queued
        wait_until(lambda: holding[0] == 1)
        stats = setup.api.http.app.state.services.time_travel._limiter.statistics
        wait_until(lambda: stats().tasks_waiting == 4)
        began = time.monotonic()
        body = setup.as_of()
        assert codes(body) == [CODE], body
        assert "busy" in body["errors"][0]["message"]
        assert time.monotonic() - began < ANSWERED_S
        release.set()
        assert all("errors" not in r.result(timeout=ANSWERED_S) for r in reads)


def test_a_long_history_is_replayed_within_the_budget_and_retries_get_further(
    database: DatabaseAddress, tmp_path: Path
) -> None:
    with running(database, tmp_path, time_travel_max_events=25, snapshot_interval=10) as setup:
        for number in range(59):  # versions 2 to 60
            assert setup.log_activity(f"Training {number}")["userErrors"] == []
        answers = [setup.as_of() for _ in range(3)]
        # 60 events: 25 replayed (snapshots kept at 10 and 20), then 25 more from 20 (at 30
        # and 40), then the last 20 from 40: answered.
        assert [codes(a) for a in answers] == [[CODE], [CODE], []], answers
        assert "over the limit of 25" in answers[0]["errors"][0]["message"]
        assert answers[2]["data"]["partnership"]["version"] == 60
        early = setup.as_of((datetime.now(UTC) - timedelta(days=1)).isoformat())
        assert early["data"]["partnership"] is None  # it did not exist yet


# ---------------------------------------------------------------------- differential
def _state(aggregate: Any) -> str:
    # repr tells a tuple from a list and an enum from its string, which == does not.
    return repr(sorted((k, v) for k, v in vars(aggregate).items() if k != "_pending_events"))


@pytest.fixture
def stream(database: DatabaseAddress) -> Iterator[tuple[Registry, HistoryRegistry, UUID]]:
    registry = Registry(env=database.eventsourcing_env())
    history = HistoryRegistry(env=database.eventsourcing_env())
    try:
        build = Build()
        partnership = build.partnership()
        for number in range(40):
            if number % 3 == 0:
                build.outcome(partnership)
            elif number % 3 == 1:
                build.lesson(partnership, f"Lesson {number}")
            else:
                build.activity(partnership, title=f"Activity {number}")
        registry.save(partnership)
        yield registry, history, partnership.id
    finally:
        history.close()
        registry.close()


def test_a_rebuild_from_snapshots_is_the_rebuild_from_events_alone(
    stream: tuple[Registry, HistoryRegistry, UUID],
) -> None:
    registry, history, partnership_id = stream
    head = registry.repository.get(partnership_id).version
    for passes in range(2):  # the second pass starts from the snapshots the first one kept
        for version in range(1, head + 1):
            rebuilt = partnership_version(
                history, partnership_id, version, interval=7, max_events=1_000
            )
            from_events: Partnership = registry.repository.get(partnership_id, version=version)
            assert _state(rebuilt) == _state(from_events), (passes, version)
    assert history.snapshots is not None
    kept = list(history.snapshots.get(partnership_id))
    assert [s.originator_version for s in kept] == list(range(7, head + 1, 7))


def test_the_version_at_a_moment_agrees_with_a_scan_of_the_stream(
    stream: tuple[Registry, HistoryRegistry, UUID],
) -> None:
    registry, history, partnership_id = stream
    events = [e for e in registry.events.get(partnership_id) if isinstance(e, DomainEvent)]
    tick = timedelta(microseconds=1)
    moments = [m for e in events for m in (e.timestamp - tick, e.timestamp, e.timestamp + tick)]
    moments += [events[0].timestamp - timedelta(days=1), events[-1].timestamp + timedelta(days=1)]
    for moment in moments:
        assert version_at(history, partnership_id, moment) == _version_at(
            registry, partnership_id, moment
        ), moment
    assert version_at(history, UUID(int=0), moments[-1]) is None
