"""``GET /exports/iati/{code}.xml?position=N``: an M49 area's IATI 2.03 file over HTTP.

Served like the case-study exports (``entrypoints.web.downloads``): public, pinned to a log
position so the ETag is known before the file is built, built on a worker thread with its own
connection, at most ``CONCURRENT_EXPORTS`` at once, streamed into a temporary file and sent
from it a chunk at a time.
"""

from __future__ import annotations

import asyncio
import hashlib

import anyio
import anyio.to_thread
import asyncpg
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

import registry
from entrypoints.web.downloads import (
    CONCURRENT_EXPORTS,
    Refused,
    Spooled,
    asked_position,
    cache_headers,
    export_position,
    matches,
    spooled,
)
from projections.iati.codes import Publisher
from projections.iati.export import NoActivities, UnknownRegion, iati_stream
from registry import geography
from schema.export_urls import IATI_ROUTE

ROUTE = f"{IATI_ROUTE}/{{name}}"
MEDIA_TYPE = "application/xml"


def iati_etag(region: str, position: int, publisher: Publisher | None = None) -> str:
    """A strong validator: region, position, publisher and version give one content."""
    who = publisher or Publisher()
    scope = f"{who.ref}\n{who.name}\n{who.org_type}\n{who.practice_area_vocabulary_uri}"
    digest = hashlib.sha256(scope.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    return f'"iati-{region}-{position}-{registry.__version__}-{digest}"'


class IatiDownloads:
    """The route's endpoint, bound to the database it exports from."""

    def __init__(self, dsn: str, pool: asyncpg.Pool) -> None:
        self._dsn = dsn
        self._pool = pool
        self._limiter = anyio.CapacityLimiter(CONCURRENT_EXPORTS)

    async def __call__(self, request: Request) -> Response:
        try:
            region = _region(request.path_params["name"])
            asked = asked_position(request.query_params.get("position"))
            position = await export_position(self._pool, asked)
        except Refused as refused:
            return PlainTextResponse(str(refused) + "\n", status_code=refused.status)
        etag = iati_etag(region, position)
        headers = cache_headers(etag, pinned=asked is not None)
        if matches(request.headers.get("if-none-match"), etag):
            return Response(status_code=304, headers=headers)
        try:
            made = await anyio.to_thread.run_sync(
                self._build, region, position, limiter=self._limiter
            )
        except NoActivities as error:
            return PlainTextResponse(str(error) + "\n", status_code=404)
        headers["Content-Disposition"] = f'attachment; filename="{made.filename}"'
        return made.response(MEDIA_TYPE, headers)

    def _build(self, region: str, position: int) -> Spooled:
        return asyncio.run(self._export(region, position))

    async def _export(self, region: str, position: int) -> Spooled:
        connection = await asyncpg.connect(self._dsn)
        try:
            made = await iati_stream(connection, region, position)
            return await spooled(made.filename, made.chunks)
        finally:
            await connection.close()


def _region(name: str) -> str:
    region, dot, extension = name.rpartition(".")
    if not dot or extension != "xml":
        raise Refused(404, f"no IATI export named {name!r}: ask for CODE.xml")
    if geography.area(region) is None:
        raise Refused(404, str(UnknownRegion(region)))
    return region
