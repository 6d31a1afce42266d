"""Hostile requests and outages (part ``hardening``): what an attacker's request costs the API.

The API serves a clone of the projected demo dataset from a uvicorn subprocess
(``bench.server``), as ``ppp-registry serve`` runs. Figures, each the median over the runs:

- **bombs refused**: the requests of the hardening issue's findings 1, 3 and 11, each sent cold
  (a comment differs per send, so no cache of parse, validation or response ever hits); the
  figure is the client's round trip to the refusal, whose code is checked. Target: 50 ms.
  Baseline: ``{ __typename }`` sent the same way, in the same run.
- **/healthz while bombs land**: its p99 while another client sends the 40-level fragment bomb
  back to back (the issue's finding 1 held the server at 100% CPU for minutes).
- **peak memory**: the API process's resident peak (``VmHWM``) and its resident size after the
  response cache expires, under the heaviest accepted queries (pages of 5 partnerships with
  every list, which is what the cost limit lets through; every region with its case studies;
  full introspection: ``HEAVY_PAGES`` different pages of each), beside its idle size.
- **recovery**: ``bench.recovery``: the database killed under writes, and acknowledged writes
  lost (must be 0).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import recovery
from bench.common import Figure, Options, Target, console, load_average, machine_facts, report
from bench.dataset import seeded_database
from bench.server import serving
from schema.response_cache import TTL

PART = "hardening"
REFUSAL_TARGET_MS = 50.0
SENDS = 5  # cold sends of each bomb per run
HEAVY_PAGES = 30


@dataclass(frozen=True)
class Sizes:
    partnerships: int
    healthz_seconds: float
    recovery: bool


FULL = Sizes(partnerships=2_000, healthz_seconds=5.0, recovery=True)
QUICK = Sizes(partnerships=300, healthz_seconds=1.0, recovery=True)


def fan_out(levels: int) -> str:
    fragments = [
        f"fragment F{n} on Partnership {{ a: partners {{ role }} ...F{n + 1} ...F{n + 1} }}"
        for n in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Partnership {{ title }}")
    return "{ partnerships(first: 1) { edges { node { ...F0 } } } } " + " ".join(fragments)


REGIONS_BOMB = (
    "{ "
    + " ".join(
        f"r{n}: regions {{ area {{ code name }} caseStudies(first: 100) {{ edges {{ node {{"
        " id title evidenceScore regions { code name } citations { position } } } } }"
        for n in range(20)
    )
    + " }"
)

BOMBS: dict[str, tuple[str, str]] = {
    "fragment fan-out, 18 levels": (fan_out(18), "QUERY_TOO_COSTLY"),
    "fragment fan-out, 40 levels": (fan_out(40), "QUERY_TOO_COSTLY"),
    "6,000 tokens": (
        "{ " + " ".join(f"a{n}: __typename" for n in range(2_000)) + " }",
        "TOO_MANY_TOKENS",
    ),
    "1,000 repeated fields": ("{ " + "__typename " * 1_000 + "}", "TOO_MANY_REPEATS"),
    "1,000 __typename aliases": (
        "{ " + " ".join(f"a{n}: __typename" for n in range(1_000)) + " }",
        "TOO_MANY_ALIASES",
    ),
    "20 aliases of regions' case studies": (REGIONS_BOMB, "QUERY_TOO_COSTLY"),
}
EVERY_LIST = (
    "query($after: String) { partnerships(first: 5, after: $after) {"
    " pageInfo { endCursor } edges { node { id title summary objectives status"
    " countries { code name } regions { code name }"
    " partners { role since until confirmed organisation { id name country { code } } }"
    " activities { id kind title description participants evidenceUrls countries { code } }"
    " outcomes { id indicator unit baseline target actual verification evidenceUrls }"
    " lessons { kind text } } } } }"
)
REGIONS_WITH_CASES = (
    "query($n: Int) { regions { area { code name } partnershipCount peopleTrained"
    " caseStudies(first: $n) { edges { node { id title evidenceScore } } } } }"
)
INTROSPECTION = (
    "query Full%d { __schema { types { name description fields { name description"
    " args { name description } } enumValues { name description } } } }"
)


def run(options: Options) -> None:
    sizes = QUICK if options.quick else FULL
    started = time.perf_counter()
    figures = _Figures()
    details: dict[str, Any] = {"runs": []}
    with (
        seeded_database(sizes.partnerships) as address,
        serving("bench.server:app", address.dsn()) as running,
        httpx.Client(base_url=running.url, timeout=60) as client,
    ):
        facts = machine_facts(address)
        console.print(f"[bold]hardening[/bold]: {running.url}, {sizes.partnerships} partnerships")
        idle_kib = _memory_kib(running.pid, "VmRSS")
        for number in range(1, options.runs + 1):
            console.rule(f"hardening: run {number} of {options.runs}")
            load_before = load_average()
            baseline = _cold_ms(client, "{ __typename }", None, f"{number}")
            for name, (document, code) in BOMBS.items():
                figures.bomb(name).add(
                    _cold_ms(client, document, code, f"{number}"), baseline=baseline
                )
            healthz = _healthz_under_bombs(running.url, sizes.healthz_seconds)
            figures.healthz.add(healthz["p50"], p99=healthz["p99"])
            details["runs"].append({"healthz_ms": healthz, "load_average_before": load_before})
        _heavy_load(client)
        peak_kib = _memory_kib(running.pid, "VmHWM")
        time.sleep(2 * TTL + 0.5)  # the cache's entries expire and its sweep returns the memory
        after_kib = _memory_kib(running.pid, "VmRSS")
    figures.peak.add(peak_kib / 1024, baseline=idle_kib / 1024)
    figures.after.add(after_kib / 1024, baseline=idle_kib / 1024)
    all_figures = figures.all()
    if sizes.recovery:
        all_figures += recovery.figures(options)
    details["seconds"] = round(time.perf_counter() - started, 1)
    caption = (
        f"{sizes.partnerships} partnerships; each bomb sent cold {SENDS} times a run;"
        f" memory after {HEAVY_PAGES} pages of each heavy query; load average"
        f" {load_average()}; {details['seconds']:.0f} s in all"
    )
    report(PART, options, facts, all_figures, details, caption)


class _Figures:
    def __init__(self) -> None:
        self.bombs: dict[str, Figure] = {}
        self.healthz = Figure(PART, "/healthz while 40-level bombs land, p50", "ms")
        self.peak = Figure(PART, "API resident peak, heaviest accepted load", "MiB", None, "idle")
        self.after = Figure(PART, "API resident after cache expiry", "MiB", None, "idle")

    def bomb(self, name: str) -> Figure:
        if name not in self.bombs:
            target = Target(REFUSAL_TARGET_MS, at_least=False)
            self.bombs[name] = Figure(PART, f"refused: {name}", "ms", target, "{ __typename }")
        return self.bombs[name]

    def all(self) -> list[Figure]:
        return [*self.bombs.values(), self.healthz, self.peak, self.after]


def _cold_ms(client: httpx.Client, document: str, code: str | None, salt: str) -> float:
    """The median round trip of ``SENDS`` sends, each a text never sent before."""
    times = []
    for send in range(SENDS):
        body = {"query": f"{document}\n# {salt}-{send}-{time.monotonic_ns()}"}
        began = time.perf_counter()
        response = client.post("/graphql", json=body)
        times.append((time.perf_counter() - began) * 1000)
        answer = response.json()
        if code is None:
            assert "errors" not in answer, answer
        else:
            codes = [e.get("extensions", {}).get("code", "") for e in answer.get("errors", [])]
            assert answer.get("data") is None and codes, answer
            assert not code or code in codes, (code, codes)
    return sorted(times)[len(times) // 2]


def _healthz_under_bombs(url: str, seconds: float) -> dict[str, float]:
    stop = threading.Event()
    bomb = fan_out(40)

    def attack() -> None:
        with httpx.Client(base_url=url, timeout=60) as attacker:
            while not stop.is_set():
                attacker.post("/graphql", json={"query": f"{bomb}\n# {time.monotonic_ns()}"})

    attacker = threading.Thread(target=attack, daemon=True)
    attacker.start()
    times: list[float] = []
    try:
        with httpx.Client(base_url=url, timeout=60) as probe:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                began = time.perf_counter()
                probe.get("/healthz").raise_for_status()
                times.append((time.perf_counter() - began) * 1000)
                time.sleep(0.01)
    finally:
        stop.set()
        attacker.join(timeout=30)
    times.sort()
    return {
        "p50": times[len(times) // 2],
        "p99": times[min(len(times) - 1, len(times) * 99 // 100)],
    }


def _heavy_load(client: httpx.Client) -> None:
    """The heaviest queries the limits accept, ``HEAVY_PAGES`` different ones of each."""
    after: str | None = None
    senders: list[Callable[[int], dict[str, Any]]] = [
        lambda n: {"query": REGIONS_WITH_CASES, "variables": {"n": 1 + n % 20}},
        lambda n: {"query": INTROSPECTION % n},
    ]
    for page in range(HEAVY_PAGES):
        answer = client.post("/graphql", json={"query": EVERY_LIST, "variables": {"after": after}})
        data = answer.json()
        assert "errors" not in data, data
        after = data["data"]["partnerships"]["pageInfo"]["endCursor"]
        for sender in senders:
            assert "errors" not in client.post("/graphql", json=sender(page)).json()


def _memory_kib(pid: int, field: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return float(line.split()[1])
    raise LookupError(f"{field} not in /proc/{pid}/status")
