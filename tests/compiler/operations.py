"""Hypothesis strategies for query operations over the whole query schema.

Random selections of every type's fields (aliases, named and inline fragments, ``@include`` and
``@skip``, ``__typename``, fields selected twice), and arguments drawn from what the dataset
holds and from what it does not (ids of other types, garbage cursors, unknown regions, pages
out of range), each given as a literal or as a variable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from hypothesis import strategies as st

from schema.ids import to_global_id

SCALARS: dict[str, list[str]] = {
    "Partnership": [
        "id",
        "version",
        "title",
        "summary",
        "objectives",
        "status",
        "practiceAreas",
        "startDate",
        "endDate",
        "bestPractice",
        "createdAt",
        "updatedAt",
        "iatiIdentifier",
    ],
    "Organisation": ["id", "version", "name", "orgType", "sector", "website"],
    "OrganisationIdentifier": ["ref", "scheme", "value"],
    "Membership": ["role", "since", "until", "confirmed"],
    "Activity": [
        "id",
        "kind",
        "practiceArea",
        "title",
        "description",
        "startDate",
        "endDate",
        "targetGroups",
        "participants",
        "evidenceUrls",
        "retracted",
    ],
    "Outcome": [
        "id",
        "resultLevel",
        "indicator",
        "unit",
        "baseline",
        "target",
        "actual",
        "periodStart",
        "periodEnd",
        "verification",
        "evidenceUrls",
    ],
    "Lesson": ["kind", "text"],
    "Country": ["code", "name"],
    "Area": ["code", "name", "level"],
    "CaseStudy": ["id", "title", "evidenceScore"],
    "RegionSummary": ["partnershipCount", "activeCount", "concludedCount", "peopleTrained"],
    "PracticeAreaCount": ["practiceArea", "count"],
    "SectorCount": ["sector", "count"],
    "PageInfo": ["hasNextPage", "hasPreviousPage", "startCursor", "endCursor"],
    "PartnershipEdge": ["cursor"],
    "OrganisationEdge": ["cursor"],
    "CaseStudyEdge": ["cursor"],
    "PartnershipConnection": ["totalCount"],
    "OrganisationConnection": ["totalCount"],
    "CaseStudyConnection": ["totalCount"],
}
OBJECTS: dict[str, dict[str, str]] = {
    "Partnership": {
        "countries": "Country",
        "regions": "Area",
        "partners": "Membership",
        "activities": "Activity",
        "outcomes": "Outcome",
        "lessons": "Lesson",
    },
    "Organisation": {"country": "Country", "identifiers": "OrganisationIdentifier"},
    "Membership": {"organisation": "Organisation"},
    "Activity": {"countries": "Country"},
    "CaseStudy": {"regions": "Area", "partnership": "Partnership"},
    "RegionSummary": {
        "area": "Area",
        "byPracticeArea": "PracticeAreaCount",
        "bySector": "SectorCount",
    },
    "PartnershipEdge": {"node": "Partnership"},
    "OrganisationEdge": {"node": "Organisation"},
    "CaseStudyEdge": {"node": "CaseStudy"},
    "PartnershipConnection": {"edges": "PartnershipEdge", "pageInfo": "PageInfo"},
    "OrganisationConnection": {"edges": "OrganisationEdge", "pageInfo": "PageInfo"},
    "CaseStudyConnection": {"edges": "CaseStudyEdge", "pageInfo": "PageInfo"},
}
NODES = ("Partnership", "Organisation", "CaseStudy")
ALIASES = ("a", "b", "x1", "other")

PRACTICE_AREAS = [
    "CAPACITY_BUILDING",
    "POLICY_DEVELOPMENT",
    "AWARENESS_RAISING",
    "RESEARCH",
    "OPERATIONAL_COOPERATION",
    "INFORMATION_SHARING",
    "VICTIM_SUPPORT",
]
SECTORS = [
    "GOVERNMENT",
    "PRIVATE_SECTOR",
    "CIVIL_SOCIETY",
    "ACADEMIA",
    "INTERGOVERNMENTAL",
    "TECHNICAL_COMMUNITY",
    "OTHER",
]
REGIONS = ["001", "002", "014", "019", "142", "150", "202", "419", "999", "KE", ""]
TEXTS = [
    "cyber",
    "police training",
    "",
    "   ",
    "zzzzqx",
    '"digital evidence"',
    "-ransomware",
    "Quotes",
    "scam OR fraud",
]
FIRSTS = [1, 2, 3, 5, 20, 100, 0, 101, -3]
# The dataset's (tests/compiler/conftest.py) and some it does not hold: a prefix, another case.
IATI_IDENTIFIERS = [
    "XM-DAC-41114-ODD-1",
    "XM-DAC-41114-ODD-2",
    "XM-DAC-41114-ODD",
    "xm-dac-41114-odd-1",
    "",
]


@dataclass
class Operation:
    """An operation being written: its variables and fragments grow as its selection does."""

    samples: dict[str, list[Any]]
    declarations: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)
    fragments: list[str] = field(default_factory=list)

    def argument(self, draw: st.DrawFn, graphql_type: str, value: Any, literal: str) -> str:
        """The argument as a literal, or as a new variable of ``graphql_type``."""
        if draw(st.booleans()):
            return literal
        name = f"v{len(self.declarations)}"
        self.declarations.append(f"${name}: {graphql_type}")
        self.variables[name] = value
        return f"${name}"

    def text(self) -> str:
        return ""


def _string(value: str | None) -> str:
    return "null" if value is None else json.dumps(value)


def _enum(value: str | None) -> str:
    return "null" if value is None else value


@st.composite
def ids(draw: st.DrawFn, samples: dict[str, list[Any]]) -> str:
    kind = draw(st.sampled_from(["partnerships", "organisations", "case_studies", "odd"]))
    if kind != "odd" and samples[kind]:
        found: str = draw(st.sampled_from(samples[kind]))
        return found
    made: str = draw(
        st.sampled_from(
            [
                "nope",
                "",
                to_global_id("Activity", UUID(int=7)),
                to_global_id("Partnership", UUID(int=7)),
                to_global_id("Organisation", UUID(int=7)),
                to_global_id("CaseStudy", UUID(int=7)),
                "UGFydG5lcnNoaXA6bm90LWEtdXVpZA",  # Partnership:not-a-uuid
            ]
        )
    )
    return made


@st.composite
def cursors(draw: st.DrawFn, samples: dict[str, list[Any]]) -> str | None:
    choice = draw(st.integers(0, 9))
    if choice < 5 and samples["cursors"]:
        found: str = draw(st.sampled_from(samples["cursors"]))
        return found
    if choice < 8:
        return None
    made: str = draw(st.sampled_from(["garbage", "", "WyJ4Il0", "W1tdXQ", "bnVsbA"]))
    return made


def _maybe(draw: st.DrawFn, values: list[Any]) -> Any:
    return draw(st.one_of(st.none(), st.sampled_from(values)))


@st.composite
def partnership_filter(draw: st.DrawFn, op: Operation) -> tuple[dict[str, Any], str]:
    chosen: dict[str, Any] = {}
    for name, values in (
        ("region", REGIONS),
        ("country", ["KE", "FR", "TW", "NG", "ZZ"]),
        ("practiceArea", PRACTICE_AREAS),
        ("sector", SECTORS),
        ("status", ["ACTIVE", "CONCLUDED"]),
        ("bestPractice", ["NONE", "NOMINATED", "ENDORSED", "WITHDRAWN"]),
        ("text", TEXTS),
        ("iatiIdentifier", IATI_IDENTIFIERS),
    ):
        if draw(st.integers(0, 3)) == 0:
            chosen[name] = draw(st.one_of(st.none(), st.sampled_from(values)))
    if draw(st.integers(0, 5)) == 0:
        chosen["organisation"] = draw(ids(op.samples))
    enums = {"practiceArea", "sector", "status", "bestPractice"}
    literal = ", ".join(f"{k}: {_enum(v) if k in enums else _string(v)}" for k, v in chosen.items())
    return chosen, "{" + literal + "}"


@st.composite
def connection_arguments(draw: st.DrawFn, op: Operation, root: str) -> str:
    parts = []
    if root == "partnerships":
        if draw(st.booleans()):
            value, literal = draw(partnership_filter(op))
            parts.append(f"filter: {op.argument(draw, 'PartnershipFilter', value, literal)}")
        if draw(st.booleans()):
            order = _maybe(
                draw, ["CREATED_AT_DESC", "CREATED_AT_ASC", "UPDATED_AT_DESC", "TITLE_ASC"]
            )
            parts.append(f"orderBy: {op.argument(draw, 'PartnershipOrder', order, _enum(order))}")
    if root == "organisations" and draw(st.booleans()):
        value = {
            "country": _maybe(draw, ["KE", "FR", "NG"]),
            "sector": _maybe(draw, SECTORS),
            "text": _maybe(draw, [*TEXTS, "Fictional", "Kenya"]),
        }
        literal = (
            f"{{country: {_string(value['country'])}, sector: {_enum(value['sector'])},"
            f" text: {_string(value['text'])}}}"
        )
        parts.append(f"filter: {op.argument(draw, 'OrganisationFilter', value, literal)}")
    if root in ("caseStudies", "regionCaseStudies"):
        if root == "caseStudies" and draw(st.booleans()):
            region = _maybe(draw, REGIONS)
            parts.append(f"region: {op.argument(draw, 'String', region, _string(region))}")
        if draw(st.booleans()):
            area = _maybe(draw, PRACTICE_AREAS)
            parts.append(f"practiceArea: {op.argument(draw, 'PracticeArea', area, _enum(area))}")
    if draw(st.booleans()):
        first = draw(st.one_of(st.none(), st.sampled_from(FIRSTS)))
        literal = "null" if first is None else str(first)
        parts.append(f"first: {op.argument(draw, 'Int', first, literal)}")
    if draw(st.booleans()):
        after = draw(cursors(op.samples))
        parts.append(f"after: {op.argument(draw, 'String', after, _string(after))}")
    return "(" + ", ".join(parts) + ")" if parts else ""


@st.composite
def directive(draw: st.DrawFn, op: Operation) -> str:
    if draw(st.integers(0, 4)) != 0:
        return ""
    name = draw(st.sampled_from(["include", "skip"]))
    value = draw(st.booleans())
    return f" @{name}(if: {op.argument(draw, 'Boolean!', value, str(value).lower())})"


@st.composite
def selection(draw: st.DrawFn, op: Operation, type_name: str, depth: int) -> str:
    """A non-empty selection set of ``type_name``."""
    scalars = SCALARS.get(type_name, [])
    objects = OBJECTS.get(type_name, {})
    if type_name == "RegionSummary" and depth > 0:
        objects = {**objects, "caseStudies": "CaseStudyConnection"}
    items: list[str] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.integers(0, 9))
        alias = f"{draw(st.sampled_from(ALIASES))}: " if draw(st.integers(0, 4)) == 0 else ""
        if kind <= 4 and scalars:
            items.append(f"{alias}{draw(st.sampled_from(scalars))}{draw(directive(op))}")
        elif kind <= 7 and objects and depth > 0:
            name = draw(st.sampled_from(sorted(objects)))
            arguments = ""
            if name == "caseStudies":
                arguments = draw(connection_arguments(op, "regionCaseStudies"))
            inner = draw(selection(op, objects[name], depth - 1))
            items.append(f"{alias}{name}{arguments}{draw(directive(op))} {{ {inner} }}")
        elif kind == 8:
            items.append("__typename")
        else:
            inner = draw(selection(op, type_name, max(0, depth - 1)))
            if draw(st.booleans()):
                items.append(f"... on {type_name}{draw(directive(op))} {{ {inner} }}")
            else:
                name = f"F{len(op.fragments)}"
                op.fragments.append(f"fragment {name} on {type_name} {{ {inner} }}")
                items.append(f"...{name}{draw(directive(op))}")
    return " ".join(items)


@st.composite
def root_field(draw: st.DrawFn, op: Operation) -> str:
    name = draw(
        st.sampled_from(
            [
                "partnerships",
                "partnerships",
                "partnership",
                "organisation",
                "organisations",
                "node",
                "regions",
                "region",
                "caseStudies",
                "caseStudies",
                "__typename",
            ]
        )
    )
    alias = f"{draw(st.sampled_from(ALIASES))}: " if draw(st.integers(0, 3)) == 0 else ""
    depth = draw(st.integers(1, 4))
    if name == "__typename":
        return "__typename"
    if name in ("partnerships", "organisations", "caseStudies"):
        arguments = draw(connection_arguments(op, name))
        connection = {
            "partnerships": "PartnershipConnection",
            "organisations": "OrganisationConnection",
            "caseStudies": "CaseStudyConnection",
        }[name]
        inner = draw(selection(op, connection, depth + 1))
        return f"{alias}{name}{arguments} {{ {inner} }}"
    if name in ("partnership", "organisation", "node"):
        value = draw(ids(op.samples))
        argument = op.argument(draw, "ID!", value, _string(value))
        if name == "node":
            parts = ["id", "__typename"]
            for type_name in draw(st.lists(st.sampled_from(NODES), max_size=2, unique=True)):
                parts.append(f"... on {type_name} {{ {draw(selection(op, type_name, depth))} }}")
            inner = " ".join(draw(st.lists(st.sampled_from(parts), min_size=1, max_size=3)))
        else:
            inner = draw(selection(op, name.title(), depth))
        return f"{alias}{name}(id: {argument}) {{ {inner} }}"
    if name == "regions":
        level = _maybe(draw, ["WORLD", "REGION", "SUB_REGION", "INTERMEDIATE_REGION"])
        argument = f"(level: {op.argument(draw, 'AreaLevel', level, _enum(level))})"
        inner = draw(selection(op, "RegionSummary", min(depth, 2)))
        return f"{alias}regions{argument if draw(st.booleans()) else ''} {{ {inner} }}"
    code = draw(st.sampled_from(REGIONS))
    argument = op.argument(draw, "String!", code, _string(code))
    inner = draw(selection(op, "RegionSummary", min(depth, 2)))
    return f"{alias}region(code: {argument}) {{ {inner} }}"


@st.composite
def operations(draw: st.DrawFn, samples: dict[str, list[Any]]) -> tuple[str, dict[str, Any]]:
    op = Operation(samples)
    fields = [draw(root_field(op)) for _ in range(draw(st.integers(1, 3)))]
    header = (
        f"query Generated({', '.join(op.declarations)})" if op.declarations else "query Generated"
    )
    document = "\n".join([f"{header} {{ {' '.join(fields)} }}", *op.fragments])
    return document, op.variables
