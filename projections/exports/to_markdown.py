"""The Markdown export: the ``region.md.j2`` template, and filters that make text inert.

Markdown has no autoescaping: every piece of text from the registry goes through ``md``, which
escapes markup, HTML and structure, and links are written with %-encoded destinations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Any
from urllib.parse import quote

import jinja2

from projections.case_studies import Citation
from projections.case_studies.regional import RegionPlan
from projections.exports.templates import TemplateWriter, context, environment
from projections.exports.text import safe_url, url_host

_MD_INLINE = re.compile(r"[\\`*_\[\]|~]")
_MD_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_MD_LEADING = re.compile(r"^([#+\-=>])")
_MD_NUMBERED = re.compile(r"^(\d+)([.)])")
_WHITESPACE = re.compile(r"\s+")


def md(value: Any) -> str:
    """Text made inert for Markdown: no markup, no HTML, no structure; one line.

    ``<``, ``>`` and entity-like ``&`` become character references; the characters of emphasis,
    code, links, tables and strike-through are backslash-escaped; a leading ``#``, ``-``, ``+``,
    ``=``, ``>`` or list number is escaped; runs of whitespace (newlines too) become one space.
    """
    if value is None:
        return "—"
    text = _WHITESPACE.sub(" ", str(value)).strip()
    text = _MD_ENTITY.sub("&amp;", text)
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_INLINE.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_LEADING.sub(r"\\\1", text)
    return _MD_NUMBERED.sub(r"\1\\\2", text)


def md_url(url: str) -> str:
    """A URL as a Markdown link destination: characters that could end it are %-encoded."""
    return quote(url, safe="/:?#@!$&'*+,;=%-._~")


# Citations and links are written by filters rather than template macros: a large export has
# hundreds of thousands of them, and a Jinja macro call costs far more than a Python call.


def md_cite(source: Citation) -> str:
    return f"[^{int(source.position)}]"


def md_cites(sources: Iterable[Citation]) -> str:
    return "".join(f"[^{int(s.position)}]" for s in sources)


def md_links(urls: Sequence[str]) -> str:
    if not urls:
        return "—"
    return ", ".join(
        f"[{md(url_host(url))}](<{md_url(url)}>)" if safe_url(url) else md(url) for url in urls
    )


@cache
def _environment() -> jinja2.Environment:
    filters: dict[str, Callable[..., str]] = {
        "cite": md_cite,
        "cites": md_cites,
        "links": md_links,
        "md": md,
        "md_url": md_url,
    }
    return environment(html=False, filters=filters)


def markdown_writer(plan: RegionPlan) -> TemplateWriter:
    return TemplateWriter(_environment(), "region.md.j2", context(plan))
