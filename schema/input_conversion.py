"""Input conversion planned once per type, for the importer's many lines.

strawberry's ``convert_argument`` resolves every field's type again on every call, which made it a
quarter of a bulk import's time. ``input_converter`` walks an input type once and keeps a plan of
plain functions; it follows ``convert_argument`` step by step and hands anything it does not plan
for (``Maybe``, ``GlobalID``, inputs with their own ``from_input``, lazy types) to strawberry.
A test keeps its results equal to ``convert_argument``'s on every command of the demo dataset.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import Any

import strawberry
from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.types.arguments import convert_argument
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import StrawberryEnumDefinition, has_enum_definition
from strawberry.types.unset import UNSET

Convert = Callable[[Any], Any]


def input_converter(input_type: type, schema: strawberry.Schema) -> Convert:
    """A function turning graphql-core's coerced value of ``input_type`` into its Python value."""
    return _Planner(schema).plan(input_type)


class _Planner:
    def __init__(self, schema: strawberry.Schema) -> None:
        self._registry = schema.schema_converter.scalar_registry
        self._config = schema.config

    def plan(self, type_: StrawberryType | type) -> Convert:
        if isinstance(type_, StrawberryMaybe):
            return self._strawberry(type_)
        if isinstance(type_, StrawberryOptional):
            return _keeping_missing(self.plan(type_.of_type))
        if isinstance(type_, StrawberryList):
            item = self.plan(type_.of_type)
            return _keeping_missing(lambda values: [item(value) for value in values])
        if type_ is GlobalID:
            return self._strawberry(type_)
        if (
            is_scalar(type_, self._registry)
            or isinstance(type_, StrawberryEnumDefinition)
            or has_enum_definition(type_)
        ):
            return _same
        if has_object_definition(type_):
            definition = type_.__strawberry_definition__
            if definition.is_input and definition.from_input is None:
                return self._input_object(type_)
        return self._strawberry(type_)

    def _input_object(self, type_: Any) -> Convert:
        definition = type_.__strawberry_definition__
        # As convert_argument does: fields without a default start as None, and graphql-core
        # has already refused a value that lacks a required one.
        defaults = {
            f.python_name: None
            for f in definition.fields
            if f.default_value is MISSING and f.default_factory is MISSING
        }
        fields = [
            (
                self._config.name_converter.from_field(f),
                f.python_name,
                self.plan(f.resolve_type(type_definition=definition)),
            )
            for f in definition.fields
        ]

        def convert(value: Mapping[str, Any]) -> Any:
            arguments = dict(defaults)
            for graphql_name, python_name, convert_field in fields:
                if graphql_name in value:
                    arguments[python_name] = convert_field(value[graphql_name])
            return type_(**arguments)

        return _keeping_missing(convert)

    def _strawberry(self, type_: StrawberryType | type) -> Convert:
        registry, config = self._registry, self._config
        return lambda value: convert_argument(value, type_, registry, config)


def _same(value: Any) -> Any:
    return value


def _keeping_missing(convert: Convert) -> Convert:
    def convert_present(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        return convert(value)

    return convert_present
