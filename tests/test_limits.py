"""Request limits: depth, aliases, tokens and cost are refused before execution."""

from __future__ import annotations

from graphql import build_schema, parse
from hypothesis import given
from hypothesis import strategies as st

from schema.document_cost import measure_operation
from schema.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH, limit_errors
from schema.schema import build_schema as registry_schema

SDL = """
type Item { name: String children(first: Int): [Item!]! }
type Query { items(first: Int): [Item!]! }
"""
SCHEMA = build_schema(SDL)


def cost(document: str) -> int:
    parsed = parse(document)
    operation = parsed.definitions[0]
    return measure_operation(SCHEMA, parsed, operation).cost  # type: ignore[arg-type]


def test_a_field_costs_one_and_pages_multiply_their_children() -> None:
    assert cost("{ items(first: 10) { name } }") == 1 + 10 * 1
    assert cost("{ items(first: 10) { children(first: 5) { name } } }") == 1 + 10 * (1 + 5 * 1)


def test_a_page_size_given_as_a_variable_counts_as_the_largest_page() -> None:
    assert cost("query($n: Int) { items(first: $n) { name } }") == 1 + 100


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=1, max_value=100))
def test_cost_grows_with_first_times_child_cost(outer: int, inner: int) -> None:
    document = f"{{ items(first: {outer}) {{ children(first: {inner}) {{ name }} }} }}"
    assert cost(document) == 1 + outer * (1 + inner)


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=1, max_value=100))
def test_a_fragment_costs_what_its_expansion_costs(outer: int, inner: int) -> None:
    inline = f"{{ items(first: {outer}) {{ children(first: {inner}) {{ name }} }} }}"
    spread = (
        f"{{ items(first: {outer}) {{ ...F }} }}"
        f" fragment F on Item {{ children(first: {inner}) {{ name }} }}"
    )
    assert cost(spread) == cost(inline)


def test_a_request_over_the_cost_limit_is_refused_with_its_cost() -> None:
    document = parse(
        "{ items(first: 100) { children(first: 100) { children(first: 100) { name } } } }"
    )
    errors = list(limit_errors(SCHEMA, document))
    assert len(errors) == 1
    expected = 1 + 100 * (1 + 100 * (1 + 100))
    assert expected > MAX_COST
    assert f"costs {expected}" in errors[0].message
    assert errors[0].extensions == {"code": "QUERY_TOO_COSTLY"}


def test_deep_queries_are_refused_before_execution() -> None:
    nested = "partner { " * (MAX_DEPTH + 1) + "id" + " }" * (MAX_DEPTH + 1)
    result = registry_schema().execute_sync('{ node(id: "x") { id ' + nested + " } }")
    assert result.errors and result.data is None


def test_alias_bombs_are_refused_before_execution() -> None:
    aliases = " ".join(f'a{n}: node(id: "x") {{ id }}' for n in range(MAX_ALIASES + 1))
    result = registry_schema().execute_sync("{ " + aliases + " }")
    assert result.errors and "aliases" in result.errors[0].message.lower()
    assert result.data is None
