"""``GET /exports/case-studies/{code}.{ext}?position=N``: a region's case-study export over HTTP.

The HTML export opens in the browser (``Content-Disposition: inline``); ``?download=1`` saves
it, as every other format is saved.

Reads are public, as in GraphQL. The export is made at ``position`` (the read model's head when
absent), so its ETag is known before it is built and a matching ``If-None-Match`` costs one read
of the tracking row. Building runs on a worker thread with its own connection: a large export
folds and renders for a second or more, which must not stall the event loop, and a limiter
bounds how many run at once. The export streams into a temporary file (in memory up to
``SPOOL_IN_MEMORY``), which is then sent a chunk at a time with its length: a large export is
never held whole, and one that fails is still a clean error response.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import IO

import anyio
import anyio.to_thread
import asyncpg
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse

import registry
from projections.case_studies import PositionBeyondHead, UnknownRegion, resolve_position
from projections.exports import Format, export_stream, format_of_extension
from registry import geography
from schema.export_urls import EXPORT_ROUTE
from schema.positions import BadPosition, parse_position

ROUTE = f"{EXPORT_ROUTE}/{{name}}"
CONCURRENT_EXPORTS = 2

MEDIA_TYPES: Mapping[Format, str] = {
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "csv": "text/csv; charset=utf-8; header=present",
    "json": "application/json",
}

# The HTML export inlines its styles and fetches nothing; the header repeats its own meta tag
# for browsers that open it from this route.
_HTML_POLICY = "default-src 'none'; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Wanted:
    region: str
    format: Format
    position: int | None
    save: bool = False  # ?download=1: as an attachment, even the HTML export


class Refused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Downloads:
    """The route's endpoint, bound to the database it exports from."""

    def __init__(self, dsn: str, pool: asyncpg.Pool) -> None:
        self._dsn = dsn
        self._pool = pool
        self._limiter = anyio.CapacityLimiter(CONCURRENT_EXPORTS)  # needs the running loop

    async def __call__(self, request: Request) -> Response:
        try:
            wanted = _wanted(request)
            position = await export_position(self._pool, wanted.position)
        except Refused as refused:
            return PlainTextResponse(str(refused) + "\n", status_code=refused.status)
        etag = export_etag(wanted.region, wanted.format, position)
        headers = cache_headers(etag, pinned=wanted.position is not None)
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        made = await anyio.to_thread.run_sync(
            self._build, wanted.region, wanted.format, position, limiter=self._limiter
        )
        # The HTML export is a page to read: it opens in the browser unless asked to be saved.
        disposition = "inline" if wanted.format == "html" and not wanted.save else "attachment"
        headers["Content-Disposition"] = f'{disposition}; filename="{made.filename}"'
        if wanted.format == "html":
            headers["Content-Security-Policy"] = _HTML_POLICY
        return made.response(MEDIA_TYPES[wanted.format], headers)

    def _build(self, region: str, fmt: Format, position: int) -> Spooled:
        return asyncio.run(self._export(region, fmt, position))

    async def _export(self, region: str, fmt: Format, position: int) -> Spooled:
        connection = await asyncpg.connect(self._dsn)
        try:
            made = await export_stream(connection, region, fmt, position)
            return await spooled(made.filename, made.chunks)
        finally:
            await connection.close()


# An export at or under this size stays in memory while it is sent; a larger one is spooled to
# a temporary file, so a download of the world holds a chunk of it at a time, not all of it.
SPOOL_IN_MEMORY = 1 << 20
SEND_CHUNK = 1 << 16


@dataclass
class Spooled:
    """An export written whole (so a failure is still an error response, not a cut-off body)
    into a temporary file, and sent from there a chunk at a time."""

    file: IO[bytes]
    size: int
    filename: str

    def response(self, media_type: str, headers: dict[str, str]) -> Response:
        headers["Content-Length"] = str(self.size)
        return StreamingResponse(self._chunks(), media_type=media_type, headers=headers)

    async def _chunks(self) -> AsyncIterator[bytes]:
        try:
            while piece := await anyio.to_thread.run_sync(self.file.read, SEND_CHUNK):
                yield piece
        finally:
            self.file.close()


async def spooled(filename: str, chunks: AsyncIterator[bytes]) -> Spooled:
    """The export's pieces written into a temporary file (removed once it is closed)."""
    file: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115
    try:
        size = 0
        async for piece in chunks:
            file.write(piece)
            size += len(piece)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    return Spooled(file, size, filename)


def export_etag(region: str, fmt: Format, position: int) -> str:
    """A strong validator: one region, format, position and version give one content, so a
    download can be answered 304 before the export is built."""
    return f'"{region}-{position}-{fmt}-{registry.__version__}"'


def _wanted(request: Request) -> Wanted:
    name: str = request.path_params["name"]
    region, dot, extension = name.rpartition(".")
    if not dot:
        raise Refused(404, f"no export named {name!r}: ask for CODE.md, .html, .csv or .json")
    try:
        fmt = format_of_extension(extension)
    except ValueError as error:
        raise Refused(404, str(error)) from None
    if geography.area(region) is None:
        raise Refused(404, str(UnknownRegion(region)))
    position = asked_position(request.query_params.get("position"))
    return Wanted(region, fmt, position, asked_download(request.query_params.get("download")))


def asked_download(text: str | None) -> bool:
    if text is None:
        return False
    if text not in ("0", "1"):
        raise Refused(400, f"download: expected 1 (save the file) or 0, not {text[:40]!r}")
    return text == "1"


def asked_position(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        return parse_position(text, "position")
    except BadPosition as error:
        raise Refused(400, str(error)) from None


async def export_position(pool: asyncpg.Pool, asked: int | None) -> int:
    try:
        return await resolve_position(pool, asked)
    except PositionBeyondHead as error:
        raise Refused(400, str(error)) from None


def cache_headers(etag: str, *, pinned: bool) -> dict[str, str]:
    # A pinned position never changes its bytes (for one version, which the ETag names); the
    # head moves with every event, so a cache must ask again, with If-None-Match.
    cache = "public, max-age=86400" if pinned else "no-cache"
    return {"ETag": etag, "Cache-Control": cache, "X-Content-Type-Options": "nosniff"}


def matches(if_none_match: str | None, etag: str) -> bool:
    """RFC 9110's weak comparison: any listed tag, with or without ``W/``, or ``*``."""
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags
