"""The Jinja environment of the Markdown and HTML exports, and what their templates are given.

The templates are ``projections/templates/region.{md,html}.j2``. Each format adds its own
filters (how it escapes, cites and links) to the ones both share.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import jinja2

import registry
from projections.case_studies import (
    RANKING,
    CaseStudyDocument,
    CaseStudySummary,
    Citation,
    Subject,
)
from projections.case_studies.regional import RegionPlan
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


def context(plan: RegionPlan) -> dict[str, Any]:
    """What every block of both templates is given."""
    return {
        "area": plan.area,
        "level": label(plan.area.level),
        "position": plan.position,
        "version": registry.__version__,
        "figures": plan.figures,
        "ranking": RANKING,
        "period": period,
    }


class TemplateWriter:
    """A template written block by block: ``head`` (the figures and the ranked list of case
    studies), ``studies`` (a batch of case studies in full), ``tail`` (the sources), so a
    document is never held whole, nor every case study at once."""

    def __init__(self, env: jinja2.Environment, name: str, base: Mapping[str, Any]) -> None:
        self._template = env.get_template(name)
        self._base = base

    def _block(self, name: str, values: Mapping[str, Any]) -> Iterator[str]:
        block = self._template.blocks[name]
        return block(self._template.new_context({**self._base, **values}))

    def head(self, ranked: Sequence[CaseStudySummary]) -> bytes:
        return "".join(self._block("head", {"studies": ranked})).encode("utf-8")

    def studies(self, first_rank: int, batch: Sequence[CaseStudyDocument], tick: Ticker) -> bytes:
        values = {"batch": batch, "first_rank": first_rank, "tick": tick}
        return "".join(self._block("studies", values)).encode("utf-8")

    def tail(self, sources: Sequence[tuple[Citation, Subject | None]]) -> Iterator[bytes]:
        """The sources, encoded as they stream: no list of every fragment."""
        batch: list[str] = []
        for fragment in self._block("tail", {"sources": sources}):
            batch.append(fragment)
            if len(batch) >= 4096:
                yield "".join(batch).encode("utf-8")
                batch.clear()
        yield "".join(batch).encode("utf-8")
