"""``serve`` killed, and ``serve`` asked to stop: nothing acknowledged is lost, and SIGTERM ends
it within 10 s whatever it is doing.

Each test runs ``ppp-registry serve`` as a real subprocess on the suite's own embedded
PostgreSQL (``conftest.py``), which this process also holds open, so that the database outlives
a killed ``serve`` and can be read afterwards.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from bench.faults import (
    Answer,
    DedicatedPostgres,
    Load,
    Serve,
    admin_token,
    check_log,
    create_database,
    serving,
)

pytestmark = pytest.mark.slow

STOPS_WITHIN_S = 10.0
FORCED = "shutdown did not finish"  # the last-resort exit's log line: the stop was not clean
ACKNOWLEDGED = 10  # writes acknowledged before the fault: the load is really running


def _until_acknowledged(load: Load, count: int, within: float = 30) -> None:
    deadline = time.monotonic() + within
    while sum(a.acknowledged for a in load.snapshot()) < count:
        assert time.monotonic() < deadline, "the load never got going"
        time.sleep(0.05)


def test_serve_killed_under_write_load_loses_nothing_acknowledged_and_a_new_one_writes(
    postgres: DedicatedPostgres,
) -> None:
    token = admin_token(postgres.address)
    first = Serve(postgres.data_dir).start()
    try:
        first.wait_ready()
        load = Load(first.url, token).start()
        try:
            _until_acknowledged(load, ACKNOWLEDGED)
            first.kill()  # SIGKILL: no shutdown code runs
        finally:
            before = load.stop()
    finally:
        first.stop()
    with serving(postgres.data_dir) as second:
        load = Load(second.url, token).start()
        try:
            _until_acknowledged(load, ACKNOWLEDGED)
        finally:
            after = load.stop()
    log = check_log(postgres.address, before + after)
    assert log.acknowledged >= 2 * ACKNOWLEDGED
    assert log.lost == [] and log.duplicated == []


def test_sigterm_ends_serve_within_10_s_while_its_external_database_is_down_under_load(
    postgres: DedicatedPostgres,
) -> None:
    database = create_database(postgres.address)
    token = admin_token(database)
    serve = Serve(postgres.data_dir, database.dsn()).start()
    try:
        serve.wait_ready()
        load = Load(serve.url, token, writers=8).start()
        try:
            _until_acknowledged(load, ACKNOWLEDGED)
            postgres.kill_postmaster()
            time.sleep(0.5)  # writes in flight are now waiting for a connection
            took = serve.terminate()
        finally:
            answers = load.stop()
        assert took <= STOPS_WITHIN_S, serve.log()
        _assert_answered_or_refused_cleanly(answers)
        assert FORCED not in serve.log()
    finally:
        serve.stop()


def test_sigterm_ends_serve_within_10_s_while_its_embedded_database_is_being_restarted(
    postgres: DedicatedPostgres,
) -> None:
    token = admin_token(postgres.address)
    serve = Serve(postgres.data_dir).start()
    try:
        serve.wait_ready()
        load = Load(serve.url, token).start()
        try:
            _until_acknowledged(load, ACKNOWLEDGED)
            postgres.kill_postmaster()
            time.sleep(0.3)
            took = serve.terminate()
        finally:
            answers = load.stop()
        assert took <= STOPS_WITHIN_S, serve.log()
        _assert_answered_or_refused_cleanly(answers)
        assert FORCED not in serve.log()
    finally:
        serve.stop()


def test_sigterm_ends_serve_within_10_s_under_load_with_subscriptions_and_a_standby(
    postgres: DedicatedPostgres,
) -> None:
    """Two processes on one database: the second's projector waits for the first's lock."""
    token = admin_token(postgres.address)
    leader = Serve(postgres.data_dir).start()
    standby = Serve(postgres.data_dir).start()
    try:
        leader.wait_ready()
        standby.wait_ready()
        subscribers = [_Subscriber(s.url).start() for s in (leader, standby)]
        load = Load(leader.url, token, writers=8).start()
        try:
            _until_acknowledged(load, ACKNOWLEDGED)
            assert all(s.events_seen.wait(10) for s in subscribers)
            took = [standby.terminate(), leader.terminate()]
        finally:
            answers = load.stop()
            for subscriber in subscribers:
                subscriber.stop()
        assert max(took) <= STOPS_WITHIN_S, (took, leader.log(), standby.log())
        _assert_answered_or_refused_cleanly(answers)
        assert FORCED not in leader.log() + standby.log()
    finally:
        leader.stop()
        standby.stop()


def test_sigterm_ends_serve_within_10_s_while_it_is_starting(
    postgres: DedicatedPostgres,
) -> None:
    serve = Serve(postgres.data_dir, log_level="INFO").start()
    try:
        _until_starting(serve)
        assert serve.terminate() <= STOPS_WITHIN_S, serve.log()
        assert FORCED not in serve.log()
    finally:
        serve.stop()


def _assert_answered_or_refused_cleanly(answers: list[Answer]) -> None:
    """Until it stopped listening (no answer after that), never a 500, never an internal error:
    a request the stop cut short is a masked 503 too."""
    for answer in answers:
        if answer.failed and answer.status is not None:
            assert answer.unavailable, (answer.status, answer.body[:500])


def _until_starting(serve: Serve) -> None:
    # Far enough into start-up for uvicorn's signal handlers and the lifespan to be under way.
    deadline = time.monotonic() + 30
    while "Waiting for application startup" not in serve.log():
        assert time.monotonic() < deadline and serve.running, serve.log()
        time.sleep(0.02)


class _Subscriber:
    """One graphql-transport-ws client following ``registryEvents`` until closed."""

    def __init__(self, url: str) -> None:
        self._url = url.replace("http://", "ws://") + "/graphql"
        self.events_seen = threading.Event()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._closing = threading.Event()

    def start(self) -> _Subscriber:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._closing.set()
        self._thread.join(timeout=15)

    def _follow(self) -> None:
        with connect(self._url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            ws.send(json.dumps({"type": "connection_init"}))
            subscribe: dict[str, Any] = {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": "subscription { registryEvents { position } }"},
            }
            ws.recv(timeout=10)
            ws.send(json.dumps(subscribe))
            while not self._closing.is_set():
                try:
                    message = json.loads(ws.recv(timeout=0.2))
                except TimeoutError:
                    continue
                except ConnectionClosed:
                    return
                if message.get("type") == "next":
                    self.events_seen.set()
