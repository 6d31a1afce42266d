"""What a view reads from the app: the services it opened, and the portal's position cache."""

from __future__ import annotations

from starlette.requests import Request

from entrypoints.bootstrap import Services
from entrypoints.web.portal.position_cache import PositionCache


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


def remembered(request: Request) -> PositionCache:
    found: PositionCache = request.app.state.position_cache
    return found
