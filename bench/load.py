"""The load generator: concurrent GraphQL clients in a process of their own, loopback only.

Run through ``run_load`` in a spawned process, so that its CPU time is not the server's. It stops
by itself after ``requests`` requests or ``seconds``, whichever comes first.

What the clients send is a ``Workload``: ``LogActivities`` (the writes part's mutations, one
partnership per client), ``SameQuery`` (one document and its variables, again and again) or
``RegionWalk`` (a page of each region after the other, following each page's end cursor) or
``Cycle`` (a list of variable sets, each client from its own place in it). Each
client holds one keep-alive connection and speaks HTTP/1.1 itself (``_Connection``): httpx costs
about 1.5 ms of CPU a request, which on two cores would cap a read benchmark near 600 requests
a second in the generator rather than in the server.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

LOG_ACTIVITY = (
    "mutation($input: LogActivityInput!) { logActivity(input: $input) {"
    " position activity { id } userErrors { code field message } } }"
)


# ---------------------------------------------------------------------- workloads
class Script(Protocol):
    """One client's requests: the next body, then what its response meant."""

    def body(self, sequence: int) -> dict[str, Any]: ...

    def outcome(self, data: dict[str, Any]) -> list[str]:
        """The userError codes of a response's ``data`` (none: a success); may move on state."""
        ...


class Workload(Protocol):
    clients: int

    def script(self, client: int) -> Script: ...


@dataclass(frozen=True)
class LogActivities:
    """``logActivity`` mutations, each client on a partnership of its own."""

    partnership_ids: tuple[str, ...]

    @property
    def clients(self) -> int:
        return len(self.partnership_ids)

    def script(self, client: int) -> Script:
        return _LogActivityScript(self.partnership_ids[client], client)


@dataclass
class _LogActivityScript:
    partnership_id: str
    client: int

    def body(self, sequence: int) -> dict[str, Any]:
        return {
            "query": LOG_ACTIVITY,
            "variables": {
                "input": {
                    "partnershipId": self.partnership_id,
                    "kind": "TRAINING",
                    "practiceArea": "CAPACITY_BUILDING",
                    "title": f"Digital evidence training {self.client}-{sequence}",
                    "startDate": "2024-02-01",
                    "countries": ["KE"],
                    "targetGroups": ["LAW_ENFORCEMENT"],
                    "participants": 20,
                }
            },
        }

    def outcome(self, data: dict[str, Any]) -> list[str]:
        return [e["code"] for e in data["logActivity"]["userErrors"]]


@dataclass(frozen=True)
class SameQuery:
    """Every client sends the same document and variables: the read model does not change."""

    document: str
    variables: dict[str, Any]
    clients: int

    def script(self, client: int) -> Script:
        return _SameScript({"query": self.document, "variables": self.variables})


@dataclass
class _SameScript:
    request: dict[str, Any]

    def body(self, sequence: int) -> dict[str, Any]:
        return self.request

    def outcome(self, data: dict[str, Any]) -> list[str]:
        return []


@dataclass(frozen=True)
class RegionWalk:
    """Pages of one region after another, each client from its own place in the list.

    A client asks for the first page of a region, follows ``endCursor`` for up to ``pages``
    pages (or until the region ends), then goes on to the next region. ``document`` takes the
    variables ``$region`` and ``$after`` and selects ``partnerships { pageInfo { hasNextPage
    endCursor } }``. Each request also carries a variable the document does not declare,
    ``walk`` (client and sequence number): GraphQL ignores it, but it is part of the response
    cache's key, so no request is answered from the cache, however few pages a small dataset
    has.
    """

    document: str
    regions: tuple[str, ...]
    pages: int
    clients: int
    # The connection's field in ``data``: ``partnerships``, ``caseStudies``...
    root: str = "partnerships"

    def script(self, client: int) -> Script:
        start = client * len(self.regions) // self.clients
        return _WalkScript(self.document, self.regions, self.pages, client, start, self.root)


@dataclass
class _WalkScript:
    document: str
    regions: tuple[str, ...]
    pages: int
    client: int
    region: int
    root: str
    page: int = 0
    after: str | None = None

    def body(self, sequence: int) -> dict[str, Any]:
        region = self.regions[self.region % len(self.regions)]
        walk = f"{self.client}-{sequence}"
        variables = {"region": region, "after": self.after, "walk": walk}
        return {"query": self.document, "variables": variables}

    def outcome(self, data: dict[str, Any]) -> list[str]:
        info = data[self.root]["pageInfo"]
        self.page += 1
        if info["hasNextPage"] and self.page < self.pages:
            self.after = info["endCursor"]
        else:
            self.region, self.page, self.after = self.region + 1, 0, None
        return []


@dataclass(frozen=True)
class Cycle:
    """One document over a list of variable sets, each client from its own place in the list.

    Like ``RegionWalk``, each request carries ``walk`` (client and sequence number), a variable
    the document does not declare, so that our response cache never answers one: a list of one
    variable set is a cold load of the same question.
    """

    document: str
    variables: tuple[dict[str, Any], ...]
    clients: int

    def script(self, client: int) -> Script:
        start = client * len(self.variables) // self.clients
        return _CycleScript(self.document, self.variables, client, start)


@dataclass
class _CycleScript:
    document: str
    variables: tuple[dict[str, Any], ...]
    client: int
    at: int

    def body(self, sequence: int) -> dict[str, Any]:
        chosen = self.variables[self.at % len(self.variables)]
        self.at += 1
        variables = chosen | {"walk": f"{self.client}-{sequence}"}
        return {"query": self.document, "variables": variables}

    def outcome(self, data: dict[str, Any]) -> list[str]:
        return []


# ---------------------------------------------------------------------- configuration
@dataclass(frozen=True)
class LoadPlan:
    url: str  # http://127.0.0.1:PORT
    workload: LogActivities | SameQuery | RegionWalk | Cycle
    requests: int
    seconds: float
    token: str | None = None
    warmup_per_client: int = 5
    path: str = "/graphql"


@dataclass(frozen=True)
class LoadConfig:
    """The writes part's load: ``logActivity``, one client per partnership."""

    url: str  # http://127.0.0.1:PORT
    token: str
    partnership_ids: tuple[str, ...]  # one per client
    requests: int
    seconds: float
    warmup_per_client: int = 5

    def plan(self) -> LoadPlan:
        workload = LogActivities(self.partnership_ids)
        return LoadPlan(
            self.url, workload, self.requests, self.seconds, self.token, self.warmup_per_client
        )


@dataclass
class LoadResult:
    latencies_ms: list[float] = field(default_factory=list)  # of the successful requests
    elapsed_s: float = 0.0
    completed: int = 0
    user_errors: Counter[str] = field(default_factory=Counter)
    failures: int = 0  # HTTP status other than 200, or top-level GraphQL errors
    first_failure: str | None = None
    response_bytes: int = 0  # of the successful responses' bodies

    @property
    def version_conflicts(self) -> int:
        return self.user_errors["VERSION_CONFLICT"]

    @property
    def per_second(self) -> float:
        return self.completed / self.elapsed_s if self.elapsed_s else 0.0


def run_load(config: LoadConfig | LoadPlan) -> LoadResult:
    plan = config.plan() if isinstance(config, LoadConfig) else config
    host = urlsplit(plan.url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the load generator only targets loopback, not {host}")
    return asyncio.run(_load(plan))


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


async def _load(plan: LoadPlan) -> LoadResult:
    result = LoadResult()
    clients = plan.workload.clients
    barrier = asyncio.Barrier(clients + 1)
    budget = _Budget(plan.requests, plan.seconds)
    last_done = [0.0]
    tasks = [
        asyncio.create_task(
            _client(plan.workload.script(n), plan, barrier, budget, result, last_done)
        )
        for n in range(clients)
    ]
    await barrier.wait()  # every client has warmed up: the clock starts now
    started = time.perf_counter()
    budget.deadline = time.monotonic() + plan.seconds
    await asyncio.gather(*tasks)
    result.elapsed_s = max(last_done[0], started) - started
    return result


async def _client(
    script: Script,
    plan: LoadPlan,
    barrier: asyncio.Barrier,
    budget: _Budget,
    result: LoadResult,
    last_done: list[float],
) -> None:
    split = urlsplit(plan.url)
    assert split.hostname is not None and split.port is not None
    headers = {"Authorization": f"Bearer {plan.token}"} if plan.token else {}
    connection = await _Connection.open(split.hostname, split.port, plan.path, headers)
    try:
        # Warm-up requests take the same path as measured ones (a walk moves on), uncounted.
        for sequence in range(plan.warmup_per_client):
            status, body = await connection.post(script.body(-1 - sequence))
            _tally(LoadResult(), script, status, body, 0.0)
        await barrier.wait()
        # A connection that waited at the barrier longer than the server's keep-alive timeout
        # (5 s for uvicorn and node) is closed by the server: start the clock on a fresh one.
        connection.close()
        connection = await _Connection.open(split.hostname, split.port, plan.path, headers)
        sequence = 0
        while budget.take():
            sequence += 1
            sent = time.perf_counter()
            try:
                status, body = await connection.post(script.body(sequence))
            except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                result.failures += 1
                result.first_failure = result.first_failure or repr(error)
                connection.close()
                connection = await _Connection.open(split.hostname, split.port, plan.path, headers)
                continue
            done = time.perf_counter()
            last_done[0] = max(last_done[0], done)
            _tally(result, script, status, body, (done - sent) * 1000)
    finally:
        connection.close()


def _tally(result: LoadResult, script: Script, status: int, body: bytes, latency_ms: float) -> None:
    try:
        document: dict[str, Any] = json.loads(body) if status == 200 else {}
    except ValueError:
        document = {}
    if not isinstance(document.get("data"), dict) or document.get("errors"):
        result.failures += 1
        if result.first_failure is None:
            result.first_failure = f"HTTP {status}: {body[:500].decode(errors='replace')}"
        return
    errors = script.outcome(document["data"])
    if errors:
        result.user_errors.update(errors)
        return
    result.completed += 1
    result.response_bytes += len(body)
    result.latencies_ms.append(latency_ms)


# ---------------------------------------------------------------------- HTTP/1.1
class _Connection:
    """A keep-alive HTTP/1.1 connection that POSTs JSON and reads Content-Length bodies.

    Enough for uvicorn's responses to our own two apps, which always carry Content-Length.
    """

    def __init__(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes
    ) -> None:
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, host: str, port: int, path: str, headers: dict[str, str]) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return cls(reader, writer, ("\r\n".join(lines) + "\r\nContent-Length: ").encode())

    async def post(self, body: dict[str, Any]) -> tuple[int, bytes]:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.writer.write(self.head + str(len(data)).encode() + b"\r\n\r\n" + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status, length = _parse_head(head.split(b"\r\n"))
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


def _parse_head(lines: Sequence[bytes]) -> tuple[int, int]:
    status = int(lines[0].split(b" ", 2)[1])
    for line in lines[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, int(value)
    raise ValueError(f"a response without Content-Length: {lines[0]!r}")
