"""Compiled reads: a query operation the compiler covers runs as ONE prepared statement.

After parsing and validation (and so after every limit), this extension looks the operation up:
planned once per (document, operation name) and the request's ``@skip``/``@include`` values and
argument shapes, like parse and validation are cached. A covered operation runs its statement
on the read pool and its ``data`` is the bytes PostgreSQL returned, sent as they are
(``EncodedData``); graphql-core's executor does not run. Anything else runs on the resolvers,
chosen by the operation: mutations, subscriptions, ``asOf``, fields the compiler does not
know, and requests whose arguments the resolvers would refuse (they word the error).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import asyncpg
from graphql import (
    ExecutionResult,
    FragmentDefinitionNode,
    GraphQLError,
    OperationDefinitionNode,
    OperationType,
    get_operation_ast,
)
from graphql.execution.values import VariableValues, get_argument_values, get_variable_values
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType as StrawberryOperationType

from projections import compiler
from projections.queries import BadCursor
from schema.compiled.collect import Collected, collect
from schema.response_cache import EncodedData

log = logging.getLogger("ppp_registry.compiled")

MAX_PLANS = 1_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class _Bounded(Generic[K, V]):
    """A least-recently-used map of at most ``size`` entries."""

    def __init__(self, size: int) -> None:
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._size = size

    def get(self, key: K) -> V | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: K, value: V) -> V:
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return value


@dataclass(frozen=True)
class _Operation:
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    directive_variables: tuple[str, ...]  # those @skip/@include read: part of the plan's key


class _Resolvers:
    """The plan cache's word for "the resolvers answer this"."""


RESOLVERS = _Resolvers()

# Shared across requests and schemas' extension instances, as strawberry's parser cache is.
_operations: _Bounded[tuple[str, str | None], _Operation | _Resolvers] = _Bounded(MAX_PLANS)
_collected: _Bounded[tuple[Any, ...], Collected | _Resolvers] = _Bounded(MAX_PLANS)
_plans: _Bounded[tuple[Any, ...], compiler.Plan | _Resolvers] = _Bounded(MAX_PLANS)


def _directive_variables(operation: OperationDefinitionNode, document: Any) -> tuple[str, ...]:
    from graphql import DirectiveNode, VariableNode, visit
    from graphql.language import Visitor

    names: list[str] = []

    class Find(Visitor):
        def enter_directive(self, node: DirectiveNode, *_args: Any) -> None:
            if node.name.value in ("skip", "include"):
                for argument in node.arguments or ():
                    if isinstance(argument.value, VariableNode):
                        names.append(argument.value.name.value)

    visit(document, Find())
    return tuple(dict.fromkeys(names))


class CompiledReads(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context.context
        pool = getattr(context, "read_pool", None)
        query = self.execution_context.operation_type is StrawberryOperationType.QUERY
        if pool is not None and query:
            result = await self._compiled(pool)
            if result is not None:
                self.execution_context.result = result
        yield

    async def _compiled(self, pool: asyncpg.Pool) -> ExecutionResult | None:
        ec = self.execution_context
        if ec.query is None or ec.graphql_document is None:
            return None
        found = self._operation(ec.query, ec.operation_name, ec.graphql_document)
        if isinstance(found, _Resolvers):
            return None
        schema = ec.schema._schema
        variables = get_variable_values(
            schema, found.operation.variable_definitions or (), ec.variables or {}
        )
        if not isinstance(variables, VariableValues):
            return None  # the executor reports them
        directives = tuple(variables.coerced.get(n) for n in found.directive_variables)
        collected = self._collected(ec.query, ec.operation_name, directives, found, variables)
        if isinstance(collected, _Resolvers):
            return None
        try:
            arguments = [
                slot.convert(get_argument_values(slot.definition, slot.node, variables))
                for slot in collected.slots
            ]
        except GraphQLError:
            return None
        shapes = tuple(a.shape for a in arguments)
        plan = self._plan(ec.query, ec.operation_name, directives, shapes, collected)
        if isinstance(plan, _Resolvers):
            return None
        try:
            parameters = plan.bind(arguments)
        except BadCursor:
            return None
        if plan.generic:
            pool = getattr(self.execution_context.context, "generic_read_pool", None) or pool
        try:
            body: bytes = await pool.fetchval(plan.sql, *parameters)
        except Exception as error:  # masked (or a 503 when the database is down) as any
            return ExecutionResult(None, [GraphQLError(str(error), original_error=error)])
        return ExecutionResult(EncodedData(body), None)  # type: ignore[arg-type] # see app

    def _operation(self, query: str, name: str | None, document: Any) -> _Operation | _Resolvers:
        key = (query, name)
        found = _operations.get(key)
        if found is not None:
            return found
        operation = get_operation_ast(document, name)
        if operation is None or operation.operation is not OperationType.QUERY:
            return _operations.put(key, RESOLVERS)
        fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        variables = _directive_variables(operation, document)
        return _operations.put(key, _Operation(operation, fragments, variables))

    def _collected(
        self,
        query: str,
        name: str | None,
        directives: tuple[Any, ...],
        found: _Operation,
        variables: VariableValues,
    ) -> Collected | _Resolvers:
        key = (self.execution_context.schema, query, name, directives)
        collected = _collected.get(key)
        if collected is not None:
            return collected
        try:
            made: Collected | _Resolvers = collect(
                self.execution_context.schema._schema, found.operation, found.fragments, variables
            )
        except compiler.Uncovered as reason:
            log.debug("resolvers answer %s: %s", name, reason)
            made = RESOLVERS
        return _collected.put(key, made)

    def _plan(
        self,
        query: str,
        name: str | None,
        directives: tuple[Any, ...],
        shapes: tuple[Any, ...],
        collected: Collected,
    ) -> compiler.Plan | _Resolvers:
        key = (self.execution_context.schema, query, name, directives, shapes)
        found = _plans.get(key)
        if found is not None:
            return found
        try:
            made: compiler.Plan | _Resolvers = compiler.plan(collected.fields, shapes)
        except compiler.Uncovered as reason:
            log.debug("resolvers answer %s: %s", name, reason)
            made = RESOLVERS
        return _plans.put(key, made)
