"""PostgreSQL for the tests: the server of a session, and a fresh database per test.

The server is the one ``DATABASE_URL`` names when it is set (CI's second pass, a developer's own
PostgreSQL), otherwise the embedded one, started in a temporary directory through the same
``open_database`` the application uses.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import psycopg
from psycopg import sql

from registry.database import DatabaseAddress, open_database
from registry.settings import Settings


def settings_for_tests(data_dir: Path) -> Settings:
    """The environment's settings, with the embedded server's data kept in ``data_dir``."""
    settings = Settings.from_env()
    if settings.database_url is None:
        return dataclasses.replace(settings, data_dir=data_dir)
    return settings


@contextmanager
def postgres_server(settings: Settings) -> Iterator[DatabaseAddress]:
    """The address of an administrative database on the tests' server, while it runs."""
    with open_database(settings) as address:
        yield address


@contextmanager
def scratch_database(admin: DatabaseAddress) -> Iterator[DatabaseAddress]:
    """A new, empty database, dropped afterwards even if something still holds a connection."""
    name = f"ppp_test_{uuid4().hex}"
    _execute(admin, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield admin.with_dbname(name)
    finally:
        _execute(
            admin, sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _execute(address: DatabaseAddress, statement: sql.Composed) -> None:
    # CREATE/DROP DATABASE cannot run inside a transaction block.
    with psycopg.connect(address.dsn(), autocommit=True) as connection:
        connection.execute(statement)
