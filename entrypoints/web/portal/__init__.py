"""The public portal: server-rendered pages for people who browse rather than query.

Each page is a route of a few lines over the read-model queries GraphQL uses (no second read
path, no SQL here), rendered by a Jinja2 template with autoescaping; no JavaScript, and nothing
loaded from another origin, so the app's strict CSP holds. Ids in addresses are GraphQL's
global ids, so a link and a query name the same thing. ``GET`` routes answer ``HEAD`` alike.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from entrypoints.web.portal.documents import case_study, organisation
from entrypoints.web.portal.errors import NotFound, error_page
from entrypoints.web.portal.home import home
from entrypoints.web.portal.partnership import partnership
from entrypoints.web.portal.regions import region
from entrypoints.web.portal.rendering import STATIC, STATIC_ROUTE
from entrypoints.web.portal.search import partnerships

__all__ = ["not_found", "routes"]


async def favicon(_request: object) -> FileResponse:
    # Browsers ask for /favicon.ico whatever a page says; the HTML exports name no icon.
    return FileResponse(STATIC / "favicon.svg", media_type="image/svg+xml")


async def not_found(request: Request, _error: Exception) -> Response:
    """Any address no route answers, as the portal's 404 page (a mistyped link is a reader's
    mistake like any other)."""
    return error_page(request, NotFound("There is no page at this address."))


def routes() -> list[BaseRoute]:
    return [
        Route("/", home, methods=["GET"]),
        Route("/partnerships", partnerships, methods=["GET"]),
        Route("/partnerships/{id}", partnership, methods=["GET"]),
        Route("/regions/{code}", region, methods=["GET"]),
        Route("/case-studies/{id}", case_study, methods=["GET"]),
        Route("/organisations/{id}", organisation, methods=["GET"]),
        Route("/favicon.ico", favicon, methods=["GET"]),
        Mount(STATIC_ROUTE, app=StaticFiles(directory=STATIC), name="portal-static"),
    ]
