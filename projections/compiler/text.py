"""SQL that writes JSON text: objects in selection order, lists, scalars, global ids, names.

Responses are built as text rather than with ``json_build_object``: keys stay in the order the
query selected them (as GraphQL requires), and an object may have more than the 50 keys a
PostgreSQL function call can take. Every expression here is non-null text.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache

from projections.keysets import base64url_sql, isoformat_sql
from registry import geography


def obj(parts: Sequence[tuple[str, str]]) -> str:
    """A JSON object from (key, JSON text expression) pairs; keys are GraphQL names."""
    if not parts:
        return "'{}'"
    pieces = []
    for index, (key, value) in enumerate(parts):
        separator = "{" if index == 0 else ","
        pieces.append(f"'{separator}\"{key}\":'")
        pieces.append(value)
    return "(" + " || ".join(pieces) + " || '}')"


def literal(text: str) -> str:
    """A SQL string literal of ``text`` (JSON text, names): quotes doubled."""
    return "'" + text.replace("'", "''") + "'"


def json_literal(value: object) -> str:
    return literal(json.dumps(value, separators=(",", ":")))


def scalar(expression: str) -> str:
    """Any column or value as JSON text; null stays null."""
    return f"coalesce(to_json({expression})::text, 'null')"


def text_scalar(expression: str) -> str:
    return f"coalesce(to_json({expression}::text)::text, 'null')"


def boolean(expression: str) -> str:
    return f"CASE WHEN {expression} THEN 'true' WHEN NOT {expression} THEN 'false' ELSE 'null' END"


def moment(expression: str) -> str:
    """A timestamptz as strawberry prints a DateTime (``isoformat``)."""
    return f"coalesce('\"' || {isoformat_sql(expression)} || '\"', 'null')"


def nullable_object(condition: str, expression: str) -> str:
    return f"CASE WHEN {condition} THEN {expression} ELSE 'null' END"


def aggregate_list(element: str, source: str, order: str) -> str:
    """A JSON list of ``element`` over the rows of ``source`` (FROM ... WHERE ...), in order."""
    return (
        f"(SELECT '[' || coalesce(string_agg({element}, ',' ORDER BY {order}), '') || ']' {source})"
    )


def global_id(type_name: str, uuid: str) -> str:
    """``schema.ids.to_global_id``: base64url of ``Type:uuid``, without padding."""
    return "('\"' || " + base64url_sql(f"'{type_name}:' || {uuid}::text") + " || '\"')"


@cache
def country_names() -> str:
    """A jsonb constant: country code -> name, as ``Country.of`` names them."""
    names = {c.code: c.name for c in geography.countries()}
    return f"{json_literal(names)}::jsonb"


@cache
def areas() -> str:
    """A jsonb constant: M49 code -> [name, level]."""
    table = {a.code: [a.name, a.level.value] for a in geography.areas()}
    return f"{json_literal(table)}::jsonb"


def country(code: str, fields: Sequence[tuple[str, str]]) -> str:
    """A Country object for ``code``; fields are (key, 'code' | 'name' | '__typename')."""
    values = {
        "code": f"to_json({code})::text",
        "name": f"to_json(coalesce({country_names()} ->> {code}, {code}))::text",
        "__typename": "'\"Country\"'",
    }
    return obj([(key, values[name]) for key, name in fields])


def country_list(codes: str, fields: Sequence[tuple[str, str]]) -> str:
    """A list of Country objects for the text[] ``codes``, in its order."""
    element = country("c.code", fields)
    return aggregate_list(element, f"FROM unnest({codes}) WITH ORDINALITY AS c(code, n)", "c.n")


def area(code: str, fields: Sequence[tuple[str, str]]) -> str:
    """An Area object for a known M49 ``code``."""
    values = {
        "code": f"to_json({code})::text",
        "name": f"(({areas()} -> {code}) -> 0)::text",
        "level": f"(({areas()} -> {code}) -> 1)::text",
        "__typename": "'\"Area\"'",
    }
    return obj([(key, values[name]) for key, name in fields])


def area_list(codes: str, fields: Sequence[tuple[str, str]]) -> str:
    """Areas for the text[] ``codes`` in its order, leaving out codes M49 does not know."""
    element = area("a.code", fields)
    source = f"FROM unnest({codes}) WITH ORDINALITY AS a(code, n) WHERE {areas()} ? a.code"
    return aggregate_list(element, source, "a.n")
