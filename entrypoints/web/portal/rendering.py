"""The portal's templates: one Jinja2 environment with autoescaping, its filters, and pages.

Every text a page shows comes from the registry's users, so every text is escaped (autoescape
on for every template, whatever its name) and links are made only of ``http(s)`` addresses: an
escaped ``javascript:`` address would still run when clicked.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse

from entrypoints.web.portal import labels
from schema.ids import to_global_id

TEMPLATES = Path(__file__).resolve().parent / "templates"
STATIC = Path(__file__).resolve().parent / "static"
STATIC_ROUTE = "/static/portal"
NO_BREAK_HYPHEN = "\u2011"
MISSING = "\u2013"  # an en dash: no value


def number(value: int | float | None) -> str:
    """Thousands separated (12,345); a fraction keeps at most two decimals."""
    if value is None:
        return MISSING
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{int(value):,}"


def day(value: date | datetime | None) -> str:
    """ISO 8601 with non-breaking hyphens, so a date never breaks over two lines."""
    if value is None:
        return MISSING
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat().replace("-", NO_BREAK_HYPHEN)


def moment(value: datetime) -> str:
    return f"{day(value)}\u00a0{value:%H:%M}\u00a0UTC"


def safe_url(value: str | None) -> str | None:
    """The address if a browser may follow it from here (http or https), else None."""
    if not value:
        return None
    try:
        parts = urlsplit(value.strip())
    except ValueError:
        return None
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@functools.cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt name fails the tests, not the reader
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # templates ship with the code: no stat of each file per render
    )
    env.filters.update(number=number, day=day, moment=moment, safe_url=safe_url)
    env.filters.update(label=labels.label, area_name=labels.area_name)
    env.filters.update(country_name=labels.country_name)
    env.globals.update(gid=to_global_id, static=STATIC_ROUTE, labels=labels)
    return env


def page(
    request: Request,
    template: str,
    context: Mapping[str, Any],
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    html = environment().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=status_code, headers=dict(headers or {}))
