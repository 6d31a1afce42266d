"""A compiled operation takes one SQL statement; the resolver path takes one per list kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from starlette.testclient import TestClient

from entrypoints.web.app import Services
from tests.compiler.conftest import Apps

PAGE = """query Page($region: String!, $after: String) {
  partnerships(filter: {region: $region}, first: 20, after: $after) {
    totalCount
    edges { cursor node { id title partners { role organisation { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PORTAL = """query Portal($id: ID!) {
  partnership(id: $id) {
    title countries { code name } regions { code name level }
    partners { role since organisation { name country { name } } }
    activities { title kind countries { code } } outcomes { indicator actual } lessons { text }
  }
  regions(level: REGION) { area { name } partnershipCount byPracticeArea { practiceArea count }
    caseStudies(first: 3) { edges { node { title evidenceScore } } } }
  caseStudies(first: 5) { totalCount edges { cursor node { id title partnership { title } } } }
  node(id: $id) { id ... on Partnership { version } }
}"""


# What an IATI import asks before it registers an activity: is it here already, and who with.
IMPORTER = """query Find($iati: String!) {
  partnerships(filter: {iatiIdentifier: $iati}, first: 1) {
    totalCount
    edges { node { id version iatiIdentifier partners { role organisation { id identifiers {
      ref scheme value } } } } }
  }
}"""


class Statements:
    """Every statement a pool's connections run, through asyncpg's query loggers."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def log(self, record: Any) -> None:
        self.seen.append(record.query)

    async def init(self, connection: asyncpg.Connection) -> None:
        connection.add_query_logger(self.log)


@pytest.fixture
def counted(apps: Apps) -> Iterator[dict[str, Statements]]:
    """Both apps' pools replaced by pools whose statements are counted."""
    found: dict[str, Statements] = {}
    restore: list[tuple[Services, str, Any]] = []
    for name, http in (("compiled", apps.compiled), ("resolvers", apps.resolvers)):
        services: Services = http.app.state.services  # type: ignore[attr-defined]
        statements = found[name] = Statements()
        for attribute in ("pool", "read_pool", "generic_read_pool"):
            if getattr(services, attribute) is None:
                continue
            pool = _pool(http, apps.address.dsn(), statements, attribute)
            restore.append((services, attribute, getattr(services, attribute)))
            setattr(services, attribute, pool)
    yield found
    for services, attribute, original in restore:
        pool = getattr(services, attribute)
        setattr(services, attribute, original)
        http = apps.compiled if services is apps.compiled.app.state.services else apps.resolvers  # type: ignore[attr-defined]
        http.portal.call(pool.close)  # type: ignore[union-attr]


def _pool(http: TestClient, dsn: str, statements: Statements, attribute: str) -> asyncpg.Pool:
    from entrypoints.bootstrap import GENERIC_READ_POOL_SETTINGS, READ_POOL_SETTINGS, keep_session

    settings = {"read_pool": READ_POOL_SETTINGS, "generic_read_pool": GENERIC_READ_POOL_SETTINGS}

    async def create() -> asyncpg.Pool:
        pool: asyncpg.Pool = await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=4,
            init=statements.init,
            reset=keep_session,  # as the app's pools: no reset statement per release
            server_settings=settings.get(attribute),
        )
        return pool

    assert http.portal is not None
    return http.portal.call(create)


def _post(http: TestClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    # A variable the operation does not declare makes each request's cache key its own.
    body: dict[str, Any] = http.post(
        "/graphql", json={"query": query, "variables": {**variables, "nonce": id(variables)}}
    ).json()
    assert "errors" not in body, body
    return body


@pytest.mark.parametrize(
    ("query", "kind"), [(PAGE, "page"), (PORTAL, "portal"), (IMPORTER, "importer")]
)
def test_a_compiled_operation_is_one_statement(
    apps: Apps, counted: dict[str, Statements], query: str, kind: str
) -> None:
    variables = {
        "page": {"region": "002"},
        "portal": {"id": apps.samples["partnerships"][-1]},
        "importer": {"iati": "XM-DAC-41114-ODD-2"},
    }[kind]
    compiled = _post(apps.compiled, query, variables)
    resolvers = _post(apps.resolvers, query, variables)
    assert compiled == resolvers
    if kind == "importer":  # the dataset's partnership with the identifier and its partners
        (edge,) = compiled["data"]["partnerships"]["edges"]
        partners = edge["node"]["partners"]
        assert {"ref": "XI-IATI-IDF", "scheme": None, "value": None} in [
            i for p in partners for i in p["organisation"]["identifiers"]
        ]
    assert len(counted["compiled"].seen) == 1, counted["compiled"].seen
    assert len(counted["resolvers"].seen) > 1  # one per list kind at least


def test_time_travel_and_uncovered_fields_run_on_the_resolvers(
    apps: Apps, counted: dict[str, Statements]
) -> None:
    partnership = apps.samples["partnerships"][0]
    for query in (
        f'{{ partnership(id: "{partnership}", asOf: "2030-01-01T00:00:00Z") {{ title }} }}',
        "{ caseStudies(first: 1) { edges { node { citations { type } } } } }",
        "{ events(first: 2) { edges { cursor } } }",
        '{ region(code: "002") { exportUrl(format: CSV) } }',
    ):
        before = len(counted["compiled"].seen)
        _post(apps.compiled, query, {})
        ran = counted["compiled"].seen[before:]
        assert "convert_to" not in " ".join(ran), query
