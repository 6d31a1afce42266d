"""The read model's objects as JSON text: partnerships, organisations and their lists.

Each function takes the collected sub-selection and the SQL alias of the row it reads, and
returns one text expression. The lists come in the order the resolvers' batch queries give.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from projections.compiler.text import (
    aggregate_list,
    area_list,
    country,
    country_list,
    global_id,
    moment,
    nullable_object,
    obj,
    scalar,
)
from projections.compiler.tree import Field, Uncovered

Columns = dict[str, str]  # GraphQL field name -> column of the row


def typename(name: str) -> str:
    return f"'\"{name}\"'"


def leaves(fields: Sequence[Field], known: frozenset[str]) -> list[tuple[str, str]]:
    """(key, name) of a selection of leaf fields (Country, Area...), checked against ``known``."""
    found = [(f.key, f.name) for f in fields]
    for _key, name in found:
        if name not in known:
            raise Uncovered(name)
    return found


_COUNTRY = frozenset({"code", "name", "__typename"})
_AREA = frozenset({"code", "name", "level", "__typename"})


class Objects:
    """Compiles objects reading the read model in ``schema`` (a quoted name)."""

    def __init__(self, schema: str) -> None:
        self.s = schema

    def fields(
        self,
        fields: Sequence[Field],
        type_name: str,
        alias: str,
        scalars: Columns,
        special: dict[str, Callable[[Field], str]],
    ) -> str:
        parts = []
        for f in fields:
            if f.name == "__typename":
                parts.append((f.key, typename(type_name)))
            elif f.name in scalars:
                parts.append((f.key, scalar(f"{alias}.{scalars[f.name]}")))
            elif f.name in special:
                parts.append((f.key, special[f.name](f)))
            else:
                raise Uncovered(f"{type_name}.{f.name}")
        return obj(parts)

    # ------------------------------------------------------------------ organisation

    def organisation(self, fields: Sequence[Field], o: str) -> str:
        return self.fields(
            fields,
            "Organisation",
            o,
            {
                "version": "version",
                "name": "name",
                "orgType": "org_type",
                "sector": "sector",
                "website": "website",
            },
            {
                "id": lambda f: global_id("Organisation", f"{o}.id"),
                "country": lambda f: country(f"{o}.country", leaves(f.fields, _COUNTRY)),
                "identifiers": lambda f: self.identifiers(f.fields, o),
            },
        )

    def identifiers(self, fields: Sequence[Field], o: str) -> str:
        """An organisation's identifiers from its jsonb list, in order; ``ref`` as the type
        gives it (the recorded one, else scheme and value joined by a dash)."""
        i = f"{o}_i"
        values = {
            "ref": scalar(
                f"coalesce({i}.e ->> 'ref', ({i}.e ->> 'scheme') || '-' || ({i}.e ->> 'id'))"
            ),
            "scheme": scalar(f"{i}.e ->> 'scheme'"),
            "value": scalar(f"{i}.e ->> 'id'"),
            "__typename": typename("OrganisationIdentifier"),
        }
        element = obj([(key, values[name]) for key, name in leaves(fields, frozenset(values))])
        source = f"FROM jsonb_array_elements({o}.identifiers) WITH ORDINALITY AS {i}(e, n)"
        return aggregate_list(element, source, f"{i}.n")

    # ------------------------------------------------------------------ partnership

    def partnership(self, fields: Sequence[Field], p: str) -> str:
        return self.fields(
            fields,
            "Partnership",
            p,
            {
                "version": "version",
                "title": "title",
                "summary": "summary",
                "objectives": "objectives",
                "status": "status",
                "practiceAreas": "practice_areas",
                "startDate": "start_date",
                "endDate": "end_date",
                "bestPractice": "best_practice",
                "iatiIdentifier": "iati_identifier",
            },
            {
                "id": lambda f: global_id("Partnership", f"{p}.id"),
                "countries": lambda f: country_list(f"{p}.countries", leaves(f.fields, _COUNTRY)),
                "regions": lambda f: area_list(f"{p}.regions", leaves(f.fields, _AREA)),
                "createdAt": lambda f: moment(f"{p}.created_at"),
                "updatedAt": lambda f: moment(f"{p}.updated_at"),
                "partners": lambda f: self.partners(f.fields, p),
                "activities": lambda f: self.activities(f.fields, p),
                "outcomes": lambda f: self.outcomes(f.fields, p),
                "lessons": lambda f: self.lessons(f.fields, p),
            },
        )

    def partners(self, fields: Sequence[Field], p: str) -> str:
        m, o = f"{p}_m", f"{p}_o"
        element = self.fields(
            fields,
            "Membership",
            m,
            {"role": "role", "since": "since", "until": "until", "confirmed": "confirmed"},
            {
                # A partner is always a registered organisation (the resolver asserts it).
                "organisation": lambda f: nullable_object(
                    f"{o}.id IS NOT NULL", self.organisation(f.fields, o)
                ),
            },
        )
        source = (
            f"FROM {self.s}.partnership_partners {m}"
            f" LEFT JOIN {self.s}.organisation_summary {o} ON {o}.id = {m}.organisation_id"
            f" WHERE {m}.partnership_id = {p}.id"
        )
        order = f"{m}.role <> 'LEAD', {m}.role, {m}.since, {m}.organisation_id"
        return aggregate_list(element, source, order)

    def activities(self, fields: Sequence[Field], p: str) -> str:
        a = f"{p}_a"
        element = self.fields(
            fields,
            "Activity",
            a,
            {
                "kind": "kind",
                "practiceArea": "practice_area",
                "title": "title",
                "description": "description",
                "startDate": "start_date",
                "endDate": "end_date",
                "targetGroups": "target_groups",
                "participants": "participants",
                "evidenceUrls": "evidence_urls",
                "retracted": "retracted",
            },
            {
                "id": lambda f: global_id("Activity", f"{a}.id"),
                "countries": lambda f: country_list(f"{a}.countries", leaves(f.fields, _COUNTRY)),
            },
        )
        source = f"FROM {self.s}.partnership_activities {a} WHERE {a}.partnership_id = {p}.id"
        return aggregate_list(element, source, f"{a}.logged_position")

    def outcomes(self, fields: Sequence[Field], p: str) -> str:
        o = f"{p}_x"
        element = self.fields(
            fields,
            "Outcome",
            o,
            {
                "resultLevel": "result_level",
                "indicator": "indicator",
                "unit": "unit",
                "baseline": "baseline",
                "target": "target",
                "actual": "actual",
                "periodStart": "period_start",
                "periodEnd": "period_end",
                "verification": "verification",
                "evidenceUrls": "evidence_urls",
            },
            {"id": lambda f: global_id("Outcome", f"{o}.id")},
        )
        source = f"FROM {self.s}.partnership_outcomes {o} WHERE {o}.partnership_id = {p}.id"
        return aggregate_list(element, source, f"{o}.reported_position")

    def lessons(self, fields: Sequence[Field], p: str) -> str:
        x = f"{p}_l"
        element = self.fields(fields, "Lesson", x, {"kind": "kind", "text": "text"}, {})
        source = f"FROM {self.s}.partnership_lessons {x} WHERE {x}.partnership_id = {p}.id"
        return aggregate_list(element, source, f"{x}.position")
