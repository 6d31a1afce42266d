"""What a document asks for, measured in one pass: depth, aliases and cost.

Each fragment is measured once and its figures reused wherever it is spread: a document whose
fragments each spread the next one twice is measured in time linear in its size, though it
expands to 2^n fields (its cost says so, and the limits refuse it).

Cost bounds the response: a field costs 1 plus its children's cost times the most items it can
return. A connection returns at most ``first`` items (a variable counts as the largest page, no
``first`` as the default page); its ``edges`` are that page, not another multiplier. A fixed list
counts its real length (``regions``: every M49 area; a list of enum values: every value), a list
the domain bounds its bound (``partners``: ``MAX_PARTNERS``), any other list ``UNBOUNDED_LIST``
items. Nested costs multiply. The response byte cap backs the estimate up.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from registry import geography
from registry.domain.codelists import PracticeArea, Sector
from registry.domain.validation import MAX_COUNTRIES, MAX_PARTNERS, MAX_URLS
from schema.pages import DEFAULT_PAGE, MAX_PAGE

# Lists the domain does not bound (a partnership's activities, a case study's citations).
UNBOUNDED_LIST = 100


@dataclass(frozen=True, slots=True)
class Measure:
    """A selection's figures, fragments expanded: nesting depth, aliases, cost, and the most
    times one response name is asked for in one selection set (graphql-core compares those
    fields pairwise: 1,000 repeats are half a million comparisons)."""

    depth: int = 0
    aliases: int = 0
    cost: int = 0
    repeats: int = 0

    def beside(self, other: Measure) -> Measure:
        return Measure(
            max(self.depth, other.depth),
            self.aliases + other.aliases,
            self.cost + other.cost,
            max(self.repeats, other.repeats),
        )


NOTHING = Measure()


def measure_operation(
    schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode
) -> Measure:
    root = schema.get_root_type(operation.operation)
    return _Measurer(schema, document).selections(operation.selection_set, root)


class _Measurer:
    def __init__(self, schema: GraphQLSchema, document: DocumentNode) -> None:
        self.schema = schema
        self.sizes = list_sizes(schema)
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        # A fragment's figures and the response names it adds to the set it is spread in.
        self.measured: dict[str, tuple[Measure, Counter[str]]] = {}
        self.measuring: set[str] = set()  # a cycle is NoFragmentCyclesRule's error, later

    def selections(
        self, selection_set: SelectionSetNode | None, parent: GraphQLNamedType | None
    ) -> Measure:
        names: Counter[str] = Counter()
        measure = self.collect(selection_set, parent, names)
        return measure.beside(Measure(repeats=max(names.values(), default=0)))

    def collect(
        self,
        selection_set: SelectionSetNode | None,
        parent: GraphQLNamedType | None,
        names: Counter[str],
    ) -> Measure:
        """Measure one selection set, adding the response names it asks for to ``names``
        (inline fragments and spreads belong to the set they are in)."""
        total = NOTHING
        for selection in selection_set.selections if selection_set else ():
            if isinstance(selection, FieldNode):
                names[(selection.alias or selection.name).value] += 1
                total = total.beside(self.field(selection, parent))
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                total = total.beside(self.collect(selection.selection_set, inner, names))
            elif isinstance(selection, FragmentSpreadNode):
                measure, added = self.fragment(selection.name.value)
                names.update(added)
                total = total.beside(measure)
        return total

    def fragment(self, name: str) -> tuple[Measure, Counter[str]]:
        if (known := self.measured.get(name)) is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.measuring:
            return NOTHING, Counter()
        self.measuring.add(name)
        parent = self.schema.get_type(definition.type_condition.name.value)
        names: Counter[str] = Counter()
        measured = self.collect(definition.selection_set, parent, names), names
        self.measuring.discard(name)
        self.measured[name] = measured
        return measured

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> Measure:
        definition = _field_definition(self.schema, parent, node.name.value)
        child_type = get_named_type(definition.type) if definition else None
        children = self.selections(node.selection_set, child_type)
        items = self.items(node, parent, definition)
        each = children.cost if node.selection_set else int(items > 1)  # a list of leaves: 1 each
        introspection = node.name.value.startswith("__")  # bounded by its cost, not its depth
        return Measure(
            depth=0 if introspection else children.depth + 1,
            aliases=children.aliases + (node.alias is not None),
            cost=1 + items * each,
            repeats=children.repeats,
        )

    def items(
        self, node: FieldNode, parent: GraphQLNamedType | None, definition: GraphQLField | None
    ) -> int:
        """The most items the field can return (1 for a field that is not a list)."""
        if definition is None or parent is None:
            return 1
        if "first" in definition.args:
            return _page_size(node, definition)
        if not isinstance(get_nullable_type(definition.type), GraphQLList):
            return 1
        if parent.name.endswith("Connection") and node.name.value == "edges":
            return 1  # the page, counted on the connection field
        if (size := self.sizes.get((parent.name, node.name.value))) is not None:
            return size
        item = get_named_type(definition.type)
        if isinstance(item, GraphQLEnumType):
            return len(item.values)  # a set of enum values
        return UNBOUNDED_LIST


def _field_definition(
    schema: GraphQLSchema, parent: GraphQLNamedType | None, name: str
) -> GraphQLField | None:
    if name == "__schema" and parent is schema.query_type:
        return SchemaMetaFieldDef
    if name == "__type" and parent is schema.query_type:
        return TypeMetaFieldDef
    if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
        field: GraphQLField | None = parent.fields.get(name)
        return field
    return None  # __typename, a union's fields, or an unknown field (a later rule's error)


def _page_size(node: FieldNode, definition: GraphQLField) -> int:
    for argument in node.arguments or ():
        if argument.name.value == "first":
            if isinstance(argument.value, IntValueNode):
                return max(1, min(int(argument.value.value), MAX_PAGE))
            return MAX_PAGE  # a variable, or a value validation refuses later
    default = definition.args["first"].default_value
    return default if isinstance(default, int) and 1 <= default <= MAX_PAGE else DEFAULT_PAGE


@cache
def list_sizes(schema: GraphQLSchema) -> Mapping[tuple[str, str], int]:
    """The most items of each list the registry bounds, by (type, field)."""
    areas = len(geography.areas())
    sizes = {
        ("Query", "regions"): areas,
        ("Partnership", "regions"): areas,
        ("CaseStudy", "regions"): areas,
        ("Partnership", "countries"): MAX_COUNTRIES,
        ("Activity", "countries"): MAX_COUNTRIES,
        ("Partnership", "partners"): MAX_PARTNERS,
        ("Activity", "evidenceUrls"): MAX_URLS,
        ("Outcome", "evidenceUrls"): MAX_URLS,
        ("RegionSummary", "byPracticeArea"): len(PracticeArea),
        ("RegionSummary", "bySector"): len(Sector),
    }
    return sizes | _introspection_sizes(schema)


def _introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], int]:
    """Introspection lists by their mean length over the schema: ``types`` returns every type
    once, so its ``fields`` total the schema's fields, whatever one type has."""
    types = list(schema.type_map.values())
    fields = [
        field
        for named in types
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType)
        for field in named.fields.values()
    ]

    def mean(total: int, count: int) -> int:
        return max(1, math.ceil(total / max(1, count)))

    def total(attribute: str) -> int:
        return sum(len(getattr(named, attribute, None) or ()) for named in types)

    return {
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): mean(len(fields), len(types)),
        ("__Type", "inputFields"): mean(total("fields") - len(fields), len(types)),
        ("__Type", "enumValues"): mean(total("values"), len(types)),
        ("__Type", "interfaces"): mean(total("interfaces"), len(types)),
        ("__Type", "possibleTypes"): mean(len(types), len(types)),
        ("__Field", "args"): mean(sum(len(field.args) for field in fields), len(fields)),
        ("__Directive", "args"): mean(
            sum(len(directive.args) for directive in schema.directives), len(schema.directives)
        ),
    }
