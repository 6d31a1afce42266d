"""Fixtures every kind of test may use: the async backend and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from registry.database import DatabaseAddress
from registry.settings import Settings
from tests.postgres import postgres_server as running_postgres
from tests.postgres import scratch_database, settings_for_tests

_DATABASE_FIXTURES = frozenset({"postgres_server", "database"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _DATABASE_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="session")
def postgres_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings naming the tests' PostgreSQL: ``DATABASE_URL`` or an embedded server."""
    # A short directory: the embedded server's socket lives in it (unix sockets: < 108 bytes).
    return settings_for_tests(tmp_path_factory.mktemp("pg", numbered=True))


@pytest.fixture(scope="session")
def postgres_server(postgres_settings: Settings) -> Iterator[DatabaseAddress]:
    """An administrative database on the tests' PostgreSQL server, for the whole session."""
    with running_postgres(postgres_settings) as address:
        yield address


@pytest.fixture
def database(postgres_server: DatabaseAddress) -> Iterator[DatabaseAddress]:
    """A brand-new empty database for one test, dropped after it."""
    with scratch_database(postgres_server) as address:
        yield address
