"""Servers starting together on a new database all start: the tables are made one at a time.

PostgreSQL's catalog refuses the second of two concurrent ``CREATE TABLE IF NOT EXISTS`` of one
table (a duplicate key in ``pg_type``); before the snapshot table was made under the event
store's DDL lock, four time-travel registries opened at once failed about one round in fifteen.
"""

from __future__ import annotations

import threading

from registry.database import DatabaseAddress
from registry.history import HistoryRegistry
from tests.postgres import scratch_database

ROUNDS = 20
AT_ONCE = 4


def test_registries_opened_at_once_on_a_new_database_all_open(
    postgres_server: DatabaseAddress,
) -> None:
    failures: list[str] = []
    for _round in range(ROUNDS):
        with scratch_database(postgres_server) as database:
            env = {**database.eventsourcing_env(), "POSTGRES_POOL_SIZE": "2"}
            start = threading.Barrier(AT_ONCE)

            def open_one(env: dict[str, str] = env, start: threading.Barrier = start) -> None:
                start.wait()
                try:
                    HistoryRegistry(env=env).close()
                except Exception as error:  # what a failed start would raise
                    failures.append(repr(error))

            threads = [threading.Thread(target=open_one) for _ in range(AT_ONCE)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
    assert failures == []
