"""A query's deadline: whatever the document, it is stopped after so many seconds.

The limits bound what a document may ask for before it runs; the deadline bounds what it costs
once running (a slow database, a read the estimate got wrong). The query is cancelled at its
next await and answered with ``DEADLINE_EXCEEDED``; mutations are not cut short, since a write
cancelled halfway would leave its client unsure whether it happened.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

from graphql import GraphQLError, OperationType, get_operation_ast
from strawberry.types import ExecutionResult

from schema.limits import parse_document

CODE = "DEADLINE_EXCEEDED"
QUERY_DEADLINE_S = 10.0  # the default of PPP_QUERY_DEADLINE


def is_mutation(query: str | None, operation_name: str | None) -> bool:
    if not query:
        return False
    try:
        operation = get_operation_ast(parse_document(query), operation_name)
    except GraphQLError:
        return False  # refused before it runs
    return operation is not None and operation.operation is OperationType.MUTATION


async def within_deadline(execution: Awaitable[ExecutionResult], seconds: float) -> ExecutionResult:
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await execution
    except TimeoutError:
        if not deadline.expired():
            raise  # a timeout of the execution's own, not the deadline
        return ExecutionResult(data=None, errors=[deadline_error(seconds)])


def deadline_error(seconds: float) -> GraphQLError:
    return GraphQLError(
        f"This query ran for more than {seconds:g} s, its deadline, and was stopped: ask for"
        " less, or try again later.",
        extensions={"code": CODE},
    )
