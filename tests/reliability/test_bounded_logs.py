"""Finding 10: log amplification. A rejected request logs at most about 2 KB, and repeated
rejections are rate limited.

Before: ~1.4 KB of log per small bad request, and a 900 KB one-line document wrote 0.96 MB of
log per request (strawberry prints each error's source line).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from entrypoints.web.app import create_app
from registry.database import DatabaseAddress
from registry.settings import Settings
from schema.log_bounds import (
    BURST,
    MAX_LINE,
    REFILL_S,
    TOTAL_FACTOR,
    BoundedAccessLog,
    RateLimit,
)

LOG_BUDGET = 2_100  # "about 2 KB": the line, and the few characters of its framing


# The test client's own lines, and the projector running beside the app, are no request's log.
NOT_THE_APPS = ("httpx", "projections")


@pytest.fixture
def http(database: DatabaseAddress, tmp_path: Path) -> Iterator[TestClient]:
    settings = replace(Settings.from_env({}), database_url=database.dsn(), data_dir=tmp_path)
    with TestClient(create_app(settings)) as client:
        yield client


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Every line written, as a handler would write it (message and any traceback)."""
    lines = []
    for record in caplog.records:
        if record.name.startswith(NOT_THE_APPS):
            continue
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        lines.append(text)
    return lines


def test_a_900_kb_one_line_document_logs_at_most_2_kb(
    http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    document = "{ " + "x" * 900_000 + " }"
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        response = http.post("/graphql", json={"query": document})
        assert response.status_code == 200  # a validation error: GraphQL's own answer
        assert response.json()["errors"]
        # A URL holds at most 64 KB here: a GET's document is shorter, and logs as short.
        response = http.get("/graphql", params={"query": document[:60_000] + " }"})
        assert response.json()["errors"]
    lines = logged(caplog)
    assert len(lines) == 2, lines
    assert all(len(line) <= LOG_BUDGET for line in lines), [len(line) for line in lines]
    assert all("Cannot query field" in line and "more characters" in line for line in lines)


def test_a_small_bad_request_logs_one_short_line_without_a_traceback(
    http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        http.post("/graphql", json={"query": "{ organisations { nope } }"})
    lines = logged(caplog)
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    assert len(lines[0]) < 300, lines[0]


def test_a_thousand_bad_requests_log_a_bounded_total(
    http: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    with caplog.at_level(logging.DEBUG):
        caplog.clear()
        for number in range(1_000):  # of several kinds, as an attacker would vary them
            query = [
                f"{{ nope{number} }}",
                f"{{ {number} }}",
                f"query {{ organisations(x{number}: 1) {{ totalCount }} }}",
            ][number % 3]
            http.post("/graphql", json={"query": query})
    elapsed = time.monotonic() - started
    lines = logged(caplog)
    allowed = TOTAL_FACTOR * (BURST + elapsed / REFILL_S) + 1
    assert BURST <= len(lines) <= allowed, (len(lines), elapsed)
    assert sum(len(line) for line in lines) <= allowed * LOG_BUDGET
    if len(lines) > BURST:  # a line after a pause says how many were left out
        assert any("similar suppressed" in line for line in lines[BURST:]), lines[BURST:]


def test_a_bucket_lets_a_burst_through_then_one_a_refill_and_counts_what_it_dropped() -> None:
    now = [0.0]
    limit = RateLimit(burst=3, refill_s=1.0, clock=lambda: now[0])
    assert [limit.admit("k") for _ in range(5)] == [0, 0, 0, None, None]
    assert limit.admit("other kind") == 0
    now[0] = 1.0
    assert limit.admit("k") == 2  # two dropped since the last line of this kind
    assert limit.admit("k") is None
    now[0] = 100.0
    admitted = [limit.admit(f"kind {n}") for n in range(100)]  # kinds that all differ
    assert sum(a is not None for a in admitted) == 3 * TOTAL_FACTOR


def test_the_access_line_of_a_rejection_is_shortened_and_rate_limited() -> None:
    access = BoundedAccessLog(RateLimit(burst=2, refill_s=60.0))

    def record(status: int) -> logging.LogRecord:
        args = ("127.0.0.1:5000", "GET", "/graphql?query=" + "x" * 900_000, "1.1", status)
        return logging.LogRecord(
            "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d', args, None
        )

    kept = [r for r in (record(400) for _ in range(5)) if access.filter(r)]
    assert len(kept) == 2
    assert all(len(r.getMessage()) < MAX_LINE // 4 for r in kept)
    ok = record(200)
    assert access.filter(ok)  # answers that are no rejection are all logged, shortened
    assert len(ok.getMessage()) < MAX_LINE // 4
