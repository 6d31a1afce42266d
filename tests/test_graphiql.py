"""GraphiQL is served from the package: no CDN, the same bytes as on npm, and it renders."""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import graphql
import pytest
import strawberry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http.ides import get_graphql_ide_html

from schema import graphiql
from schema.graphiql import STATIC_DIRECTORY, GraphiQLAssetError, graphiql_html, static_files

PREFIX = "/static/graphiql"
CHROMIUM = Path("/usr/bin/chromium")
# The favicon is an inline SVG whose xmlns is a namespace name, never fetched.
SVG_NAMESPACE = "xmlns=%22http://www.w3.org/2000/svg%22"
# Both ways of showing the page: a plain route, and strawberry's own view with its IDE hook.
PAGES = ["/ide", "/graphql"]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"


class LocalGraphiQL(GraphQL[None, None]):
    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_html(PREFIX))


async def ide(request: Request) -> Response:
    return HTMLResponse(graphiql_html(PREFIX))


def make_app() -> Starlette:
    return Starlette(
        routes=[
            Route("/ide", ide),
            Route("/graphql", LocalGraphiQL(strawberry.Schema(query=Query))),
            Mount(PREFIX, app=static_files()),
        ]
    )


class _References(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value is not None:
                self.urls.append((tag, name, value))


def references(html: str) -> list[tuple[str, str, str]]:
    parser = _References()
    parser.feed(html)
    parser.close()
    return parser.urls


def local_assets(html: str) -> list[str]:
    return [url for _, _, url in references(html) if not url.startswith("data:")]


def versions_sha256() -> dict[str, str]:
    """Local path (relative to the static directory) to SHA-256, from VERSIONS.md."""
    text = (STATIC_DIRECTORY / "VERSIONS.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| .*?\| `(?P<path>[^`]+)` \| `(?P<sha256>[0-9a-f]{64})` \|", text, re.M)
    assert rows, "VERSIONS.md has no file table"
    return dict(rows)


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(make_app()) as test_client:
        yield test_client


@pytest.mark.parametrize("page", PAGES)
def test_page_is_served_as_html(client: TestClient, page: str) -> None:
    response = client.get(page, headers={"accept": "text/html"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == graphiql_html(PREFIX)


def test_page_refers_to_no_other_host() -> None:
    html = graphiql_html(PREFIX)
    urls = references(html)
    assert len(urls) == 8  # the favicon, 5 scripts, 2 stylesheets
    for tag, attribute, url in urls:
        if url.startswith("data:"):
            assert "//" not in url.replace(SVG_NAMESPACE, ""), (tag, attribute, url)
            continue
        assert url.startswith(PREFIX + "/"), (tag, attribute, url)
        assert "http://" not in url and "https://" not in url, (tag, attribute, url)
        assert not url.startswith("//"), (tag, attribute, url)
    assert "https://" not in html
    assert "unpkg" not in html


@pytest.mark.parametrize("page", PAGES)
def test_every_asset_is_served_with_its_type(client: TestClient, page: str) -> None:
    html = client.get(page, headers={"accept": "text/html"}).text
    assets = local_assets(html)
    assert len(assets) == 7
    for url in assets:
        response = client.get(url)
        assert response.status_code == 200, url
        content_type = response.headers["content-type"]
        if url.endswith(".js"):
            assert "javascript" in content_type, (url, content_type)
        else:
            assert url.endswith(".css")
            assert content_type.startswith("text/css"), (url, content_type)


def test_served_files_match_versions_md(client: TestClient) -> None:
    expected = versions_sha256()
    assets = local_assets(graphiql_html(PREFIX))
    assert sorted(url.removeprefix(PREFIX + "/") for url in assets) == sorted(expected)
    for url in assets:
        served = client.get(url).content
        assert hashlib.sha256(served).hexdigest() == expected[url.removeprefix(PREFIX + "/")], url


def test_static_directory_holds_only_used_files_and_licences() -> None:
    shipped = {
        path.relative_to(STATIC_DIRECTORY).as_posix()
        for path in STATIC_DIRECTORY.rglob("*")
        if path.is_file()
    }
    assets = set(versions_sha256())
    folders = {asset.rsplit("/", 1)[0] for asset in assets}
    licences = {f"{folder}/LICENSE" for folder in folders}
    assert shipped == assets | licences | {"VERSIONS.md"}


def test_sri_attributes_are_kept() -> None:
    html = graphiql_html(PREFIX)
    assert html.count('integrity="sha384-') == 7
    assert html.count(PREFIX + "/") == 7


def test_strawberry_serves_its_template_unchanged() -> None:
    # graphiql_html starts from the file itself; if strawberry starts filling it in, follow.
    assert get_graphql_ide_html("graphiql") == graphiql.strawberry_template()


def test_prefix_must_be_a_plain_path() -> None:
    assert 'src="/react@18.2.0/' in graphiql_html("")
    for bad in ["/static/", "static", 'https://cdn.example/"', "/a b"]:
        with pytest.raises(ValueError):
            graphiql_html(bad)


def test_a_url_left_on_another_host_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    template = graphiql.strawberry_template().replace(
        "</head>", '<script src="https://cdn.example/new-thing.js"></script></head>'
    )
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match=r"https://cdn\.example/new-thing\.js"):
        graphiql_html(PREFIX)


def test_a_new_unpkg_version_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    template = graphiql.strawberry_template().replace("graphiql@3.8.3", "graphiql@9.9.9")
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match=r"graphiql@9\.9\.9"):
        graphiql_html(PREFIX)


def test_a_placeholder_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    template = graphiql.strawberry_template().replace(
        "</body>", "{{ SUBSCRIPTION_ENABLED }}</body>"
    )
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match="SUBSCRIPTION_ENABLED"):
        graphiql_html(PREFIX)


def test_a_file_that_does_not_match_its_hash_fails(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    shutil.copytree(STATIC_DIRECTORY, tmp_path, dirs_exist_ok=True)
    (tmp_path / "react@18.2.0" / "react.production.min.js").write_text("/* not react */")
    monkeypatch.setattr(graphiql, "STATIC_DIRECTORY", tmp_path)
    # A template the cache has not seen, so the files are checked again.
    template = graphiql.strawberry_template() + "\n"
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match=r"react\.production\.min\.js does not match"):
        graphiql_html(PREFIX)


# --- In a browser -------------------------------------------------------------------------


class _RequestLog:
    """Records each HTTP request's path and response status."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.entries: list[tuple[str, str, int]] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def recording_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.entries.append((scope["method"], scope["path"], message["status"]))
            await send(message)

        await self.app(scope, receive, recording_send)


@pytest.fixture
def served() -> Iterator[tuple[str, _RequestLog]]:
    """The test app under uvicorn on 127.0.0.1, in a thread; yields its base URL and log."""
    import uvicorn

    log = _RequestLog(make_app())
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(log, lifespan="off", log_level="warning", ws="none", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.mark.slow
@pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is not installed (Debian's chromium package); the browser check needs it",
)
def test_graphiql_renders_in_chromium(served: tuple[str, _RequestLog], tmp_path: Path) -> None:
    base, log = served
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{base}/graphql",
    ]
    result = subprocess.run(  # noqa: S603 - a fixed binary and arguments made here
        command, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
    dom = result.stdout
    # The served page already has the root div with "Loading..."; React replaces its content.
    # Each marker below is absent from the served page (checked first), so React put it there.
    markers = ['class="graphiql-query-editor', 'class="graphiql-sidebar', "Show GraphiQL Explorer"]
    page = graphiql_html(PREFIX)
    assert not [marker for marker in markers if marker in page]
    assert 'class="graphiql-container"' in dom, dom[:2000]
    assert "Loading..." not in dom, dom[:2000]
    assert [marker for marker in markers if marker not in dom] == [], dom[:2000]

    requested = {(method, path): status for method, path, status in log.entries}
    for asset in local_assets(graphiql_html(PREFIX)):
        assert requested.get(("GET", asset)) == 200, (asset, log.entries)
    # GraphiQL ran far enough to introspect the schema through strawberry's view.
    assert requested.get(("POST", "/graphql")) == 200, log.entries
    failed = [entry for entry in log.entries if entry[2] >= 400]
    assert not failed, failed


# --- The starter query ----------------------------------------------------------------------

PRINTED_SCHEMA = Path(__file__).parents[1] / "schema" / "schema.graphql"


def editor_query(html: str) -> str:
    """What the editor holds when the page opens: the page's EXAMPLE_QUERY literal."""
    found = re.findall(r"const EXAMPLE_QUERY = `([^`]*)`;", html)
    assert len(found) == 1, "the page sets its starter query once"
    text: str = found[0]
    return text


def test_graphiql_opens_with_a_query_of_this_schema() -> None:
    query = editor_query(graphiql_html(PREFIX))
    assert query == graphiql.STARTER_QUERY
    assert "Welcome to GraphiQL" not in query  # strawberry's generic text is gone
    schema = graphql.build_schema(PRINTED_SCHEMA.read_text(encoding="utf-8"))
    document = graphql.parse(query)
    assert graphql.validate(schema, document) == []
    assert any(  # not only comments: something runs with Ctrl-Enter
        isinstance(d, graphql.OperationDefinitionNode) for d in document.definitions
    )
    assert "<title>ppp-registry GraphiQL</title>" in graphiql_html(PREFIX)


def test_the_starter_query_explains_tokens_and_as_of() -> None:
    assert "Authorization" in graphiql.STARTER_QUERY and "token create" in graphiql.STARTER_QUERY
    assert "asOf" in graphiql.STARTER_QUERY and "time of recording" in graphiql.STARTER_QUERY


def test_a_template_without_its_starter_query_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    template = graphiql.strawberry_template().replace("const EXAMPLE_QUERY", "const FIRST_QUERY")
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match="EXAMPLE_QUERY"):
        graphiql_html(PREFIX)


@pytest.mark.parametrize("bad", ["`", "${x}", "\\n", "</script>"])
def test_a_starter_query_that_would_break_the_script_fails(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setattr(graphiql, "STARTER_QUERY", f"{{ __typename }} # {bad}\n")
    template = graphiql.strawberry_template() + f"<!-- {bad} -->"  # not the cached render
    monkeypatch.setattr(graphiql, "strawberry_template", lambda: template)
    with pytest.raises(GraphiQLAssetError, match="template literal"):
        graphiql_html(PREFIX)
