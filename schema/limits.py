"""Limits a request must keep before it runs: depth, tokens, aliases and cost.

Cost: each field costs 1 plus its children's cost times the page size it asks for (``first``;
a variable counts as the largest page, ``MAX_PAGE``), so nested connections multiply. A request
over the limit is refused before execution with an error that states its cost.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial
from typing import Any

from graphql import (
    ASTValidationRule,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
)
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

MAX_DEPTH = 10
MAX_TOKENS = 5_000
MAX_ALIASES = 30
MAX_COST = 25_000
MAX_PAGE = 100


def selection_cost(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, FragmentDefinitionNode],
    seen: frozenset[str] = frozenset(),
) -> int:
    if selection_set is None:
        return 0
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            children = selection_cost(selection.selection_set, fragments, seen)
            total += 1 + _page_size(selection) * children
        elif isinstance(selection, InlineFragmentNode):
            total += selection_cost(selection.selection_set, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen:  # cycles are another rule's error
                total += selection_cost(fragment.selection_set, fragments, seen | {name})
    return total


def _page_size(field: FieldNode) -> int:
    for argument in field.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), MAX_PAGE))
            return MAX_PAGE
    return 1


class CostLimit(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args: Any) -> None:
        context: ValidationContext = self.context
        fragments = {
            definition.name.value: definition
            for definition in context.document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        cost = selection_cost(node.selection_set, fragments)
        if cost > MAX_COST:
            context.report_error(
                GraphQLError(
                    f"This request costs {cost}, over the limit of {MAX_COST}: ask for smaller"
                    " pages (first) or fewer nested fields.",
                    node,
                )
            )


@cache
def _validation_rules() -> list[type[ASTValidationRule]]:
    """The limit rules, made once: strawberry's limiters make new rule classes per instance,
    and the validation cache is keyed by the rules, so per-request limiters never hit it."""
    depth = QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules
    aliases = MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules
    return [*depth, *aliases, CostLimit]


def limit_extensions() -> list[Callable[[], SchemaExtension]]:
    """Factories (strawberry makes one per request); caches first, and shared across requests
    because strawberry keys its parse and validation caches by size, not by instance."""
    return [
        partial(ParserCache, maxsize=1_000),
        partial(ValidationCache, maxsize=1_000),
        partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
        partial(AddValidationRules, _validation_rules()),
    ]
