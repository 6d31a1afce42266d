"""The public portal: server time per kind of page at 50,000 partnerships.

On a clone of the seeded demo dataset (read model at head), the real app (``create_app``) serves
each page through Starlette's TestClient, in process: the time is from the request to the last
byte of the answer, with no network and no browser, so it is the server's time (routing, the
read-model queries, rendering and the middleware), plus the in-process client's small share.
Each kind of page is asked ``REQUESTS`` times after ``WARM_UP`` unmeasured ones (the pools and
the statement caches warm, as a serving process is); a run's figure is its median and p99. The
pages with remembered reads (facet counts, a region's ranked case studies, the home page's
count of case studies) are measured twice: as served (kept for the read model's position) and
cold (the portal's position cache emptied before every request).

The ids are picked from the dataset as a reader's clicks would find them: the first partnership
of the first page, the strongest case study of Africa, the organisation in most partnerships
(its page lists the most rows).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any

import psycopg
from starlette.testclient import TestClient

from bench.common import (
    Figure,
    Options,
    Target,
    console,
    load_average,
    machine_facts,
    percentile,
    report,
)
from bench.dataset import event_count, seeded_database
from entrypoints.web.app import create_app
from entrypoints.web.portal.position_cache import PositionCache
from registry.database import DatabaseAddress
from registry.settings import Settings
from schema.ids import to_global_id

PART = "portal"
FULL_SIZE, QUICK_SIZE = 50_000, 1_000
REQUESTS, QUICK_REQUESTS = 40, 10
WARM_UP = 3
TARGET_MS = 50.0


def pages(address: DatabaseAddress) -> dict[str, str]:
    """Each kind of page and the address measured for it."""
    with psycopg.connect(address.dsn(), autocommit=True) as connection:

        def one(query: str) -> Any:
            row = connection.execute(query).fetchone()
            assert row is not None, query
            return row[0]

        partnership = one(
            "SELECT id FROM read_model.partnership_summary ORDER BY created_at DESC, id LIMIT 1"
        )
        study = one(
            "SELECT id FROM read_model.partnership_summary WHERE best_practice = 'ENDORSED'"
            " AND regions @> ARRAY['002'] ORDER BY id LIMIT 1"
        )
        organisation = one(
            "SELECT id FROM read_model.organisation_summary"
            " ORDER BY partnership_count DESC, id LIMIT 1"
        )
    return {
        "home": "/",
        "search": "/partnerships",
        "search, region + practice area": "/partnerships?region=002&practiceArea=CAPACITY_BUILDING",
        "search, text": "/partnerships?q=cybercrime%20training",
        "search, page 2": "",  # the first page's "Next" link, once the app serves
        "partnership": f"/partnerships/{to_global_id('Partnership', partnership)}",
        "partnership, asOf": f"/partnerships/{to_global_id('Partnership', partnership)}"
        "?asOf=2099-12-31",
        "region (World)": "/regions/001",
        "region (Africa)": "/regions/002",
        "case study": f"/case-studies/{to_global_id('CaseStudy', study)}",
        "organisation": f"/organisations/{to_global_id('Organisation', organisation)}",
    }


def next_page(http: TestClient) -> str:
    html = http.get("/partnerships").text
    start = html.index('rel="next"')
    href = html[:start].rsplit('href="', 1)[1].split('"', 1)[0]
    return href.replace("&amp;", "&")


# Pages with reads the portal remembers per position: measured again with its cache emptied
# before each request, as the first reader after every new event finds them.
COLD = ("home", "search", "search, region + practice area", "region (World)", "region (Africa)")


def timed(http: TestClient, path: str, count: int, *, cold: bool = False) -> list[float]:
    """Milliseconds per answer; every answer must be a 200 page."""
    cache: PositionCache = http.app.state.position_cache  # type: ignore[attr-defined]
    for _ in range(WARM_UP):
        http.get(path)
    times = []
    for _ in range(count):
        if cold:
            cache.clear()
        started = time.perf_counter()
        response = http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    return times


def run(options: Options) -> None:
    size = QUICK_SIZE if options.quick else FULL_SIZE
    count = QUICK_REQUESTS if options.quick else REQUESTS
    figures: dict[str, Figure] = {}
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    with seeded_database(size) as address:
        facts = machine_facts(address)
        settings = replace(Settings.from_env(), database_url=address.dsn(), run_projector=False)
        addresses = pages(address)
        console.print(
            f"[bold]portal[/bold] on {address!r}: {size:,} partnerships,"
            f" {event_count(address):,} events"
        )
        with TestClient(create_app(settings)) as http:
            addresses["search, page 2"] = next_page(http)
            for number in range(1, options.runs + 1):
                console.rule(f"run {number} of {options.runs}")
                record: dict[str, Any] = {"load_average_before": load_average()}
                measured = [(kind, path, False) for kind, path in addresses.items()]
                measured += [(f"{kind}, cold", addresses[kind], True) for kind in COLD]
                for kind, path, cold in measured:
                    times = timed(http, path, count, cold=cold)
                    figure = figures.setdefault(kind, _figure(kind))
                    figure.add(percentile(times, 50), p99=percentile(times, 99))
                    record[kind] = {"median_ms": figure.runs[-1], "p99_ms": figure.p99_runs[-1]}
                    console.log(f"{kind}: {figure.runs[-1]:.1f} ms median ({path})")
                record["load_average_after"] = load_average()
                runs.append(record)
    details = {
        "partnerships": size,
        "requests_per_page": count,
        "pages": addresses,
        "runs": runs,
        "seconds": round(time.perf_counter() - started, 1),
    }
    loads = ", ".join(str(r["load_average_before"]) for r in runs)
    caption = f"{details['seconds']:.0f} s in all; load average before each run: {loads}"
    subject = f"portal pages at {size:,} partnerships"
    report(PART, options, facts, list(figures.values()), details, caption, subject)


def _figure(kind: str) -> Figure:
    return Figure(PART, kind, "ms", Target(TARGET_MS, at_least=False))
