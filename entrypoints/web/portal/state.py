"""What a view reads from the app: the services it opened, and the portal's facet cache."""

from __future__ import annotations

from starlette.requests import Request

from entrypoints.bootstrap import Services
from entrypoints.web.portal.facet_cache import FacetCache


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def facet_cache(request: Request) -> FacetCache:
    found: FacetCache = request.app.state.facet_cache
    return found
