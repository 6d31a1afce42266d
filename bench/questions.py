"""The questions the ``queries`` part asks every contender, as each contender's documents.

Four questions, the ones a portal or an analyst sends most: a page of a region's partnerships
with their partners (the issue's question, which the plain Starlette + asyncpg baseline also
answers), a partnership's page (partners, activities, outcomes, lessons), ``regions`` with
their figures, and a page of a region's case studies.

PostGraphile (``bench/postgraphile/views.sql``) answers each through its own fields:
``partnershipsInRegion``, ``partnershipById``, ``allRegionsList``, ``rankedCaseStudies``,
``...List`` relations. Its documents alias every field to ours, so both answers have the same
shape and one load script reads both. What legitimately differs is the cursors: ours are
keysets, PostGraphile's are offsets into its function connections. ``without_cursors`` turns
every ``cursor`` and ``endCursor`` into whether it is there, and the check compares the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

from bench.load import Cycle, RegionWalk, SameQuery
from schema.ids import to_global_id

OURS, RESOLVERS, PEER, BASELINE = "ours", "resolvers", "peer", "baseline"
TITLES = {
    OURS: "ours compiled",
    RESOLVERS: "resolver path",
    PEER: "PostGraphile",
    BASELINE: "baseline",
}
WARM_REGION = "002"  # Africa: a first page with a count in the thousands at full size

# Our partners' order (the lead first, then by role, since and organisation) in PostGraphile.
_PARTNER_ORDER = "orderBy: [LEAD_LAST_ASC, ROLE_ASC, SINCE_ASC, ORGANISATION_ID_ASC]"

REGION_PAGE = """query RegionPage($region: String!, $after: String) {
  partnerships(filter: {region: $region}, first: 20, after: $after) {
    totalCount
    edges { cursor node { id title partners { role organisation { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PEER_REGION_PAGE = f"""query RegionPage($region: String!, $after: Cursor) {{
  partnerships: partnershipsInRegion(region: $region, first: 20, after: $after) {{
    totalCount
    edges {{ cursor node {{ id: gid title
      partners: partnersList({_PARTNER_ORDER}) {{ role organisation {{ name }} }} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}"""

PARTNERSHIP_PAGE = """query PartnershipPage($id: ID!) {
  partnership(id: $id) {
    id title summary status startDate endDate bestPractice
    partners { role since until confirmed organisation { id name } }
    activities { id kind practiceArea title startDate endDate participants retracted }
    outcomes { id resultLevel indicator unit baseline target actual verification }
    lessons { kind text }
  }
}"""
# By primary key: ``partnershipByGid`` would filter on a computed column of the view, a
# sequential scan computing 50,000 global ids a request (8 requests a second, measured).
PEER_PARTNERSHIP_PAGE = f"""query PartnershipPage($id: UUID!) {{
  partnership: partnershipById(id: $id) {{
    id: gid title summary status startDate endDate bestPractice
    partners: partnersList({_PARTNER_ORDER}) {{
      role since until confirmed organisation {{ id: gid name }} }}
    activities: activitiesList(orderBy: LOGGED_POSITION_ASC) {{
      id: gid kind practiceArea title startDate endDate participants retracted }}
    outcomes: outcomesList(orderBy: REPORTED_POSITION_ASC) {{
      id: gid resultLevel indicator unit baseline target actual verification }}
    lessons: lessonsList(orderBy: POSITION_ASC) {{ kind text }}
  }}
}}"""

REGIONS = """query Regions {
  regions {
    area { code name } partnershipCount activeCount concludedCount peopleTrained
    byPracticeArea { practiceArea count }
    bySector { sector count }
  }
}"""
PEER_REGIONS = """query Regions {
  regions: allRegionsList(orderBy: RANK_ASC) {
    area { code name } partnershipCount activeCount concludedCount peopleTrained
    byPracticeArea: byPracticeAreaList(orderBy: RANK_ASC) { practiceArea count }
    bySector: bySectorList(orderBy: RANK_ASC) { sector count }
  }
}"""

CASE_STUDIES = """query CaseStudies($region: String, $after: String) {
  caseStudies(region: $region, first: 20, after: $after) {
    totalCount
    edges { cursor node { id title evidenceScore partnership { id title status } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
PEER_CASE_STUDIES = """query CaseStudies($region: String, $after: Cursor) {
  caseStudies: rankedCaseStudies(region: $region, first: 20, after: $after) {
    totalCount
    edges { cursor node { id: gid title evidenceScore partnership { id: gid title status } } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@dataclass(frozen=True)
class Inputs:
    """What the cold loads walk through: areas (the largest first) and partnerships' ids."""

    regions: tuple[str, ...]
    partnership_ids: tuple[UUID, ...]
    pages: int  # a walk follows at most this many pages of an area
    clients: int


Load = SameQuery | RegionWalk | Cycle


@dataclass(frozen=True)
class Question:
    key: str
    title: str
    ours: str
    peer: str
    root: str  # the field of ``data`` the answer is under, in every contender's document
    kind: Literal["walk", "cycle"]  # cold: pages of each area, or a list of ids (or one set)
    baseline: bool = False  # the plain Starlette + asyncpg app answers it too

    def document(self, contender: str) -> str:
        return self.peer if contender == PEER else self.ours

    def warm(self, contender: str, inputs: Inputs) -> Load:
        """One request again and again: our response cache answers nearly all of them."""
        variables = self.warm_variables(contender, inputs)
        return SameQuery(self.document(contender), variables, inputs.clients)

    def warm_variables(self, contender: str, inputs: Inputs) -> dict[str, Any]:
        if self.kind == "walk":
            return {"region": WARM_REGION, "after": None}
        return self.cold_variables(contender, inputs)[0]

    def cold(self, contender: str, inputs: Inputs) -> Load:
        """Requests our response cache never answers (see ``bench.load``)."""
        document = self.document(contender)
        if self.kind == "walk":
            return RegionWalk(document, inputs.regions, inputs.pages, inputs.clients, self.root)
        return Cycle(document, self.cold_variables(contender, inputs), inputs.clients)

    def cold_variables(self, contender: str, inputs: Inputs) -> tuple[dict[str, Any], ...]:
        """A cycle's variable sets: every id, or the one set of a question without variables.

        Ours take global ids, PostGraphile its primary key (the uuid); the same partnerships
        in the same order.
        """
        if self.root == "partnership":
            if contender == PEER:
                return tuple({"id": str(id_)} for id_ in inputs.partnership_ids)
            return tuple({"id": to_global_id("Partnership", id_)} for id_ in inputs.partnership_ids)
        return ({},)


QUESTIONS = (
    Question(
        "region_page",
        "region page",
        REGION_PAGE,
        PEER_REGION_PAGE,
        "partnerships",
        "walk",
        baseline=True,
    ),
    Question(
        "partnership_page",
        "partnership page",
        PARTNERSHIP_PAGE,
        PEER_PARTNERSHIP_PAGE,
        "partnership",
        "cycle",
    ),
    Question("regions", "regions", REGIONS, PEER_REGIONS, "regions", "cycle"),
    Question(
        "case_studies",
        "caseStudies page",
        CASE_STUDIES,
        PEER_CASE_STUDIES,
        "caseStudies",
        "walk",
    ),
)
REGION_QUESTION = QUESTIONS[0]


def without_cursors(value: Any) -> Any:
    """``value`` with every ``cursor`` and ``endCursor`` replaced by whether it is there."""
    if isinstance(value, dict):
        return {
            key: (item is not None) if key in ("cursor", "endCursor") else without_cursors(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [without_cursors(item) for item in value]
    return value


def first_difference(ours: Any, theirs: Any, path: Sequence[str] = ()) -> str | None:
    """Where two JSON values first differ (``data.partnerships.edges[3].node.title``), or None."""
    where = ".".join(path) or "(the whole answer)"
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            if key not in ours or key not in theirs:
                return f"{where}: {key!r} only in {'ours' if key in ours else 'theirs'}"
            found = first_difference(ours[key], theirs[key], [*path, key])
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        if len(ours) != len(theirs):
            return f"{where}: {len(ours)} items in ours, {len(theirs)} in theirs"
        for index, (mine, yours) in enumerate(zip(ours, theirs, strict=True)):
            found = first_difference(
                mine, yours, [*path[:-1], f"{path[-1] if path else ''}[{index}]"]
            )
            if found:
                return found
        return None
    # JSON has one number type: 34 and 34.0 are the same value (our compiled path writes the
    # first, the resolver path the second), but true is not 1.
    if ours != theirs or isinstance(ours, bool) != isinstance(theirs, bool):
        return f"{where}: ours {ours!r}, theirs {theirs!r}"
    return None
