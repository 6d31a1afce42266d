"""The database may go away: the API says so with a masked 503, recovers by itself, loses nothing.

Two kinds of outage. An external PostgreSQL (``DATABASE_URL``) that restarts: every connection
the app holds dies at once, simulated in-process by terminating all of the app's backends in a
scratch database of the session's server (safe: nothing else uses that database), and for real
by killing the postmaster of a PostgreSQL of the test's own (``bench.faults``). And the embedded
server killed outright under ``serve``, which must restart it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import asyncpg
import eventsourcing.persistence as es
import httpx
import psycopg
import psycopg_pool
import pytest
from graphql import GraphQLError
from starlette.testclient import TestClient

from bench.faults import (
    ACK_LOSING_RECORDER,
    AckLosingRecorder,
    Answer,
    DedicatedPostgres,
    Load,
    admin_token,
    check_log,
    create_database,
    masked_unavailable,
    serving,
    shows_internals,
)
from entrypoints.web.app import create_app
from registry import commands as c
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import (
    LessonKind,
    OrganisationType,
    PartnerRole,
    PracticeArea,
    Sector,
)
from registry.settings import Settings
from schema.unavailable import is_database_unavailable

RECOVERY_S = 5.0  # the promise: writes succeed again within 5 s of the database being back
HELD_DOWN_S = 2.0  # long enough for every pool to have met the outage
STALL_S = 10.0  # a write may retry for a few seconds while the database is down, not for minutes
ADMIN = Actor(principal="outage test", role=Role.ADMIN, organisation_id=None)

REGISTER = (
    "mutation($input: RegisterOrganisationInput!) { registerOrganisation(input: $input) {"
    " position userErrors { code } } }"
)
COUNT = "{ organisations { totalCount } }"


# ---------------------------------------------------------------------- what counts as down
def _wrapped(cause: BaseException, wrapper: BaseException) -> BaseException:
    wrapper.__cause__ = cause
    return wrapper


@pytest.mark.parametrize(
    ("error", "down"),
    [
        (ConnectionRefusedError(111, "Connection refused"), True),
        (FileNotFoundError(2, "No such file or directory"), True),  # the socket is gone
        (asyncpg.exceptions.ConnectionDoesNotExistError("closed mid-query"), True),
        (asyncpg.exceptions.CannotConnectNowError("starting up"), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection"), True),
        (asyncpg.exceptions.QueryCanceledError("statement timeout"), False),
        (asyncpg.exceptions.UniqueViolationError("duplicate key"), False),
        (
            asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
            False,
        ),
        (psycopg.OperationalError("connection failed"), True),
        (psycopg_pool.PoolTimeout("couldn't get a connection after 2.00 sec"), True),
        (psycopg.errors.QueryCanceled("canceling statement"), False),
        (_wrapped(psycopg.OperationalError("lost"), es.OperationalError("lost")), True),
        (_wrapped(psycopg.errors.QueryCanceled("slow"), es.OperationalError("slow")), False),
        (GraphQLError("resolver", original_error=ConnectionResetError()), True),
        (ValueError("a bug"), False),
    ],
)
def test_what_counts_as_the_database_being_unavailable(error: BaseException, down: bool) -> None:
    assert is_database_unavailable(error) is down


# ---------------------------------------------------------------------- in-process, external
@pytest.fixture
def app_settings(database: DatabaseAddress, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        Settings.from_env({}), database_url=database.dsn(), data_dir=tmp_path
    )


@pytest.fixture
def http(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(app_settings)) as client:
        yield client


def _terminate_backends(admin: DatabaseAddress, database: DatabaseAddress) -> int:
    """Kill every session on ``database`` but this one, as a server restart would."""

    async def terminate() -> int:
        connection = await asyncpg.connect(admin.dsn())
        try:
            killed: int = await connection.fetchval(
                "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = $1 AND pid <> pg_backend_pid()) AS t",
                database.dbname,
            )
            return killed
        finally:
            await connection.close()

    return asyncio.run(terminate())


def _token(database: DatabaseAddress) -> str:
    return admin_token(database)


def _register(http: TestClient, token: str, name: str) -> httpx.Response:
    variables = {
        "input": {
            "name": name,
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "KE",
        }
    }
    return http.post(
        "/graphql",
        json={"query": REGISTER, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )


def _acknowledged(response: httpx.Response) -> bool:
    if response.status_code != 200:
        return False
    payload = response.json().get("data", {}).get("registerOrganisation")
    return bool(payload) and not payload["userErrors"] and payload["position"] is not None


def _only_success_or_masked_503(responses: list[httpx.Response]) -> None:
    for response in responses:
        if response.status_code == 200:
            continue
        assert response.status_code == 503, (response.status_code, response.text)
        assert masked_unavailable(response.text), response.text
        assert not shows_internals(response.text), response.text


def test_after_every_connection_of_the_app_is_terminated_writes_and_reads_work_again(
    http: TestClient, postgres_server: DatabaseAddress, database: DatabaseAddress
) -> None:
    token = _token(database)
    assert _acknowledged(_register(http, token, "Before the restart"))
    assert http.get("/readyz").status_code == 200

    assert _terminate_backends(postgres_server, database) > 0

    # Each pool finds its connections dead and makes new ones: no operator, no error for long.
    deadline = time.monotonic() + RECOVERY_S
    responses: list[httpx.Response] = []
    written = False
    n = 0
    while time.monotonic() < deadline and not written:
        response = _register(http, token, f"After the restart {n}")
        responses.append(response)
        written = _acknowledged(response)
        n += 1
    assert written, responses[-1].text
    _only_success_or_masked_503(responses)
    assert http.get("/readyz").status_code == 200
    read = http.post("/graphql", json={"query": COUNT})
    assert read.status_code == 200 and read.json()["data"]["organisations"]["totalCount"] >= 2


def test_the_api_sees_other_processes_writes_again_after_its_listener_was_terminated(
    http: TestClient, postgres_server: DatabaseAddress, database: DatabaseAddress
) -> None:
    """The response cache is keyed by the position the listener hears: a listener that died
    with its connection would answer from the cache as if nothing had been written since."""

    def count() -> int:
        response = http.post("/graphql", json={"query": COUNT})
        assert response.status_code == 200, response.text
        total: int = response.json()["data"]["organisations"]["totalCount"]
        return total

    def projected(position: int) -> bool:
        response = http.post("/graphql", json={"query": "{ projectionStatus { position } }"})
        return (
            response.status_code == 200
            and int(response.json()["data"]["projectionStatus"]["position"]) >= position
        )

    other_process = Registry(env=database.eventsourcing_env())
    try:
        first = other_process.submit(ADMIN, c.Submission(_organisation("Written elsewhere 1")))
        _eventually(lambda: projected(first.position))
        assert count() == 1

        assert _terminate_backends(postgres_server, database) > 0
        _eventually(lambda: _readyz_ok(http))
        assert count() == 1  # cached at the position the listener last heard

        second = other_process.submit(ADMIN, c.Submission(_organisation("Written elsewhere 2")))
        _eventually(lambda: projected(second.position))
        # The projector's notification reaches the listener in milliseconds; well before the
        # cache's own expiry (5 s) would hide a deaf one.
        _eventually(lambda: count() == 2, within=1.0)
    finally:
        other_process.close()


def _organisation(name: str) -> c.RegisterOrganisation:
    return c.RegisterOrganisation(name, OrganisationType.NATIONAL_NGO, Sector.CIVIL_SOCIETY, "KE")


def _readyz_ok(http: TestClient) -> bool:
    return http.get("/readyz").status_code == 200


def _eventually(check: Any, within: float = RECOVERY_S) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "not within the recovery time"
        time.sleep(0.05)


# ---------------------------------------------------------------------- the write side
def test_an_append_whose_acknowledgement_was_lost_is_in_the_log_once(
    database: DatabaseAddress,
) -> None:
    """Retried, the append meets its own committed events: that is its success, not another
    writer's conflict to apply the command again on top of."""
    setup = Registry(env=database.eventsourcing_env())
    try:
        organisation = setup.submit(ADMIN, c.Submission(_organisation("Lead"))).aggregate_id
        partnership = setup.submit(ADMIN, c.Submission(_partnership(organisation))).aggregate_id
    finally:
        setup.close()
    AckLosingRecorder.acks_lost = 0
    losing = Registry(
        env={**database.eventsourcing_env(), "APPLICATION_RECORDER_TOPIC": ACK_LOSING_RECORDER}
    )
    try:
        lesson = c.RecordLesson(partnership, LessonKind.CHALLENGE, "Recorded once")
        receipt = losing.submit(ADMIN, c.Submission(lesson))
    finally:
        losing.close()
    assert AckLosingRecorder.acks_lost == 1

    async def lessons() -> list[int]:
        connection = await asyncpg.connect(database.dsn())
        try:
            rows = await connection.fetch(
                "SELECT notification_id FROM registry_events"
                " WHERE originator_id = $1 AND topic LIKE '%LessonRecorded'",
                partnership,
            )
            return [row["notification_id"] for row in rows]
        finally:
            await connection.close()

    assert asyncio.run(lessons()) == [receipt.position]


def _partnership(lead: UUID) -> c.RegisterPartnership:
    return c.RegisterPartnership(
        title="Training investigators",
        summary="Digital evidence for police officers.",
        practice_areas=(PracticeArea.CAPACITY_BUILDING,),
        countries=("KE",),
        start_date=date(2024, 1, 15),
        partners=((lead, PartnerRole.LEAD),),
    )


@pytest.mark.slow
def test_a_write_during_an_outage_fails_in_seconds_and_the_next_one_after_it_succeeds(
    postgres: DedicatedPostgres,
) -> None:
    """The write side's own pool (psycopg, under the eventsourcing library): once waited 30 s
    for a connection on each of ten tries, and backed off its reconnections for minutes."""
    database = create_database(postgres.address)
    registry = Registry(env=database.eventsourcing_env())
    try:
        registry.submit(ADMIN, c.Submission(_organisation("Before")))
        postgres.wait_until_dead(postgres.kill_postmaster())
        started = time.monotonic()
        with pytest.raises(es.OperationalError):
            registry.submit(ADMIN, c.Submission(_organisation("While down")))
        assert time.monotonic() - started < STALL_S
        postgres.start_again()
        back_at = postgres.wait_until_answering(timeout=30)
        receipt = registry.submit(ADMIN, c.Submission(_organisation("After")))
        assert time.monotonic() - back_at <= RECOVERY_S
        assert receipt.position > 0
    finally:
        registry.close()


# ---------------------------------------------------------------------- serve, real kills
def _wait_for(answers: Load, check: Any, within: float) -> None:
    deadline = time.monotonic() + within
    while not check(answers.snapshot()):
        assert time.monotonic() < deadline, "the load never got there"
        time.sleep(0.05)


def _first_write_after(answers: list[Answer], moment: float) -> float | None:
    """When the first acknowledged write sent at or after ``moment`` came back."""
    done = [a.done for a in answers if a.acknowledged and a.sent >= moment]
    return min(done) if done else None


def _assert_failures_are_masked_503s(answers: list[Answer]) -> None:
    for answer in answers:
        if answer.failed:
            assert answer.unavailable, (answer.status, answer.body[:500])
        assert not shows_internals(answer.body), answer.body[:500]


@pytest.mark.slow
def test_serve_restarts_its_killed_embedded_postgres_and_loses_no_acknowledged_write(
    postgres: DedicatedPostgres,
) -> None:
    token = admin_token(postgres.address)
    with serving(postgres.data_dir) as serve:
        load = Load(serve.url, token).start()
        try:
            _wait_for(load, lambda got: sum(a.acknowledged for a in got) >= 10, 30)
            killed = postgres.kill_postmaster()
            killed_at = time.monotonic()
            postgres.wait_until_dead(killed)
            # Nobody but serve's supervisor starts it again.
            back_at = postgres.wait_until_answering(timeout=30)
            _wait_for(load, lambda got: _first_write_after(got, back_at) is not None, 30)
            time.sleep(0.5)
        finally:
            answers = load.stop()
        assert serve.running
        recovered = _first_write_after(answers, back_at)
        assert recovered is not None and recovered - back_at <= RECOVERY_S
        assert back_at - killed_at < 10, "the supervisor took too long to restart it"
        _assert_failures_are_masked_503s(answers)
        assert any(a.unavailable for a in answers if a.sent >= killed_at), (
            "nothing was refused while the database was down"
        )
    log = check_log(postgres.address, answers)
    assert log.acknowledged >= 10
    assert log.lost == [] and log.duplicated == []


@pytest.mark.slow
def test_while_an_external_database_is_down_every_route_answers_a_masked_503(
    postgres: DedicatedPostgres,
) -> None:
    database = create_database(postgres.address)
    token = admin_token(database)
    with serving(postgres.data_dir, database_url=database.dsn()) as serve:
        load = Load(serve.url, token).start()
        try:
            _wait_for(load, lambda got: sum(a.acknowledged for a in got) >= 10, 30)
            postgres.wait_until_dead(postgres.kill_postmaster())
            down_at = time.monotonic()
            time.sleep(HELD_DOWN_S)
            _assert_every_route_answers_503(serve.url, token)
            assert not postgres.answers(), "serve must not start an external database"
            postgres.start_again()
            back_at = postgres.wait_until_answering(timeout=30)
            _wait_for(load, lambda got: _first_write_after(got, back_at) is not None, 30)
        finally:
            answers = load.stop()
        recovered = _first_write_after(answers, back_at)
        assert recovered is not None and recovered - back_at <= RECOVERY_S
        _assert_failures_are_masked_503s(answers)
        assert any(a.unavailable for a in answers if down_at <= a.sent <= back_at)
        assert httpx.get(serve.url + "/readyz").status_code == 200
    log = check_log(database, answers)
    assert log.acknowledged >= 10
    assert log.lost == [] and log.duplicated == []


def _assert_every_route_answers_503(url: str, token: str) -> None:
    bearer = {"Authorization": f"Bearer {token}"}
    organisation = "query($id: ID!) { organisation(id: $id) { name } }"
    some_id = "T3JnYW5pc2F0aW9uOjAwMDAwMDAwLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwMQ"
    variables = {
        "input": {
            "name": "While down",
            "orgType": "NATIONAL_NGO",
            "sector": "CIVIL_SOCIETY",
            "country": "KE",
        }
    }
    graphql = {
        "anonymous query": ({"query": organisation, "variables": {"id": some_id}}, {}),
        "query with a token": ({"query": organisation, "variables": {"id": some_id}}, bearer),
        "mutation": ({"query": REGISTER, "variables": variables}, bearer),
    }
    for what, (body, headers) in graphql.items():
        response = httpx.post(url + "/graphql", json=body, headers=headers, timeout=30)
        assert response.status_code == 503, (what, response.status_code, response.text)
        assert masked_unavailable(response.text), (what, response.text)
        assert not shows_internals(response.text), (what, response.text)
    download = httpx.get(url + "/exports/case-studies/002.json", timeout=30)
    assert download.status_code == 503, download.text
    assert masked_unavailable(download.text) and not shows_internals(download.text)
    ready = httpx.get(url + "/readyz", timeout=30)
    assert ready.status_code == 503
    assert ready.json() == {"status": "unavailable", "reason": "database unavailable"}
