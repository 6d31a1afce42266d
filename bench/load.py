"""The load generator: concurrent GraphQL clients in a process of their own, loopback only.

Run through ``run_load`` in a spawned process, so that its CPU time is not the server's. It stops
by itself after ``requests`` mutations or ``seconds``, whichever comes first.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

LOG_ACTIVITY = (
    "mutation($input: LogActivityInput!) { logActivity(input: $input) {"
    " position activity { id } userErrors { code field message } } }"
)


@dataclass(frozen=True)
class LoadConfig:
    url: str  # http://127.0.0.1:PORT
    token: str
    partnership_ids: tuple[str, ...]  # one per client
    requests: int
    seconds: float
    warmup_per_client: int = 5


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)  # of the successful mutations
    elapsed_s: float = 0.0
    completed: int = 0
    user_errors: Counter[str] = field(default_factory=Counter)
    failures: int = 0  # HTTP status other than 200, or top-level GraphQL errors
    first_failure: str | None = None

    @property
    def version_conflicts(self) -> int:
        return self.user_errors["VERSION_CONFLICT"]


def run_load(config: LoadConfig) -> LoadResult:
    host = urlsplit(config.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the load generator only targets loopback, not {host}")
    return asyncio.run(_load(config))


class _Budget:
    """How many requests may still start, and until when."""

    def __init__(self, requests: int, seconds: float) -> None:
        self.left = requests
        self.deadline = time.monotonic() + seconds

    def take(self) -> bool:
        if self.left <= 0 or time.monotonic() >= self.deadline:
            return False
        self.left -= 1
        return True


async def _load(config: LoadConfig) -> LoadResult:
    result = LoadResult()
    clients = len(config.partnership_ids)
    barrier = asyncio.Barrier(clients + 1)
    budget = _Budget(config.requests, config.seconds)
    last_done = [0.0]
    tasks = [
        asyncio.create_task(_client(n, pid, config, barrier, budget, result, last_done))
        for n, pid in enumerate(config.partnership_ids)
    ]
    await barrier.wait()  # every client has warmed up: the clock starts now
    started = time.perf_counter()
    budget.deadline = time.monotonic() + config.seconds
    await asyncio.gather(*tasks)
    result.elapsed_s = max(last_done[0], started) - started
    return result


async def _client(
    number: int,
    partnership_id: str,
    config: LoadConfig,
    barrier: asyncio.Barrier,
    budget: _Budget,
    result: LoadResult,
    last_done: list[float],
) -> None:
    headers = {"Authorization": f"Bearer {config.token}"}
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        base_url=config.url, headers=headers, timeout=30.0, limits=limits
    ) as http:
        for sequence in range(config.warmup_per_client):
            await http.post("/graphql", json=_body(partnership_id, number, -1 - sequence))
        await barrier.wait()
        sequence = 0
        while budget.take():
            sequence += 1
            sent = time.perf_counter()
            try:
                response = await http.post("/graphql", json=_body(partnership_id, number, sequence))
            except httpx.HTTPError as error:
                result.failures += 1
                result.first_failure = result.first_failure or repr(error)
                continue
            done = time.perf_counter()
            last_done[0] = max(last_done[0], done)
            _tally(result, response, (done - sent) * 1000)


def _tally(result: LoadResult, response: httpx.Response, latency_ms: float) -> None:
    document: dict[str, Any] = response.json() if response.status_code == 200 else {}
    if "data" not in document or document.get("errors"):
        result.failures += 1
        if result.first_failure is None:
            result.first_failure = f"HTTP {response.status_code}: {response.text[:500]}"
        return
    errors = document["data"]["logActivity"]["userErrors"]
    if errors:
        result.user_errors.update(e["code"] for e in errors)
        return
    result.completed += 1
    result.latencies_ms.append(latency_ms)


def _body(partnership_id: str, client: int, sequence: int) -> dict[str, Any]:
    return {
        "query": LOG_ACTIVITY,
        "variables": {
            "input": {
                "partnershipId": partnership_id,
                "kind": "TRAINING",
                "practiceArea": "CAPACITY_BUILDING",
                "title": f"Digital evidence training {client}-{sequence}",
                "startDate": "2024-02-01",
                "countries": ["KE"],
                "targetGroups": ["LAW_ENFORCEMENT"],
                "participants": 20,
            }
        },
    }
