"""Plans a collected query selection into one SQL statement that returns the ``data`` JSON.

The statement's one value is the UTF-8 of the response's ``data`` object (bytea, so the driver
hands the bytes over undecoded). Arguments become bind parameters: a ``Plan`` holds, for each
placeholder, which field's arguments it reads and how, so one prepared statement serves every
request of a document. What changes the statement's text (the order of a connection, the type
``node`` finds) is part of the plan's key, the ``shapes``. Conditions on an argument that may
be null are written ``($n IS NULL OR ...)``: the read pool plans each execution with its values
(``plan_cache_mode = force_custom_plan``), so the planner drops what does not apply and the
indexes serve what does, as for the resolvers' statements that leave such criteria out.
"""

# The compiler writes SQL: every value in it is a placeholder or a constant of this package.
# ruff: noqa: S608

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from projections import case_studies as cs
from projections import queries as q
from projections.compiler import regions as rg
from projections.compiler.objects import Objects, leaves, typename
from projections.compiler.text import area, area_list, global_id, obj
from projections.compiler.tree import Arguments, CaseStudiesArgs, Field, Uncovered
from projections.keysets import (
    ORGANISATION_KEYSET,
    PARTNERSHIP_KEYSETS,
    Keyset,
    PartnershipOrder,
    case_study_cursor_sql,
)
from projections.read_model import ALL, LIVE_SCHEMA, quoted

Getter = Callable[[Any], Any]


@dataclass(frozen=True)
class Plan:
    sql: str
    parameters: tuple[tuple[int, Getter], ...]  # per placeholder: (slot, value from its args)
    # Planned once for every execution without loss: its only parameters are keys every
    # execution gives (ids, area codes; no "$n IS NULL OR" criterion, cursor or limit). Planning
    # the statement each time cost three times its run (0.5 of 0.67 ms for a partnership page).
    generic: bool = False

    def bind(self, arguments: Sequence[Arguments]) -> list[Any]:
        """The placeholders' values; raises ``BadCursor`` as the resolvers' queries would."""
        return [get(arguments[slot]) for slot, get in self.parameters]


def plan(fields: Sequence[Field], shapes: Sequence[Any], schema: str = LIVE_SCHEMA) -> Plan:
    """The statement for the root ``fields``; ``shapes[slot]`` is that slot's arguments' shape.

    Raises ``Uncovered`` for anything the compiler does not answer.
    """
    planner = _Planner(schema, shapes)
    data = obj([(f.key, planner.root(f)) for f in fields])
    sql = f"SELECT convert_to({data}, 'UTF8')"
    if planner.types:
        # Every placeholder named once with its type, so the statement prepares whichever of
        # them the selection ended up using (a connection's parameters are made together).
        declared = ", ".join(f"${n}::{t}" for n, t in enumerate(planner.types, start=1))
        sql += f" FROM (SELECT {declared}) AS arguments"
    generic = bool(planner.types) and planner.keys_only and "IS NULL OR" not in sql
    return Plan(sql, tuple(planner.parameters), generic=generic)


@dataclass(frozen=True)
class _Listing:
    """A connection's rows: where they come from, how they are ordered, what a node is."""

    type_name: str  # of the connection; its edges are "<Type>Edge" without "Connection"
    source: str  # FROM ... (with the alias the conditions use)
    alias: str
    columns: str  # what a page row carries, in terms of alias
    conditions: str
    order: Callable[[str], str]  # ORDER BY over an alias
    cursor: Callable[[str], str]  # a row's cursor over an alias
    count: str  # the total, as a SQL integer expression
    first: str  # placeholders
    has_previous: str
    node: Callable[[Sequence[Field], str], str]
    prefix: str = ""  # WITH ... before the page's SELECT


class _Planner:
    def __init__(self, schema: str, shapes: Sequence[Any]) -> None:
        self.schema = schema
        self.s = quoted(schema)
        self.shapes = shapes
        self.parameters: list[tuple[int, Getter]] = []
        self.types: list[str] = []
        self.keys_only = True  # every parameter so far is a key (see ``param``)
        self.objects = Objects(self.s)
        self.aliases = 0

    def param(self, slot: int, get: Getter, sql_type: str, *, key: bool = False) -> str:
        """A placeholder; ``key``: a value every execution gives that is looked up by equality
        (an id, an area's code), so no value of it calls for another plan than the others."""
        self.parameters.append((slot, get))
        self.types.append(sql_type)
        self.keys_only = self.keys_only and key
        return f"${len(self.parameters)}::{sql_type}"

    def alias(self, stem: str) -> str:
        self.aliases += 1
        return f"{stem}{self.aliases}"

    def slot(self, field: Field) -> int:
        if field.slot is None:
            raise Uncovered(f"{field.name} without arguments")
        return field.slot

    # ------------------------------------------------------------------ Query

    def root(self, f: Field) -> str:
        if f.name == "__typename":
            return typename("Query")
        compile = {
            "partnerships": self.partnerships,
            "partnership": self.partnership_by_id,
            "organisation": self.organisation_by_id,
            "organisations": self.organisations,
            "node": self.node,
            "regions": self.regions,
            "region": self.region,
            "caseStudies": self.case_studies_root,
        }.get(f.name)
        if compile is None:
            raise Uncovered(f"Query.{f.name}")
        return compile(f)

    def _by_id(self, table: str, uuid: str, make: Callable[[str], str]) -> str:
        row = self.alias("n")
        return (
            f"coalesce((SELECT {make(row)} FROM {self.s}.{table} {row}"
            f" WHERE {row}.id = {uuid}), 'null')"
        )

    def partnership_by_id(self, f: Field) -> str:
        uuid = self.param(self.slot(f), lambda a: a.uuid, "uuid", key=True)
        return self._by_id(
            "partnership_summary", uuid, lambda p: self.objects.partnership(f.fields, p)
        )

    def organisation_by_id(self, f: Field) -> str:
        uuid = self.param(self.slot(f), lambda a: a.uuid, "uuid", key=True)
        return self._by_id(
            "organisation_summary", uuid, lambda o: self.objects.organisation(f.fields, o)
        )

    def node(self, f: Field) -> str:
        slot = self.slot(f)
        type_name = self.shapes[slot]
        if type_name is None:
            return "'null'"
        fields = f.variants.get(type_name)
        if fields is None:
            raise Uncovered(f"node of type {type_name}")
        uuid = self.param(slot, lambda a: a.uuid, "uuid", key=True)
        if type_name == "Partnership":
            return self._by_id(
                "partnership_summary", uuid, lambda p: self.objects.partnership(fields, p)
            )
        if type_name == "Organisation":
            return self._by_id(
                "organisation_summary", uuid, lambda o: self.objects.organisation(fields, o)
            )
        raise Uncovered(f"node of type {type_name}")

    # ------------------------------------------------------------------ connections

    def connection(self, f: Field, listing: _Listing) -> str:
        x = listing.alias
        page = self.alias("page")
        row = self.alias("r")
        aggregates: list[str] = []
        parts: list[tuple[str, str]] = []
        for c in f.fields:
            if c.name == "__typename":
                parts.append((c.key, typename(listing.type_name)))
            elif c.name == "totalCount":
                parts.append((c.key, f"({listing.count})::text"))
            elif c.name == "edges":
                column = f"e{len(aggregates)}"
                edge = self._edge(c.fields, listing, row)
                aggregates.append(
                    f"string_agg({edge}, ',' ORDER BY {row}.rn)"
                    f" FILTER (WHERE {row}.rn <= {listing.first}) AS {column}"
                )
                parts.append((c.key, f"'[' || coalesce({page}.{column}, '') || ']'"))
            elif c.name == "pageInfo":
                parts.append((c.key, self._page_info(c.fields, listing, page, row, aggregates)))
            else:
                raise Uncovered(f"{listing.type_name}.{c.name}")
        value = obj(parts)
        if not aggregates:
            return f"({listing.prefix}SELECT {value})" if listing.prefix else value
        rows = (
            f"SELECT {x}.*, row_number() OVER (ORDER BY {listing.order(x)}) AS rn"
            f" FROM (SELECT {listing.columns} {listing.source} WHERE {listing.conditions}"
            f" ORDER BY {listing.order(x)} LIMIT {listing.first} + 1) {x}"
        )
        return (
            f"({listing.prefix}SELECT {value} FROM (SELECT {', '.join(aggregates)}"
            f" FROM ({rows}) {row}) {page})"
        )

    def _edge(self, fields: Sequence[Field], listing: _Listing, row: str) -> str:
        edge_type = listing.type_name.removesuffix("Connection") + "Edge"
        parts = []
        for c in fields:
            if c.name == "__typename":
                parts.append((c.key, typename(edge_type)))
            elif c.name == "cursor":
                parts.append((c.key, "'\"' || " + listing.cursor(row) + " || '\"'"))
            elif c.name == "node":
                parts.append((c.key, listing.node(c.fields, row)))
            else:
                raise Uncovered(f"{edge_type}.{c.name}")
        return obj(parts)

    def _page_info(
        self,
        fields: Sequence[Field],
        listing: _Listing,
        page: str,
        row: str,
        aggregates: list[str],
    ) -> str:
        parts = []
        for c in fields:
            column = f"i{len(aggregates)}"
            if c.name == "__typename":
                parts.append((c.key, typename("PageInfo")))
                continue
            if c.name == "hasPreviousPage":
                parts.append(
                    (c.key, f"CASE WHEN {listing.has_previous} THEN 'true' ELSE 'false' END")
                )
                continue
            if c.name == "hasNextPage":
                aggregates.append(f"count(*) > {listing.first} AS {column}")
                parts.append((c.key, f"CASE WHEN {page}.{column} THEN 'true' ELSE 'false' END"))
                continue
            if c.name == "startCursor":
                aggregates.append(
                    f"min(CASE WHEN {row}.rn = 1 THEN {listing.cursor(row)} END) AS {column}"
                )
            elif c.name == "endCursor":
                aggregates.append(
                    f"(array_agg({listing.cursor(row)} ORDER BY {row}.rn DESC)"
                    f" FILTER (WHERE {row}.rn <= {listing.first}))[1] AS {column}"
                )
            else:
                raise Uncovered(f"PageInfo.{c.name}")
            parts.append((c.key, f"coalesce('\"' || {page}.{column} || '\"', 'null')"))
        return obj(parts)

    def partnerships(self, f: Field) -> str:
        slot = self.slot(f)
        order: PartnershipOrder
        given: tuple[str, ...]
        order, given, after = self.shapes[slot]
        keyset = PARTNERSHIP_KEYSETS[order]
        x = self.alias("ps")
        p = self.param

        def criterion(name: str) -> Getter:
            return lambda a: getattr(a.filter, name) if a.filter is not None else None

        empty = p(slot, lambda a: a.filter is None, "bool")
        region = p(slot, criterion("region"), "text")
        country = p(slot, criterion("country"), "text")
        practice_area = p(slot, criterion("practice_area"), "text")
        sector = p(slot, criterion("sector"), "text")
        organisation = p(slot, criterion("organisation_id"), "uuid")
        status = p(slot, criterion("status"), "text")
        best_practice = p(slot, criterion("best_practice"), "text")
        text = p(slot, lambda a: q.searched(a.filter.text) if a.filter else None, "text")
        iati_identifier = p(slot, criterion("iati_identifier"), "text")
        # Only the criteria given (the shape says which): see ``PartnershipsArgs.shape``.
        criteria = {
            "region": f"{x}.regions @> ARRAY[{region}]",
            "country": f"{x}.countries @> ARRAY[{country}]",
            "practice_area": f"{x}.practice_areas @> ARRAY[{practice_area}]",
            "sector": f"EXISTS (SELECT 1 FROM {self.s}.partnership_partners pp"
            f" JOIN {self.s}.organisation_summary o ON o.id = pp.organisation_id"
            f" WHERE pp.partnership_id = {x}.id AND pp.until IS NULL AND o.sector = {sector})",
            "organisation_id": f"EXISTS (SELECT 1 FROM {self.s}.partnership_partners pp"
            f" WHERE pp.partnership_id = {x}.id AND pp.organisation_id = {organisation})",
            "status": f"{x}.status = {status}",
            "best_practice": f"{x}.best_practice = {best_practice}",
            "text": f"{x}.search @@ websearch_to_tsquery('english', {text})",
            "iati_identifier": f"{x}.iati_identifier = {iati_identifier}",
        }
        filtered = " AND ".join([f"NOT {empty}", *(criteria[name] for name in given)])
        stats = p(
            slot,
            lambda a: a.filter is not None and q.region_stats_column(a.filter) is not None,
            "bool",
        )
        count = (
            f"CASE WHEN {empty} THEN 0 WHEN {stats} THEN coalesce((SELECT"
            f" CASE {status} WHEN 'ACTIVE' THEN rs.active_count"
            f" WHEN 'CONCLUDED' THEN rs.concluded_count ELSE rs.partnership_count END"
            f" FROM {self.s}.region_stats rs WHERE rs.area_code = {region}"
            f" AND rs.practice_area = coalesce({practice_area}, '{ALL}')"
            f" AND rs.sector = coalesce({sector}, '{ALL}')), 0)"
            f" ELSE (SELECT count(*) FROM {self.s}.partnership_summary {x}"
            f" WHERE {filtered}) END"
        )
        ranged = "true"
        if after:
            ranged = self._after(slot, keyset, x, lambda a: a.filter is not None, given=True)
        return self.connection(
            f,
            _Listing(
                type_name="PartnershipConnection",
                source=f"FROM {self.s}.partnership_summary {x}",
                alias=x,
                columns=", ".join(f"{x}.{c.strip()}" for c in q.PARTNERSHIP_COLUMNS.split(",")),
                conditions=f"{filtered} AND {ranged}",
                order=keyset.order_by,
                cursor=keyset.cursor_sql,
                count=count,
                first=p(slot, lambda a: a.first, "int"),
                has_previous=p(
                    slot, lambda a: a.after is not None and a.filter is not None, "bool"
                ),
                node=self.objects.partnership,
            ),
        )

    def _after(
        self,
        slot: int,
        keyset: Keyset,
        x: str,
        decoded: Callable[[Any], bool],
        *,
        given: bool = False,
    ) -> str:
        """The keyset range after the slot's cursor, decoded only when the resolver would.

        ``given``: the shape says there is a cursor, so the range needs no ``IS NULL`` case.
        """

        def cursor(a: Any) -> Any:
            return keyset.decode(a.after) if a.after is not None and decoded(a) else (None, None)

        sort_type = "timestamptz" if keyset.timestamp else "text"
        value = self.param(slot, lambda a: cursor(a)[0], sort_type)
        id_ = self.param(slot, lambda a: cursor(a)[1], "uuid")
        after = keyset.after_sql(x, value, id_)
        return after if given else f"({value} IS NULL OR {after})"

    def organisations(self, f: Field) -> str:
        slot = self.slot(f)
        x = self.alias("os")
        p = self.param

        def criterion(name: str) -> Getter:
            return lambda a: getattr(a.filter, name)

        country = p(slot, criterion("country"), "text")
        sector = p(slot, criterion("sector"), "text")
        org_type = p(slot, criterion("org_type"), "text")
        text = p(slot, lambda a: q.searched(a.filter.text), "text")
        filtered = (
            f"({country} IS NULL OR {x}.country = {country})"
            f" AND ({sector} IS NULL OR {x}.sector = {sector})"
            f" AND ({org_type} IS NULL OR {x}.org_type = {org_type})"
            f" AND ({text} IS NULL OR {x}.search @@ websearch_to_tsquery('simple', {text}))"
        )
        ranged = self._after(slot, ORGANISATION_KEYSET, x, lambda a: True)
        return self.connection(
            f,
            _Listing(
                type_name="OrganisationConnection",
                source=f"FROM {self.s}.organisation_summary {x}",
                alias=x,
                columns=", ".join(f"{x}.{c.strip()}" for c in q.ORGANISATION_COLUMNS.split(",")),
                conditions=f"{filtered} AND {ranged}",
                order=ORGANISATION_KEYSET.order_by,
                cursor=ORGANISATION_KEYSET.cursor_sql,
                count=f"SELECT count(*) FROM {self.s}.organisation_summary {x} WHERE {filtered}",
                first=p(slot, lambda a: a.first, "int"),
                has_previous=p(slot, lambda a: a.after is not None, "bool"),
                node=self.objects.organisation,
            ),
        )

    # ------------------------------------------------------------------ case studies

    def case_studies_root(self, f: Field) -> str:
        slot = self.slot(f)
        region = self.param(slot, lambda a: a.region, "text")
        return self.case_studies(f, slot, region)

    def case_studies(self, f: Field, slot: int, region: str) -> str:
        p = self.param
        practice_area = p(slot, lambda a: a.practice_area, "text")
        ps = self.alias("ps")

        def after(a: CaseStudiesArgs) -> tuple[Any, Any, Any]:
            return cs.decode_after(a.after) if a.after is not None else (None, None, None)

        halves = p(slot, lambda a: after(a)[0], "bigint")
        title = p(slot, lambda a: after(a)[1], "text")
        uuid = p(slot, lambda a: after(a)[2], "uuid")
        # The stored score, in the order of partnership_summary_by_evidence (see
        # projections.case_studies.pages): the page is the first rows of an index walk.
        matching = (
            f"{ps}.best_practice = 'ENDORSED'"
            f" AND ({region} IS NULL OR {ps}.regions @> ARRAY[{region}])"
            f" AND ({practice_area} IS NULL OR {ps}.practice_areas @> ARRAY[{practice_area}])"
        )
        ranged = (
            f'({halves} IS NULL OR (-{ps}.evidence_halves, {ps}.title COLLATE "C", {ps}.id)'
            f' > (-{halves}, {title} COLLATE "C", {uuid}))'
        )
        # region_stats counts the endorsed partnerships of an area ('*': all) and practice
        # area; '*' as a practice area is a total there, which no partnership matches.
        count = (
            f"CASE WHEN {practice_area} = '{ALL}' THEN (SELECT count(*)"
            f" FROM {self.s}.partnership_summary {ps} WHERE {matching})"
            f" ELSE coalesce((SELECT best_endorsed_count FROM {self.s}.region_stats"
            f" WHERE area_code = coalesce({region}, '{ALL}')"
            f" AND practice_area = coalesce({practice_area}, '{ALL}')"
            f" AND sector = '{ALL}'), 0) END"
        )

        def order(alias: str) -> str:
            return f'-{alias}.evidence_halves, {alias}.title COLLATE "C", {alias}.id'

        def cursor(alias: str) -> str:
            return case_study_cursor_sql(
                f"{alias}.evidence_halves", f"{alias}.title", f"{alias}.id"
            )

        return self.connection(
            f,
            _Listing(
                type_name="CaseStudyConnection",
                source=f"FROM {self.s}.partnership_summary {ps}",
                alias=ps,
                columns=(
                    f"{ps}.id, {ps}.title, {ps}.regions, {ps}.practice_areas, {ps}.evidence_halves"
                ),
                conditions=f"{matching} AND {ranged}",
                order=order,
                cursor=cursor,
                count=count,
                first=p(slot, lambda a: a.first, "int"),
                has_previous=p(slot, lambda a: a.after is not None, "bool"),
                node=self.case_study,
            ),
        )

    def case_study(self, fields: Sequence[Field], c: str) -> str:
        def partnership(f: Field) -> str:
            return self._by_id(
                "partnership_summary", f"{c}.id", lambda p: self.objects.partnership(f.fields, p)
            )

        return self.objects.fields(
            fields,
            "CaseStudy",
            c,
            {"title": "title"},
            {
                "id": lambda f: _global("CaseStudy", c),
                "regions": lambda f: _areas(f, c),
                "evidenceScore": lambda f: f"to_json({c}.evidence_halves::float8 / 2)::text",
                "partnership": partnership,
            },
        )

    # ------------------------------------------------------------------ regions

    def regions(self, f: Field) -> str:
        codes = self.param(self.slot(f), lambda a: list(a.codes), "text[]", key=True)
        r, st = self.alias("rg"), self.alias("st")
        element = self.region_summary(f.fields, r, st)
        joined = rg.stats_join(self.s, codes, r, st) if rg.reads_stats(f.fields) else ""
        return (
            f"(SELECT '[' || coalesce(string_agg({element}, ',' ORDER BY {r}.n), '') || ']'"
            f" FROM unnest({codes}) WITH ORDINALITY AS {r}(code, n){joined})"
        )

    def region(self, f: Field) -> str:
        code = self.param(self.slot(f), lambda a: a.code, "text", key=True)
        r, st = self.alias("rg"), self.alias("st")
        joined = ""
        if rg.reads_stats(f.fields):
            joined = rg.stats_join(self.s, f"ARRAY[{code}]", r, st)
        return (
            f"coalesce((SELECT {self.region_summary(f.fields, r, st)}"
            f" FROM (SELECT {code} AS code) {r}{joined} WHERE {r}.code IS NOT NULL), 'null')"
        )

    def region_summary(self, fields: Sequence[Field], r: str, st: str) -> str:
        """An area's summary; its figures are the columns of ``st`` (``regions.stats_join``)."""
        parts = []
        for f in fields:
            if f.name == "__typename":
                parts.append((f.key, typename("RegionSummary")))
            elif f.name == "area":
                parts.append((f.key, area(f"{r}.code", _area_fields(f))))
            elif f.name in rg.TOTALS:
                parts.append((f.key, rg.total(f, st)))
            elif rg.is_breakdown(f):
                parts.append((f.key, rg.breakdown(f, st)))
            elif f.name == "caseStudies":
                parts.append((f.key, self.case_studies(f, self.slot(f), f"{r}.code")))
            else:
                raise Uncovered(f"RegionSummary.{f.name}")
        return obj(parts)


_AREA_FIELDS = frozenset({"code", "name", "level", "__typename"})


def _area_fields(f: Field) -> list[tuple[str, str]]:
    return leaves(f.fields, _AREA_FIELDS)


def _global(type_name: str, alias: str) -> str:
    return global_id(type_name, f"{alias}.id")


def _areas(f: Field, alias: str) -> str:
    return area_list(f"{alias}.regions", _area_fields(f))
