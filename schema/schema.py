"""The GraphQL schema object, with internal errors masked and logged under an id."""

from __future__ import annotations

import logging
import uuid
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import ExecutionContext

from schema.compiled import CompiledReads
from schema.limits import limit_extensions
from schema.log_bounds import RejectionLog, is_rejection
from schema.mutations import Mutation
from schema.queries import Query
from schema.storable_input import StorableInput
from schema.subscriptions import Subscription
from schema.types import Organisation, Partnership
from schema.unavailable import is_database_unavailable, masked_error

log = logging.getLogger("ppp_registry.graphql")


def _is_internal(error: GraphQLError) -> bool:
    # Parse and validation errors have no original error: they are the client's to read.
    return not is_rejection(error)


class MaskInternalErrors(MaskErrors):
    """Clients see an id to quote; the log holds the traceback under that id."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_is_internal)

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        if is_database_unavailable(error.original_error):
            return masked_error(error)  # not a bug: a code to retry on, logged once a second
        error_id = uuid.uuid4().hex[:12]
        log.error("internal error %s", error_id, exc_info=error.original_error)
        masked = super().anonymise_error(error)
        masked.message = f"Internal error (id {error_id}); the operators have it logged."
        return masked


class RegistrySchema(strawberry.Schema):
    """Rejections are logged bounded and rate limited (``schema.log_bounds``), not by
    strawberry's logger, which prints each error's source line; internal errors are logged,
    with their traceback, by ``MaskInternalErrors``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._rejections = RejectionLog()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        document = execution_context.query if execution_context is not None else None
        self._rejections([e for e in errors if is_rejection(e)], document)


def build_schema() -> strawberry.Schema:
    return RegistrySchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[Organisation, Partnership],
        extensions=[*limit_extensions(), StorableInput, CompiledReads, MaskInternalErrors],
    )
