"""A validated operation's selection as the compiler's ``Field`` trees.

As graphql-core's executor collects fields: fragments and inline fragments whose type applies,
``@skip``/``@include`` with the request's variables, fields of one response key merged (their
sub-selections together), each named fragment visited once per selection. Fields that take
arguments get a slot; their arguments are read per request (``Slot.convert``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLIncludeDirective,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.execution.values import VariableValues, get_directive_values

from projections.compiler import Field, Uncovered
from schema.compiled.arguments import CONVERTERS, RESOLVER_ARGUMENTS, Convert


@dataclass(frozen=True)
class Slot:
    definition: GraphQLField
    node: FieldNode
    convert: Convert


@dataclass(frozen=True)
class Collected:
    fields: tuple[Field, ...]
    slots: tuple[Slot, ...]


def collect(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: VariableValues,
) -> Collected:
    collector = _Collector(schema, fragments, variables)
    root = schema.query_type
    assert root is not None
    fields = collector.selection(root, [operation.selection_set])
    return Collected(fields, tuple(collector.slots))


class _Collector:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: VariableValues,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.slots: list[Slot] = []

    def selection(
        self, parent: GraphQLObjectType, selection_sets: Sequence[SelectionSetNode]
    ) -> tuple[Field, ...]:
        groups: dict[str, list[FieldNode]] = {}
        visited: set[str] = set()

        def visit(selection_set: SelectionSetNode) -> None:
            for selection in selection_set.selections:
                assert isinstance(selection, FieldNode | FragmentSpreadNode | InlineFragmentNode)
                if not self._included(selection):
                    continue
                if isinstance(selection, FieldNode):
                    key = selection.alias.value if selection.alias else selection.name.value
                    groups.setdefault(key, []).append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    if self._applies(selection.type_condition, parent):
                        visit(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    if name in visited:
                        continue
                    visited.add(name)
                    fragment = self.fragments.get(name)
                    if fragment is not None and self._applies(fragment.type_condition, parent):
                        visit(fragment.selection_set)

        for selection_set in selection_sets:
            visit(selection_set)
        return tuple(self._field(parent, key, nodes) for key, nodes in groups.items())

    def _field(self, parent: GraphQLObjectType, key: str, nodes: list[FieldNode]) -> Field:
        first = nodes[0]
        name = first.name.value
        if name == "__typename":
            return Field(key, name)
        definition = parent.fields.get(name)
        if definition is None:  # __schema, __type: introspection stays with graphql-core
            raise Uncovered(name)
        slot = None
        if definition.args:
            for argument in first.arguments or ():
                if (parent.name, name, argument.name.value) in RESOLVER_ARGUMENTS:
                    raise Uncovered(f"{parent.name}.{name}({argument.name.value}:)")
            convert = CONVERTERS.get((parent.name, name))
            if convert is None:
                raise Uncovered(f"{parent.name}.{name}")
            slot = len(self.slots)
            self.slots.append(Slot(definition, first, convert))
        named = get_named_type(definition.type)
        children = [n.selection_set for n in nodes if n.selection_set is not None]
        if isinstance(named, GraphQLObjectType):
            return Field(key, name, self.selection(named, children), slot)
        if isinstance(named, GraphQLInterfaceType):
            variants = {
                t.name: self.selection(t, children) for t in self.schema.get_possible_types(named)
            }
            return Field(key, name, (), slot, variants)
        return Field(key, name, (), slot)

    def _included(self, node: FieldNode | FragmentSpreadNode | InlineFragmentNode) -> bool:
        if not node.directives:
            return True
        skip = get_directive_values(GraphQLSkipDirective, node, self.variables)
        if skip is not None and skip.get("if") is True:
            return False
        include = get_directive_values(GraphQLIncludeDirective, node, self.variables)
        return not (include is not None and include.get("if") is False)

    def _applies(self, condition: NamedTypeNode | None, parent: GraphQLObjectType) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is parent:
            return True
        if isinstance(named, GraphQLInterfaceType):
            return self.schema.is_sub_type(named, parent)
        return False
