"""One embedded PostgreSQL of the suite's own for every fault test (``bench.faults``).

Started once (an initdb costs seconds), and brought back before each test that wants it, so a
test that killed it and failed leaves nothing broken behind. Each test writes into a database
or under names of its own.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.faults import DedicatedPostgres, dedicated_postgres


@pytest.fixture(scope="session")
def dedicated() -> Iterator[DedicatedPostgres]:
    with dedicated_postgres() as server:
        yield server


@pytest.fixture
def postgres(dedicated: DedicatedPostgres) -> DedicatedPostgres:
    """The suite's own PostgreSQL, running."""
    if not dedicated.answers():
        dedicated.start_again()
        dedicated.wait_until_answering(timeout=30)
    return dedicated
