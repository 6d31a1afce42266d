"""Request limits: depth, aliases, tokens and cost are refused before execution."""

from __future__ import annotations

from graphql import build_schema, parse, validate
from hypothesis import given
from hypothesis import strategies as st

from schema.limits import MAX_ALIASES, MAX_COST, MAX_DEPTH, CostLimit, selection_cost
from schema.schema import build_schema as registry_schema

SDL = """
type Item { name: String children(first: Int): [Item!]! }
type Query { items(first: Int): [Item!]! }
"""


def cost(document: str) -> int:
    operation = parse(document).definitions[0]
    return selection_cost(operation.selection_set, {})  # type: ignore[attr-defined]


def test_a_field_costs_one_and_pages_multiply_their_children() -> None:
    assert cost("{ items(first: 10) { name } }") == 1 + 10 * 1
    assert cost("{ items(first: 10) { children(first: 5) { name } } }") == 1 + 10 * (1 + 5 * 1)


def test_a_page_size_given_as_a_variable_counts_as_the_largest_page() -> None:
    assert cost("query($n: Int) { items(first: $n) { name } }") == 1 + 100


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=1, max_value=100))
def test_cost_grows_with_first_times_child_cost(outer: int, inner: int) -> None:
    document = f"{{ items(first: {outer}) {{ children(first: {inner}) {{ name }} }} }}"
    assert cost(document) == 1 + outer * (1 + inner)


def test_a_request_over_the_cost_limit_is_refused_with_its_cost() -> None:
    document = parse(
        "{ items(first: 100) { children(first: 100) { children(first: 100) { name } } } }"
    )
    errors = validate(build_schema(SDL), document, [CostLimit])
    assert len(errors) == 1
    expected = 1 + 100 * (1 + 100 * (1 + 100))
    assert expected > MAX_COST
    assert f"costs {expected}" in errors[0].message


def test_deep_queries_are_refused_before_execution() -> None:
    nested = "partner { " * (MAX_DEPTH + 1) + "id" + " }" * (MAX_DEPTH + 1)
    result = registry_schema().execute_sync('{ node(id: "x") { id ' + nested + " } }")
    assert result.errors and result.data is None


def test_alias_bombs_are_refused_before_execution() -> None:
    aliases = " ".join(f'a{n}: node(id: "x") {{ id }}' for n in range(MAX_ALIASES + 1))
    result = registry_schema().execute_sync("{ " + aliases + " }")
    assert result.errors and "aliases" in result.errors[0].message.lower()
    assert result.data is None
