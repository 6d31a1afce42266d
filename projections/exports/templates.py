"""The Jinja environment of the Markdown and HTML exports, and what their templates are given.

The templates are ``projections/templates/region.{md,html}.j2``. Each format adds its own
filters (how it escapes, cites and links) to the ones both share.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from typing import Any

import jinja2

import registry
from projections.case_studies import RANKING, RegionReport, paused_gc
from projections.exports.text import (
    area_name,
    country_name,
    day,
    label,
    number,
    period,
    safe_url,
    url_host,
)
from projections.exports.ticker import Ticker


def environment(*, html: bool, filters: Mapping[str, Callable[..., Any]]) -> jinja2.Environment:
    """An environment over the templates, with the shared filters and the format's ``filters``."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("projections", "templates"),
        autoescape=html,  # noqa: S701 - Markdown text is escaped by the md filter instead
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(filters)
    env.filters.update(
        label=label,
        num=number,
        day=day,
        country=country_name,
        area=area_name,
        host=url_host,
        safe_url=safe_url,
    )
    return env


def context(report: RegionReport, tick: Ticker) -> dict[str, Any]:
    """What both templates are given; ``tick`` is called in the template per case study."""
    return {
        "report": report,
        "area": report.area,
        "level": label(report.area.level),
        "position": report.position,
        "version": registry.__version__,
        "figures": report.figures,
        "studies": report.case_studies,
        "ranking": RANKING,
        "sources": [(c, report.subjects.get(c.stream_id)) for c in report.citations],
        "period": period,
        "tick": tick,
    }


def render_template(env: jinja2.Environment, name: str, context: Mapping[str, Any]) -> bytes:
    template = env.get_template(name)
    with paused_gc():
        return _rendered(template, context)


def _rendered(template: jinja2.Template, context: Mapping[str, Any]) -> bytes:
    """The template's output as UTF-8, encoded as it streams: no list of every fragment."""
    out = io.BytesIO()
    batch: list[str] = []
    for fragment in template.generate(context):
        batch.append(fragment)
        if len(batch) >= 4096:
            out.write("".join(batch).encode("utf-8"))
            batch.clear()
    out.write("".join(batch).encode("utf-8"))
    return out.getvalue()
