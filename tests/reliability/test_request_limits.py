"""Findings 1, 3 and 11 of the hardening issue: every limit is checked in time linear in the
document, before parse (tokens) or before the standard rules (everything else).

The checks count work rather than time it: a fragment bomb must be measured with one visit per
field node written, and graphql-core's parser and standard validation must never see a document
that a limit refuses.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLError
from hypothesis import given, settings
from hypothesis import strategies as st

import schema.document_cost as document_cost
import schema.limits as limits
from schema.schema import build_schema

SCHEMA = build_schema()


def fan_out(levels: int) -> str:
    """Each fragment spreads the next one twice: 2^levels fields once expanded, no cycle."""
    fragments = [
        f"fragment F{n} on Partnership {{ a: partners {{ role }} ...F{n + 1} ...F{n + 1} }}"
        for n in range(levels)
    ]
    fragments.append(f"fragment F{levels} on Partnership {{ title }}")
    return "{ partnerships(first: 1) { edges { node { ...F0 } } } } " + " ".join(fragments)


def codes(result: Any) -> list[str]:
    return [(error.extensions or {}).get("code", "") for error in result.errors or ()]


@pytest.fixture
def fresh_caches() -> None:
    limits._cached_parse.cache_clear()
    limits._cached_validation.cache_clear()


@pytest.fixture
def no_standard_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("the standard rules ran on a document a limit refuses")

    monkeypatch.setattr(limits, "validate_document", refuse)


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
@pytest.mark.parametrize("levels", [18, 40])
def test_a_fragment_fan_out_is_measured_once_per_field_written(
    levels: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    visits = 0
    field = document_cost._Measurer.field

    def counted(self: document_cost._Measurer, *args: Any) -> Any:
        nonlocal visits
        visits += 1
        return field(self, *args)

    monkeypatch.setattr(document_cost._Measurer, "field", counted)
    result = SCHEMA.execute_sync(fan_out(levels))
    assert result.data is None
    assert "QUERY_TOO_COSTLY" in codes(result) or "TOO_MANY_ALIASES" in codes(result)
    written = 2 * levels + 4  # a: partners and role per fragment, the last title, the root path
    assert visits <= written


@pytest.mark.usefixtures("fresh_caches")
def test_a_document_over_the_token_limit_never_reaches_the_parser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("graphql-core parsed a document over the token limit")

    monkeypatch.setattr(limits, "parse", refuse)
    document = "{ " + " ".join(f"f{n}: __typename" for n in range(limits.MAX_TOKENS)) + " }"
    with pytest.raises(GraphQLError) as refused:
        limits.parse_document(document)
    assert refused.value.extensions == {"code": "TOO_MANY_TOKENS"}
    result = SCHEMA.execute_sync(document)
    assert codes(result) == ["TOO_MANY_TOKENS"]


@pytest.mark.usefixtures("fresh_caches")
def test_the_token_count_agrees_with_graphql_cores_lexer() -> None:
    from graphql.language import Lexer, Source, TokenKind

    document = '{ a: partnerships(filter: {text: "x, y"}) { totalCount } } # comment\n'
    lexer = Lexer(Source(document))
    tokens = 0
    while lexer.advance().kind is not TokenKind.EOF:
        tokens += 1
    assert limits.count_tokens(document) == tokens


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
def test_a_thousand_repeated_fields_are_refused_before_the_pairwise_rule() -> None:
    result = SCHEMA.execute_sync("{ " + "__typename " * 1_000 + "}")
    assert codes(result) == ["TOO_MANY_REPEATS"]


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
def test_a_thousand_typename_aliases_are_refused_by_the_alias_limit() -> None:
    result = SCHEMA.execute_sync("{ " + " ".join(f"a{n}: __typename" for n in range(1_000)) + " }")
    assert "TOO_MANY_ALIASES" in codes(result)


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
def test_twenty_aliases_of_every_regions_case_studies_are_refused_by_cost() -> None:
    # Finding 3: 3.2 KB accepted, 4.57 MB returned. ``regions`` is a list of every M49 area.
    selection = (
        "regions { area { code name } caseStudies(first: 100) { edges { node {"
        " id title evidenceScore regions { code name } citations { position } } } } }"
    )
    document = "{ " + " ".join(f"r{n}: {selection}" for n in range(20)) + " }"
    result = SCHEMA.execute_sync(document)
    assert "QUERY_TOO_COSTLY" in codes(result)


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
def test_an_alias_bomb_is_refused_before_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("graphql-core parsed a document over the alias limit")

    monkeypatch.setattr(limits, "parse", refuse)
    document = "{ " + " ".join(f"a{n}: __typename" for n in range(limits.MAX_ALIASES + 1)) + " }"
    result = SCHEMA.execute_sync(document)
    assert codes(result) == ["TOO_MANY_ALIASES"]


@pytest.mark.usefixtures("fresh_caches", "no_standard_rules")
def test_repeated_fields_are_refused_before_the_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("graphql-core parsed a document over the repeat limit")

    monkeypatch.setattr(limits, "parse", refuse)
    document = "{ regions { code " + "name " * (limits.MAX_REPEATS + 1) + "} }"
    result = SCHEMA.execute_sync(document)
    assert codes(result) == ["TOO_MANY_REPEATS"]


# Documents that hide colons and braces where they are not aliases: arguments and their object
# values, variable definitions with defaults, directives, strings, block strings and comments.
_names = st.sampled_from(["a", "b", "on", "query", "_x", "title", "f1", "a", "a"])
_values = st.sampled_from(
    ["1", "-2.5e3", '"s: {x}"', '"""q: { """', "$v", '{k: 1, s: "a:b}"}', "[1, {x: {y: 2}}]"]
)


@st.composite
def _selection_sets(draw: st.DrawFn, depth: int = 0) -> str:
    selections = []
    for _ in range(draw(st.integers(1, 6))):
        kind = draw(
            st.sampled_from(["field", "field", "inline", "spread"] if depth < 3 else ["field"])
        )
        if kind == "inline":
            selections.append(f"... on {draw(_names)} {draw(_selection_sets(depth + 1))}")
        elif kind == "spread":
            selections.append(f"...F{draw(st.integers(0, 3))}")
        else:
            alias = f"{draw(_names)}: " if draw(st.booleans()) else ""
            arguments = f"(x: {draw(_values)}, y: {draw(_values)})" if draw(st.booleans()) else ""
            directive = " @include(if: $v)" if draw(st.booleans()) else ""
            comment = " # z: { w }\n" if draw(st.booleans()) else " "
            children = draw(_selection_sets(depth + 1)) if depth < 3 and draw(st.booleans()) else ""
            selections.append(f"{alias}{draw(_names)}{arguments}{directive}{comment}{children}")
    return "{ " + ", ".join(selections) + " }"


@st.composite
def _documents(draw: st.DrawFn) -> str:
    definitions = []
    for n in range(draw(st.integers(1, 3))):
        form = draw(st.sampled_from(["shorthand", "named", "fragment"]))
        body = draw(_selection_sets())
        if form == "named":
            definitions.append(f"query Q{n}($v: Boolean = true, $w: In = {{a: 1}}) {body}")
        elif form == "fragment":
            definitions.append(f"fragment F{n} on T @d(a: {{b: 1}}) {body}")
        else:
            definitions.append(body)
    return "\n".join(definitions)


def _written(document: str) -> tuple[int, int]:
    """The parser's view: the most aliases in one definition, the most times one response
    name is written among a selection set's own fields."""
    from collections import Counter

    from graphql import FieldNode, SelectionSetNode, Visitor, parse, visit

    class Counts(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.aliases = self.repeats = 0

        def enter_field(self, node: FieldNode, *_args: Any) -> None:
            self.aliases += node.alias is not None

        def enter_selection_set(self, node: SelectionSetNode, *_args: Any) -> None:
            names = Counter(
                (field.alias or field.name).value
                for field in node.selections
                if isinstance(field, FieldNode)
            )
            self.repeats = max(self.repeats, max(names.values(), default=0))

    most_aliases = most_repeats = 0
    for definition in parse(document).definitions:
        counts = Counts()
        visit(definition, counts)
        most_aliases = max(most_aliases, counts.aliases)
        most_repeats = max(most_repeats, counts.repeats)
    return most_aliases, most_repeats


@given(_documents())
@settings(max_examples=300, deadline=None)
def test_the_scan_counts_what_graphql_cores_parser_sees(document: str) -> None:
    from graphql.language import Lexer, Source, TokenKind

    lexer = Lexer(Source(document))
    tokens = 0
    while lexer.advance().kind is not TokenKind.EOF:
        tokens += 1
    scanned = limits.scan(document)
    assert scanned.tokens == min(tokens, limits.MAX_TOKENS + 1)
    assert (scanned.most_aliases, scanned.most_repeats) == _written(document)
