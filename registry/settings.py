"""Settings, read once from the environment: the only module that reads environment variables.

Each variable is declared once, in ``VARIABLES``, with its parser, its default and its meaning;
``Settings.from_env`` reads them and ``settings_table`` renders them for the README.
An empty value counts as unset, so that ``VAR=`` in a compose file means "use the default".
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

_LOG_LEVELS = ("CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})
_DIGITS = re.compile(r"[0-9]+")


class SettingsError(ValueError):
    """An environment variable holds a value the registry cannot use."""

    def __init__(self, variable: str, value: str, reason: str) -> None:
        super().__init__(f"{variable}={value!r}: {reason}")
        self.variable = variable


@dataclass(frozen=True)
class _Variable(Generic[T_co]):
    name: str
    parse: Callable[[str], T_co]  # raises ValueError with a reason
    default: Callable[[Mapping[str, str]], T_co]
    shown_default: str
    meaning: str

    def read(self, environ: Mapping[str, str]) -> T_co:
        raw = environ.get(self.name, "")
        if not raw.strip():
            return self.default(environ)
        try:
            return self.parse(raw.strip())
        except ValueError as error:
            raise SettingsError(self.name, raw, str(error)) from None


def _database_url(raw: str) -> str | None:
    if not raw.startswith(("postgresql://", "postgres://")):
        raise ValueError("expected a postgresql:// or postgres:// URL")
    return raw


def _path(raw: str) -> Path:
    return Path(raw).expanduser()


def _host(raw: str) -> str:
    if any(character.isspace() for character in raw):
        raise ValueError("expected a host name or an IP address")
    return raw


def _count(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        # Digits only: int() would also accept "+80", "8_000" and non-ASCII digits.
        if not _DIGITS.fullmatch(raw):
            raise ValueError("expected a whole number")
        number = int(raw)
        if not low <= number <= high:
            raise ValueError(f"expected a number from {low} to {high}")
        return number

    return parse


_port = _count(1, 65535)


def _flag(raw: str) -> bool:
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ValueError("expected true or false (also 1/0, yes/no, on/off)")


def _seconds(raw: str) -> float:
    seconds = float(raw)  # its ValueError names the bad text
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError("expected a positive number of seconds")
    return seconds


def _log_level(raw: str) -> str:
    if raw.upper() not in _LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(_LOG_LEVELS)}")
    return raw.upper()


def _default_data_dir(environ: Mapping[str, str]) -> Path:
    # XDG base directories: a relative XDG_DATA_HOME is invalid and must be ignored.
    xdg_data_home = environ.get("XDG_DATA_HOME", "")
    if xdg_data_home and Path(xdg_data_home).is_absolute():
        return Path(xdg_data_home) / "ppp-registry"
    home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
    return home / ".local" / "share" / "ppp-registry"


def _constant(value: T) -> Callable[[Mapping[str, str]], T]:
    return lambda _environ: value


DATABASE_URL = _Variable(
    "DATABASE_URL",
    _database_url,
    _constant(None),
    "(unset)",
    "PostgreSQL to use, as a postgresql:// URL; unset starts an embedded PostgreSQL",
)
DATA_DIR = _Variable(
    "PPP_DATA_DIR",
    _path,
    _default_data_dir,
    "$XDG_DATA_HOME/ppp-registry or ~/.local/share/ppp-registry",
    "where the embedded PostgreSQL keeps its data",
)
HOST = _Variable(
    "PPP_HOST", _host, _constant("127.0.0.1"), "127.0.0.1", "address `serve` listens on"
)
PORT = _Variable("PPP_PORT", _port, _constant(8000), "8000", "port `serve` listens on")
WRITE_THREADS = _Variable(
    "PPP_WRITE_THREADS",
    _count(1, 1024),
    _constant(8),
    "8",
    "worker threads that run the (synchronous) write side",
)
GROUP_COMMIT = _Variable(
    "PPP_GROUP_COMMIT",
    _flag,
    _constant(True),
    "true",
    "whether the API's concurrent writes are saved together, one transaction a group",
)
MAX_BODY_BYTES = _Variable(
    "PPP_MAX_BODY_BYTES",
    _count(1, 2**40),
    _constant(1_048_576),
    "1048576",
    "largest HTTP request body accepted, in bytes",
)
RUN_PROJECTOR = _Variable(
    "PPP_RUN_PROJECTOR",
    _flag,
    _constant(True),
    "true",
    "whether `serve` also runs the projector in its own process",
)
CONSISTENCY_TIMEOUT = _Variable(
    "PPP_CONSISTENCY_TIMEOUT",
    _seconds,
    _constant(2.0),
    "2.0",
    "seconds a `Registry-Consistent-With` request waits for the read model at most",
)
LOG_LEVEL = _Variable(
    "PPP_LOG_LEVEL",
    _log_level,
    _constant("INFO"),
    "INFO",
    f"logging level: {', '.join(_LOG_LEVELS)}",
)


def _origins(raw: str) -> tuple[str, ...]:
    origins = tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())
    for origin in origins:
        if origin != "*" and not origin.startswith(("http://", "https://")):
            raise ValueError(f"expected origins like https://portal.example.org, not {origin!r}")
    return origins


ALLOWED_ORIGINS = _Variable(
    "PPP_ALLOWED_ORIGINS",
    _origins,
    _constant(()),
    "(none)",
    "other web origins whose pages may open subscriptions (comma-separated; same-origin and"
    " non-browser clients are always allowed)",
)
MAX_SUBSCRIPTIONS = _Variable(
    "PPP_MAX_SUBSCRIPTIONS",
    _count(1, 10_000),
    _constant(10),
    "10",
    "subscriptions one WebSocket connection may hold at once",
)
TIME_TRAVEL_THREADS = _Variable(
    "PPP_TIME_TRAVEL_THREADS",
    _count(1, 256),
    _constant(2),
    "2",
    "worker threads (and connections) for time-travel reads (`asOf`), apart from the writes'",
)
TIME_TRAVEL_PER_CLIENT = _Variable(
    "PPP_TIME_TRAVEL_PER_CLIENT",
    _count(1, 1024),
    _constant(2),
    "2",
    "time-travel reads one client address may have in flight at once",
)
TIME_TRAVEL_MAX_EVENTS = _Variable(
    "PPP_TIME_TRAVEL_MAX_EVENTS",
    _count(1, 10_000_000),
    _constant(2_000),
    "2000",
    "events one time-travel read may replay (from the nearest snapshot)",
)
SNAPSHOT_INTERVAL = _Variable(
    "PPP_SNAPSHOT_INTERVAL",
    _count(1, 1_000_000),
    _constant(100),
    "100",
    "a partnership's state is kept as a snapshot every this many events, for time travel",
)
COMPILED_READS = _Variable(
    "PPP_COMPILED_READS",
    _flag,
    _constant(True),
    "true",
    "whether query operations the compiler covers run as one SQL statement (else resolvers)",
)
# Hostile requests (README "Limits"): the response cache's memory, a response's size and a
# query's time, whatever the document.
RESPONSE_CACHE_BYTES = _Variable(
    "PPP_RESPONSE_CACHE_BYTES",
    _count(0, 2**40),
    _constant(67_108_864),
    "67108864",
    "memory the response cache may hold, in bytes (least recently used entries go first;"
    " 0 turns it off)",
)
MAX_RESPONSE_BYTES = _Variable(
    "PPP_MAX_RESPONSE_BYTES",
    _count(1_024, 2**40),
    _constant(8_388_608),
    "8388608",
    "largest GraphQL response sent, in bytes; a larger one is replaced by a RESPONSE_TOO_LARGE"
    " error",
)
QUERY_DEADLINE = _Variable(
    "PPP_QUERY_DEADLINE",
    _seconds,
    _constant(10.0),
    "10.0",
    "seconds a GraphQL query may run before it is stopped with a DEADLINE_EXCEEDED error",
)
MAX_WEBSOCKETS = _Variable(
    "PPP_MAX_WEBSOCKETS",
    _count(1, 1_000_000),
    _constant(1_000),
    "1000",
    "WebSocket connections open at once; more are closed with code 1013 (try again later)",
)
MAX_WEBSOCKETS_PER_CLIENT = _Variable(
    "PPP_MAX_WEBSOCKETS_PER_CLIENT",
    _count(1, 1_000_000),
    _constant(16),
    "16",
    "WebSocket connections one client address may hold open at once (closed with 1013 beyond)",
)
HEADER_TIMEOUT = _Variable(
    "PPP_HEADER_TIMEOUT",
    _seconds,
    _constant(10.0),
    "10.0",
    "seconds `serve` waits for a request's headers, from its first byte (408 and closed after)",
)
BODY_TIMEOUT = _Variable(
    "PPP_BODY_TIMEOUT",
    _seconds,
    _constant(30.0),
    "30.0",
    "seconds a request's body may take to arrive (408 after)",
)

VARIABLES: tuple[_Variable[object], ...] = (
    DATABASE_URL,
    DATA_DIR,
    HOST,
    PORT,
    WRITE_THREADS,
    GROUP_COMMIT,
    MAX_BODY_BYTES,
    RUN_PROJECTOR,
    CONSISTENCY_TIMEOUT,
    LOG_LEVEL,
    ALLOWED_ORIGINS,
    MAX_SUBSCRIPTIONS,
    TIME_TRAVEL_THREADS,
    TIME_TRAVEL_PER_CLIENT,
    TIME_TRAVEL_MAX_EVENTS,
    SNAPSHOT_INTERVAL,
    COMPILED_READS,
    RESPONSE_CACHE_BYTES,
    MAX_RESPONSE_BYTES,
    QUERY_DEADLINE,
    MAX_WEBSOCKETS,
    MAX_WEBSOCKETS_PER_CLIENT,
    HEADER_TIMEOUT,
    BODY_TIMEOUT,
)


@dataclass(frozen=True)
class Settings:
    # The URL may carry a password: keep it out of logs and tracebacks.
    database_url: str | None = field(repr=False)
    data_dir: Path
    host: str
    port: int
    write_threads: int
    group_commit: bool
    max_body_bytes: int
    run_projector: bool
    consistency_timeout: float
    log_level: str
    allowed_origins: tuple[str, ...] = ()
    max_subscriptions: int = 10
    time_travel_threads: int = 2
    time_travel_per_client: int = 2
    time_travel_max_events: int = 2_000
    snapshot_interval: int = 100
    compiled_reads: bool = True
    response_cache_bytes: int = 67_108_864
    max_response_bytes: int = 8_388_608
    query_deadline: float = 10.0
    max_websockets: int = 1_000
    max_websockets_per_client: int = 16
    header_timeout: float = 10.0
    body_timeout: float = 30.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=DATABASE_URL.read(env),
            data_dir=DATA_DIR.read(env),
            host=HOST.read(env),
            port=PORT.read(env),
            write_threads=WRITE_THREADS.read(env),
            group_commit=GROUP_COMMIT.read(env),
            max_body_bytes=MAX_BODY_BYTES.read(env),
            run_projector=RUN_PROJECTOR.read(env),
            consistency_timeout=CONSISTENCY_TIMEOUT.read(env),
            log_level=LOG_LEVEL.read(env),
            allowed_origins=ALLOWED_ORIGINS.read(env),
            max_subscriptions=MAX_SUBSCRIPTIONS.read(env),
            time_travel_threads=TIME_TRAVEL_THREADS.read(env),
            time_travel_per_client=TIME_TRAVEL_PER_CLIENT.read(env),
            time_travel_max_events=TIME_TRAVEL_MAX_EVENTS.read(env),
            snapshot_interval=SNAPSHOT_INTERVAL.read(env),
            compiled_reads=COMPILED_READS.read(env),
            response_cache_bytes=RESPONSE_CACHE_BYTES.read(env),
            max_response_bytes=MAX_RESPONSE_BYTES.read(env),
            query_deadline=QUERY_DEADLINE.read(env),
            max_websockets=MAX_WEBSOCKETS.read(env),
            max_websockets_per_client=MAX_WEBSOCKETS_PER_CLIENT.read(env),
            header_timeout=HEADER_TIMEOUT.read(env),
            body_timeout=BODY_TIMEOUT.read(env),
        )


def settings_table() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting, in the order of ``Settings``' fields."""
    return [(variable.name, variable.shown_default, variable.meaning) for variable in VARIABLES]
