"""Keyset cursors: how each list is ordered, what its cursors hold, and the same in SQL.

A cursor holds the sort value and id of a row, so a page costs an index range scan however
deep it is. Both read paths share this module: the resolvers' queries make cursors in Python
from the rows they fetch (``Keyset.cursor``), the query compiler makes them inside the statement
(``Keyset.cursor_sql``), and the two must give the same text for the same row, as a client may
page with a cursor from either.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from uuid import UUID

import asyncpg


class BadCursor(ValueError):
    """A cursor this list did not hand out: garbage, tampered with, or from another list."""


class PartnershipOrder(StrEnum):
    CREATED_AT_DESC = "CREATED_AT_DESC"
    CREATED_AT_ASC = "CREATED_AT_ASC"
    UPDATED_AT_DESC = "UPDATED_AT_DESC"
    TITLE_ASC = "TITLE_ASC"


class Placeholders(Protocol):
    def add(self, value: Any) -> str:
        """A placeholder ($n) for ``value``."""
        ...


def encode_cursor(*parts: Any) -> str:
    text = json.dumps(parts, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, kind: str, size: int) -> list[Any]:
    """The values after ``kind`` in a cursor of that kind with ``size`` values in all."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        parts = json.loads(raw.decode())
    except (binascii.Error, UnicodeError, ValueError):
        raise BadCursor("not a cursor") from None
    if not isinstance(parts, list) or len(parts) != size or not isinstance(parts[0], str):
        raise BadCursor("not a cursor")
    if parts[0] != kind:
        # Positions in another order mean nothing here: resuming from one would skip rows.
        raise BadCursor(f"a cursor of {parts[0][:40]}, not of {kind}")
    return parts[1:]


def text_value(value: Any) -> str:
    # PostgreSQL text holds neither NUL nor lone surrogates (JSON can escape both); the driver
    # would fail on them with an internal error rather than a refused cursor.
    if not isinstance(value, str) or "\x00" in value:
        raise ValueError("not a text")
    value.encode()  # UnicodeEncodeError is a ValueError
    return value


def timestamp_value(value: Any) -> datetime:
    moment = datetime.fromisoformat(text_value(value))
    if moment.tzinfo is None:  # ours always carry their offset; a naive one was not ours
        raise ValueError("no time zone")
    return moment


def uuid_value(value: Any) -> UUID:
    return UUID(text_value(value))


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


# ---------------------------------------------------------------------------- the same in SQL


def base64url_sql(text: str) -> str:
    """SQL for base64url without padding of the UTF-8 of ``text``, as ``encode_cursor`` makes.

    PostgreSQL's base64 breaks lines every 76 characters; translate drops the breaks with the
    padding and swaps the two characters that differ from the URL-safe alphabet.
    """
    return f"translate(encode(convert_to({text}, 'UTF8'), 'base64'), E'+/=\\n', '-_')"


def isoformat_sql(moment: str) -> str:
    """SQL for ``datetime.isoformat()`` of a timestamptz as asyncpg returns it (in UTC).

    Python leaves the fraction out when it is zero and otherwise prints all six digits.
    """
    utc = f"({moment} AT TIME ZONE 'UTC')"
    return (
        f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
        f" || CASE WHEN to_char({utc}, 'US') = '000000' THEN ''"
        f" ELSE '.' || to_char({utc}, 'US') END || '+00:00')"
    )


def json_text_sql(text: str) -> str:
    """SQL for ``json.dumps(text, ensure_ascii=False)``: both escape the same characters."""
    return f"to_json({text}::text)::text"


@dataclass(frozen=True)
class Keyset:
    """How one list is ordered: by a column then id, both ascending or both descending."""

    name: str  # written into its cursors, so a cursor of another list is refused
    column: str
    descending: bool
    parse: Callable[[Any], Any]  # a cursor's JSON sort value back into the column's type
    timestamp: bool = False  # the column is a timestamptz (else text)

    def order_by(self, alias: str) -> str:
        direction = "DESC" if self.descending else "ASC"
        return f"{alias}.{self.column} {direction}, {alias}.id {direction}"

    def cursor(self, row: asyncpg.Record) -> str:
        return encode_cursor(self.name, _json_value(row[self.column]), str(row["id"]))

    def cursor_sql(self, alias: str) -> str:
        """SQL for ``cursor`` of the row ``alias``, in the statement that reads it."""
        column = f"{alias}.{self.column}"
        value = (
            "'\"' || " + isoformat_sql(column) + " || '\"'"
            if self.timestamp
            else json_text_sql(column)
        )
        text = f"'[\"{self.name}\",' || {value} || ',\"' || {alias}.id::text || '\"]'"
        return base64url_sql(text)

    def decode(self, cursor: str) -> tuple[Any, UUID]:
        """The sort value and id in ``cursor``; ``BadCursor`` unless this list made it."""
        value, id_ = decode_cursor(cursor, self.name, 3)
        try:
            return self.parse(value), uuid_value(id_)
        except ValueError:
            raise BadCursor("not a cursor") from None

    def after_sql(self, alias: str, value: str, id_: str) -> str:
        """The condition for rows strictly after (``value``, ``id_``), placeholders both."""
        operator = "<" if self.descending else ">"
        return f"({alias}.{self.column}, {alias}.id) {operator} ({value}, {id_})"

    def after(self, cursor: str, params: Placeholders, alias: str) -> str:
        """The condition for rows strictly after ``cursor``: a range of the (column, id) index."""
        sort_value, row_id = self.decode(cursor)
        return self.after_sql(alias, params.add(sort_value), params.add(row_id))


PARTNERSHIP_KEYSETS = {
    PartnershipOrder.CREATED_AT_DESC: Keyset(
        "CREATED_AT_DESC", "created_at", True, timestamp_value, timestamp=True
    ),
    PartnershipOrder.CREATED_AT_ASC: Keyset(
        "CREATED_AT_ASC", "created_at", False, timestamp_value, timestamp=True
    ),
    PartnershipOrder.UPDATED_AT_DESC: Keyset(
        "UPDATED_AT_DESC", "updated_at", True, timestamp_value, timestamp=True
    ),
    PartnershipOrder.TITLE_ASC: Keyset("TITLE_ASC", "title", False, text_value),
}
ORGANISATION_KEYSET = Keyset("ORGANISATIONS_BY_NAME", "name", False, text_value)


CASE_STUDIES = "CASE_STUDIES"


def case_study_cursor_sql(halves: str, title: str, uuid: str) -> str:
    """SQL for ``case_studies._cursor``: ``json.dumps`` with its default separators."""
    text = (
        f"'[\"{CASE_STUDIES}\", ' || {halves}::text || ', ' || {json_text_sql(title)}"
        f" || ', \"' || {uuid}::text || '\"]'"
    )
    return base64url_sql(text)
