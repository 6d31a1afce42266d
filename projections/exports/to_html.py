"""The HTML export: the ``region.html.j2`` template, autoescaped, with its bar charts inline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import jinja2
from markupsafe import Markup, escape

from projections.case_studies import Citation
from projections.case_studies.regional import RegionPlan
from projections.exports.charts import chart
from projections.exports.templates import TemplateWriter, context, environment
from projections.exports.text import safe_url, url_host

# Filters rather than template macros, as in Markdown: a Jinja macro call costs far more.


def html_cite(source: Citation) -> Markup:
    position = int(source.position)  # an int: nothing to escape
    return Markup(f'<sup class="cite"><a href="#e{position}">{position}</a></sup>')  # noqa: S704


def html_cites(sources: Iterable[Citation]) -> Markup:
    return Markup("").join(html_cite(s) for s in sources)


def html_links(urls: Sequence[str]) -> Markup:
    if not urls:
        return Markup("—")
    return Markup(", ").join(
        Markup('<a class="evidence" href="{}" rel="nofollow noopener noreferrer">{}</a>').format(
            url, url_host(url)
        )
        if safe_url(url)
        else escape(url)
        for url in urls
    )


@cache
def _environment() -> jinja2.Environment:
    filters = {"cite": html_cite, "cites": html_cites, "links": html_links}
    return environment(html=True, filters=filters)


def html_writer(plan: RegionPlan) -> TemplateWriter:
    base = context(plan)
    figures = plan.figures
    base["charts"] = (
        chart("chart-areas", "Partnerships by practice area", figures.by_practice_area),
        chart("chart-sectors", "Partnerships by partner sector", figures.by_sector),
    )
    return TemplateWriter(_environment(), "region.html.j2", base)
