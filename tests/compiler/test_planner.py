"""The planner's statements: their shape, their parameters, and what it leaves to resolvers."""

from __future__ import annotations

from uuid import UUID

import pytest

from projections import compiler as c
from projections import queries as q
from projections.keysets import BadCursor, PartnershipOrder

F = c.Field


def page(*fields: c.Field, slot: int = 0) -> c.Field:
    return F("partnerships", "partnerships", fields, slot)


ARGS = c.PartnershipsArgs(q.PartnershipFilter(region="002"), PartnershipOrder.TITLE_ASC, 20, None)


def test_a_count_alone_reads_no_page() -> None:
    plan = c.plan([page(F("totalCount", "totalCount"))], [ARGS.shape])
    assert plan.sql.startswith("SELECT convert_to(")
    assert "row_number" not in plan.sql and "LIMIT" not in plan.sql
    assert "region_stats" in plan.sql  # a region's total is read, not counted


def test_a_page_is_a_keyset_range_of_its_order() -> None:
    node = F("node", "node", (F("title", "title"),))
    plan = c.plan([page(F("edges", "edges", (F("cursor", "cursor"), node)))], [ARGS.shape])
    assert plan.sql.count("SELECT convert_to(") == 1
    assert "ORDER BY ps1.title ASC, ps1.id ASC LIMIT" in plan.sql
    values = plan.bind([ARGS])
    assert "002" in values and 20 in values


def test_aliases_and_typenames_keep_their_order() -> None:
    plan = c.plan(
        [F("b", "__typename"), page(F("a", "totalCount"), F("t", "__typename"))],
        [(PartnershipOrder.CREATED_AT_DESC, (), False)],
    )
    assert plan.sql.index('"b":') < plan.sql.index('"partnerships":')
    assert plan.sql.index('"a":') < plan.sql.index('"t":')
    assert "'\"PartnershipConnection\"'" in plan.sql


def test_a_bad_cursor_is_refused_when_binding() -> None:
    node = F("edges", "edges", (F("cursor", "cursor"),))
    bad = c.PartnershipsArgs(q.PartnershipFilter(), PartnershipOrder.TITLE_ASC, 5, "garbage")
    plan = c.plan([page(node)], [bad.shape])
    with pytest.raises(BadCursor):
        plan.bind([bad])


def test_a_statement_holds_only_the_criteria_given_and_a_range_only_after_a_cursor() -> None:
    edges = page(F("edges", "edges", (F("cursor", "cursor"),)))
    first = c.plan([edges], [ARGS.shape]).sql
    assert "ps1.regions @> ARRAY[" in first and "ps1.countries @>" not in first
    assert "IS NULL OR" not in first  # one plan fits every execution of it
    assert "< ($" not in first
    after = c.PartnershipsArgs(ARGS.filter, PartnershipOrder.TITLE_ASC, 20, "a cursor")
    assert after.shape != ARGS.shape
    later = c.plan([edges], [after.shape]).sql
    assert "(ps1.title, ps1.id) > ($" in later and "IS NULL OR" not in later
    blank = c.PartnershipsArgs(q.PartnershipFilter(text="  "), PartnershipOrder.TITLE_ASC, 20, None)
    assert blank.shape == (PartnershipOrder.TITLE_ASC, (), False)  # a blank search is none


@pytest.mark.parametrize(
    ("fields", "shapes"),
    [
        ([F("events", "events", (), 0)], [None]),
        ([F("projectionStatus", "projectionStatus", (F("lag", "lag"),))], []),
        ([F("caseStudy", "caseStudy", (F("id", "id"),), 0)], [None]),
        (
            [
                F(
                    "caseStudies",
                    "caseStudies",
                    (F("edges", "edges", (F("node", "node", (F("c", "citations"),)),)),),
                    0,
                )
            ],
            [None],
        ),
        ([F("region", "region", (F("u", "exportUrl", (), 1),), 0)], [None, None]),
        ([F("node", "node", (), 0, {"CaseStudy": (F("id", "id"),)})], ["CaseStudy"]),
    ],
)
def test_what_the_compiler_leaves_to_the_resolvers(
    fields: list[c.Field], shapes: list[object]
) -> None:
    with pytest.raises(c.Uncovered):
        c.plan(fields, shapes)


def test_node_plans_the_type_its_id_names() -> None:
    variants = {
        "Partnership": (F("title", "title"),),
        "Organisation": (F("name", "name"),),
    }
    node = F("node", "node", (), 0, variants)
    as_partnership = c.plan([node], ["Partnership"])
    as_organisation = c.plan([node], ["Organisation"])
    assert "partnership_summary" in as_partnership.sql
    assert "organisation_summary" in as_organisation.sql
    assert (
        c.plan([node], [None]).sql == "SELECT convert_to(('{\"node\":' || 'null' || '}'), 'UTF8')"
    )
    uuid = UUID(int=1)
    assert as_partnership.bind([c.NodeArgs("Partnership", uuid)]) == [uuid]


def test_only_a_statement_of_keys_every_execution_gives_is_planned_once() -> None:
    by_id = F("partnership", "partnership", (F("title", "title"),), 0)
    plan = c.plan([by_id], [c.IdArgs(None).shape])
    assert plan.generic and plan.bind([c.IdArgs(UUID(int=7))]) == [UUID(int=7)]
    region = F("region", "region", (F("partnershipCount", "partnershipCount"),), 0)
    assert c.plan([region], [c.RegionArgs("002").shape]).generic  # an area by its code
    # A filter, a limit or a cursor changes what the best plan is: planned with its values.
    edges = page(F("edges", "edges", (F("cursor", "cursor"),)))
    assert not c.plan([edges], [ARGS.shape]).generic
    after = c.PartnershipsArgs(ARGS.filter, PartnershipOrder.TITLE_ASC, 20, "a cursor")
    assert not c.plan([edges], [after.shape]).generic
