"""Limits a request must keep before it runs: tokens, depth, aliases and cost.

In the order of their price: one scan of the text (a regular expression, before any parse tree
exists) stops at ``MAX_TOKENS`` and counts the aliases each definition writes and the names each
selection set repeats, so those bombs are refused at the price of a tokenizer, not a parser;
one linear pass (``schema.document_cost``, fragments measured once) checks depth, aliases and
cost; only a document within every limit meets graphql-core's standard rules, some of which walk
the whole expanded tree or compare fields pairwise (1,000 repeated fields, an alias bomb). Parses
and validations of small documents are cached by their text, so a repeated query pays neither.
Every refusal carries a code in its ``extensions``.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from graphql import (
    ASTValidationRule,
    DocumentNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    specified_rules,
)
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from schema.document_cost import measure_operation

MAX_DEPTH = 10
MAX_TOKENS = 5_000
MAX_ALIASES = 30
# A page of 20 partnerships with every partner, activity and outcome costs about 116,000; one
# alias of ``regions { caseStudies(first: 100) }`` with its citations costs 524,000.
MAX_COST = 200_000
MAX_REPEATS = 20
# Documents past this size are parsed and validated each time (linearly) rather than cached:
# a cache of 1,000 one-megabyte documents would hold a gigabyte.
MAX_CACHED_DOCUMENT = 32_768
CACHED_DOCUMENTS = 1_000

Rules = tuple[type[ASTValidationRule], ...]


def parse_document(query: str) -> DocumentNode:
    """Parse, refusing a document of more than ``MAX_TOKENS`` tokens as the lexer counts them."""
    if len(query) <= MAX_CACHED_DOCUMENT:
        return _cached_parse(query)
    return _parse(query)


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _cached_parse(query: str) -> DocumentNode:
    return _parse(query)


def _parse(query: str) -> DocumentNode:
    too_many = _refusal(
        f"This document has more than {MAX_TOKENS} tokens; send a smaller one.", "TOO_MANY_TOKENS"
    )
    scanned = scan(query)
    if scanned.tokens > MAX_TOKENS:
        raise too_many
    if scanned.most_aliases > MAX_ALIASES:
        # Sound before the parse: fragments only add aliases to the operations that spread
        # them, and a fragment nobody spreads makes the document invalid anyway.
        raise _refusal(
            f"This request writes {scanned.most_aliases} aliases in one definition, over the"
            f" limit of {MAX_ALIASES}.",
            "TOO_MANY_ALIASES",
        )
    if scanned.most_repeats > MAX_REPEATS:
        raise _refusal(
            f"This request asks for one field {scanned.most_repeats} times in one selection,"
            f" over the limit of {MAX_REPEATS}.",
            "TOO_MANY_REPEATS",
        )
    try:
        return parse(query, max_tokens=MAX_TOKENS)  # the lexer's own count is the authority
    except GraphQLError as error:
        if "tokens" not in error.message:
            raise
        raise too_many from None


# GraphQL's tokens, as a regular expression: strings (block and plain), comments (matched to be
# skipped), names, numbers, punctuators. Commas and white space are not tokens.
_TOKEN = re.compile(
    r'"""(?:\\"""|[^"]|"(?!""))*"""|"(?:\\.|[^"\\\n])*"|#[^\n\r]*'
    r"|[_A-Za-z][_0-9A-Za-z]*|-?[0-9][0-9.eE+\-]*|\.\.\.|[!$&():=@\[\]{|}]"
)


@dataclass(frozen=True, slots=True)
class Scan:
    """What the text of a document shows before it is parsed."""

    tokens: int  # counted up to MAX_TOKENS + 1: past that the document is refused anyway
    most_aliases: int  # the most aliases written in one top-level definition
    most_repeats: int  # the most times one response name is written in one selection set


def scan(query: str) -> Scan:
    """Count tokens, each definition's aliases and each selection set's repeated response
    names, in one pass of the tokenizer above.

    Outside parentheses (variable definitions, arguments and their object values are all
    inside them) a colon follows a name only in an alias (``a: field``), and a name starts a
    field unless it follows a colon (the field after an alias), ``@`` (a directive), ``...`` (a
    spread) or ``... on`` (a type condition). A definition ends where its braces close at the
    top level. Both counts are what is written, so fragments can only add to them: a document
    this scan refuses, the measure after the parse would refuse too.
    """
    tokens = aliases = most_aliases = most_repeats = parens = 0
    selection_sets: list[Counter[str]] = []  # the response names of each open selection set
    before = last = ""
    for match in _TOKEN.finditer(query):
        text = match.group()
        first = text[0]
        if first == "#":
            continue
        tokens += 1
        if tokens > MAX_TOKENS:
            break
        if first == "(":
            parens += 1
            continue
        if first == ")":
            parens = max(0, parens - 1)
            before, last = last, text
            continue
        if parens:
            continue
        if first == ":":
            aliases += last[:1].isalpha() or last[:1] == "_"
        elif first == "{":
            selection_sets.append(Counter())
        elif first == "}":
            if selection_sets:
                names = selection_sets.pop()
                most_repeats = max(most_repeats, max(names.values(), default=0))
            if not selection_sets:
                most_aliases, aliases = max(most_aliases, aliases), 0
        elif (
            (first.isalpha() or first == "_")
            and selection_sets
            and last not in (":", "@", "...")
            and not (last == "on" and before == "...")
        ):
            selection_sets[-1][text] += 1
        before, last = last, text
    for names in selection_sets:  # an unclosed document: the parser refuses it anyway
        most_repeats = max(most_repeats, max(names.values(), default=0))
    return Scan(tokens, max(most_aliases, aliases), most_repeats)


def count_tokens(query: str) -> int:
    """The document's tokens (up to ``MAX_TOKENS + 1``), counted by a regular expression: a
    tenth of the time graphql-core's lexer takes to reach its limit."""
    return scan(query).tokens


def validate_query(
    schema: GraphQLSchema, query: str, rules: Rules = tuple(specified_rules)
) -> list[GraphQLError]:
    """The limits first; the standard rules only for a document within all of them."""
    if len(query) <= MAX_CACHED_DOCUMENT:
        return list(_cached_validation(schema, query, rules))
    return list(_validate(schema, query, rules))


@lru_cache(maxsize=CACHED_DOCUMENTS)
def _cached_validation(schema: GraphQLSchema, query: str, rules: Rules) -> Sequence[GraphQLError]:
    return _validate(schema, query, rules)


def _validate(schema: GraphQLSchema, query: str, rules: Rules) -> Sequence[GraphQLError]:
    document = parse_document(query)
    return tuple(limit_errors(schema, document)) or tuple(
        validate_document(schema, document, rules)
    )


def limit_errors(schema: GraphQLSchema, document: DocumentNode) -> Iterator[GraphQLError]:
    for operation in document.definitions:
        if isinstance(operation, OperationDefinitionNode):
            yield from _operation_errors(schema, document, operation)


def _operation_errors(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> Iterator[GraphQLError]:
    if schema.get_root_type(operation.operation) is None:
        return  # a later rule says the schema has no such operation
    measure = measure_operation(schema, document, operation)
    if measure.depth > MAX_DEPTH:
        yield _refusal(
            f"This request is {measure.depth} fields deep, over the limit of {MAX_DEPTH}.",
            "QUERY_TOO_DEEP",
            operation,
        )
    if measure.aliases > MAX_ALIASES:
        yield _refusal(
            f"This request has {measure.aliases} aliases (fragments expanded), over the limit"
            f" of {MAX_ALIASES}.",
            "TOO_MANY_ALIASES",
            operation,
        )
    if measure.repeats > MAX_REPEATS:
        yield _refusal(
            f"This request asks for one field {measure.repeats} times in one selection,"
            f" over the limit of {MAX_REPEATS}.",
            "TOO_MANY_REPEATS",
            operation,
        )
    if measure.cost > MAX_COST:
        yield _refusal(
            f"This request costs {measure.cost}, over the limit of {MAX_COST}: ask for smaller"
            " pages (first) or fewer nested fields and lists.",
            "QUERY_TOO_COSTLY",
            operation,
        )


def _refusal(message: str, code: str, node: OperationDefinitionNode | None = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code})


class RequestLimits(SchemaExtension):
    """Parse and validate through the limits above (in place of strawberry's own steps)."""

    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.graphql_document is None and context.query:
            context.graphql_document = parse_document(context.query)
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.pre_execution_errors is None:
            context.pre_execution_errors = validate_query(
                context.schema._schema, context.query, tuple(context.validation_rules)
            )
        yield


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories: strawberry makes one extension per request; the caches are shared."""
    return [RequestLimits]
