"""GraphiQL served from this package, so the IDE works without reaching a CDN.

Strawberry's GraphiQL page loads React, js-cookie, GraphiQL and its explorer plugin from unpkg.
The same files, unchanged from the npm registry's tarballs, live in ``schema/static/graphiql``
(``VERSIONS.md`` there lists them). :func:`graphiql_html` takes strawberry's own template and
points each of those URLs at the local copy; :func:`static_files` serves the copies.

The page opens with :data:`STARTER_QUERY` in the editor, a query of this schema that runs as it
is, instead of strawberry's generic welcome text, and is titled for this registry.

The page keeps strawberry's ``integrity=`` (SRI) attributes: the local files are byte for byte
the ones the hashes were made from, which :func:`graphiql_html` checks. It keeps ``crossorigin``
too: a same-origin request in CORS mode always succeeds, and the attribute is what lets SRI work
if the assets are ever served from another origin.

Strawberry 0.341 fills no placeholders in the template (``strawberry.http.ides``
``get_graphql_ide_html`` returns the file as it is); older versions replaced ``{{ ... }}``
markers. Anything the rewrite does not understand, a URL left on another host, a missing local
file, a hash that does not match, a placeholder, no starter query to replace, raises
:class:`GraphiQLAssetError` when the page is built, so a strawberry upgrade that changes the
template fails the tests instead of shipping a page that quietly loads from a CDN or not at all.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import re
from pathlib import Path

from starlette.staticfiles import StaticFiles

__all__ = [
    "STARTER_QUERY",
    "STATIC_DIRECTORY",
    "GraphiQLAssetError",
    "graphiql_html",
    "static_files",
    "strawberry_template",
]

STATIC_DIRECTORY = Path(__file__).resolve().parent / "static" / "graphiql"

# What the editor holds when GraphiQL opens (strawberry's welcome text knows nothing of this
# schema): a query that runs as it is, on any registry, and shows what there is to ask.
STARTER_QUERY = """\
# ppp-registry: public-private partnerships against cybercrime.
#
# Run this query with Ctrl-Enter (or the play button). Ctrl-Space completes
# names; the Docs button (top left) shows every type and field.
#
# Reads need no token. Mutations need one, in the Headers tab below:
#   {"Authorization": "Bearer ppp_..."}   (ppp-registry token create ...)
#
# partnership(id: ..., asOf: "2026-01-01T00:00:00Z") shows a partnership as the
# registry had recorded it at that moment: asOf is a time of recording, not a
# date in the partnership's own history.

{
  regions(level: REGION) {
    area { code name }
    partnershipCount
    peopleTrained
  }
  partnerships(first: 5) {
    totalCount
    edges {
      node {
        id
        title
        status
        startDate
        countries { code name }
        partners { role confirmed organisation { id name } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

# https://unpkg.com/NAME@VERSION/PATH, NAME possibly scoped (@scope/name).
_UNPKG_URL = re.compile(
    r"https://unpkg\.com/"
    r"(?P<package>(?:@[a-z0-9][\w.-]*/)?[a-z0-9][\w.-]*)"
    r"@(?P<version>[0-9][\w.+-]*)"
    r"/(?P<path>[^\"'\s<>?#]+)"
)
_TAG = re.compile(r"<(?:script|link)\b[^>]*>", re.IGNORECASE)
_URL_ATTRIBUTE = re.compile(r"\b(?:src|href)\s*=\s*\"(?P<url>[^\"]*)\"", re.IGNORECASE)
_INTEGRITY = re.compile(r"\bintegrity\s*=\s*\"(?P<value>[^\"]*)\"", re.IGNORECASE)
_PLACEHOLDER = re.compile(r"\{\{.*?\}\}", re.DOTALL)
_SAFE_PREFIX = re.compile(r"/(?:[\w.@~-]+/)*[\w.@~-]+|")
_EXAMPLE_QUERY = re.compile(r"const EXAMPLE_QUERY = `[^`]*`;")
_TITLE = "<title>Strawberry GraphiQL</title>"


class GraphiQLAssetError(RuntimeError):
    """Strawberry's template no longer matches the assets this package ships."""


def strawberry_template() -> str:
    """The GraphiQL page of the installed strawberry, as strawberry would serve it."""
    resource = importlib.resources.files("strawberry").joinpath("static", "graphiql.html")
    return resource.read_text(encoding="utf-8")


def graphiql_html(static_prefix: str = "/static/graphiql") -> str:
    """Strawberry's GraphiQL page with every asset loaded from ``static_prefix``.

    ``static_prefix`` is the URL path where :func:`static_files` is mounted, without a trailing
    slash (``""`` for the root). Raises :class:`GraphiQLAssetError` if the page would still load
    anything from another host or if a local asset is missing or differs from what the page's
    SRI hash expects, and :class:`ValueError` for a prefix that is not a plain URL path.
    """
    if not _SAFE_PREFIX.fullmatch(static_prefix):
        raise ValueError(
            f"static_prefix must be an absolute URL path without a trailing slash, got "
            f"{static_prefix!r}"
        )
    return _render(static_prefix, strawberry_template())


@functools.lru_cache(maxsize=8)
def _render(static_prefix: str, template: str) -> str:
    placeholders = _PLACEHOLDER.findall(template)
    if placeholders:
        raise GraphiQLAssetError(
            f"strawberry's GraphiQL template has placeholders this module does not fill: "
            f"{sorted(set(placeholders))}; see how strawberry.http renders its IDE now"
        )
    html = _TAG.sub(lambda tag: _localise_tag(tag.group(0), static_prefix), template)
    html = _with_starter_query(html).replace(_TITLE, "<title>ppp-registry GraphiQL</title>")
    if "https://" in html:
        remaining = sorted(set(re.findall(r"https://[^\s\"'<>]*", html)))
        raise GraphiQLAssetError(
            f"strawberry's GraphiQL template still refers to other hosts after the rewrite: "
            f"{remaining}; add the new assets to {STATIC_DIRECTORY} (see VERSIONS.md there)"
        )
    return html


def _with_starter_query(html: str) -> str:
    """The page with :data:`STARTER_QUERY` in place of strawberry's welcome text."""
    if len(_EXAMPLE_QUERY.findall(html)) != 1:
        raise GraphiQLAssetError(
            "strawberry's GraphiQL template no longer sets its starter query in one"
            " `const EXAMPLE_QUERY = `...`;`; see where it sets the editor's first query now"
        )
    # It goes into a JavaScript template literal inside a <script>: nothing in it may end
    # the literal, interpolate, escape, or end the script.
    if any(bad in STARTER_QUERY for bad in ("`", "${", "\\", "</")):
        raise GraphiQLAssetError("STARTER_QUERY holds text that cannot go in a template literal")
    literal = f"const EXAMPLE_QUERY = `{STARTER_QUERY}`;"
    return _EXAMPLE_QUERY.sub(lambda _match: literal, html)


def _localise_tag(tag: str, static_prefix: str) -> str:
    attribute = _URL_ATTRIBUTE.search(tag)
    if attribute is None:
        return tag
    match = _UNPKG_URL.fullmatch(attribute.group("url"))
    if match is None:
        return tag  # not an unpkg URL: any https:// one is caught by the caller
    relative = f"{match['package']}@{match['version']}/{match['path'].rsplit('/', 1)[-1]}"
    local = STATIC_DIRECTORY / relative
    if not local.is_file():
        raise GraphiQLAssetError(
            f"strawberry's GraphiQL template loads {match.group(0)}, but {local} does not exist;"
            f" fetch it with `npm pack {match['package']}@{match['version']}` (see VERSIONS.md)"
        )
    integrity = _INTEGRITY.search(tag)
    if integrity is not None:
        _check_integrity(local, integrity.group("value"))
    start, end = attribute.span("url")
    return f"{tag[:start]}{static_prefix}/{relative}{tag[end:]}"


def _check_integrity(path: Path, integrity: str) -> None:
    """Raise unless ``path`` matches one of the SRI hashes in ``integrity``."""
    data = path.read_bytes()
    for token in integrity.split():
        algorithm, _, expected = token.partition("-")
        if algorithm not in {"sha256", "sha384", "sha512"}:
            continue
        actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode("ascii")
        if actual == expected:
            return
    raise GraphiQLAssetError(
        f"{path} does not match the SRI hash {integrity!r} in strawberry's GraphiQL template"
    )


def static_files() -> StaticFiles:
    """Serve the GraphiQL assets; mount it at the prefix given to :func:`graphiql_html`."""
    return StaticFiles(directory=STATIC_DIRECTORY, check_dir=True)
