"""Snapshots of partnerships, so that rebuilding a long stream at a past version replays few events.

The library's ``Snapshot`` stores ``vars(aggregate)`` as JSON, which cannot hold what a
partnership holds: dicts keyed by UUID, tuples (they would come back as lists, unequal to the
tuples the domain compares them with), frozen dataclasses and enums. So the state is first
turned into plain JSON values with explicit tags, from an allow-list of the domain's own types
(nothing is looked up by a name read from the database beyond that list), and turned back on
``mutate``. UUIDs, dates and datetimes are left to the application's transcoder.
"""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Self
from uuid import UUID

from eventsourcing.domain import Snapshot

from registry.domain import codelists, records
from registry.domain.partnership import Partnership

FORMAT = 1
_RECORDS: dict[str, type[Any]] = {
    cls.__name__: cls
    for cls in (records.Membership, records.Activity, records.Outcome, records.Lesson)
}
_ENUMS: dict[str, type[Enum]] = {
    name: value
    for name, value in vars(codelists).items()
    if isinstance(value, type)
    and issubclass(value, Enum)
    and value.__module__ == codelists.__name__
}
_PLAIN = (str, int, float, bool, UUID, date, datetime, Decimal, type(None))


def encode(value: object) -> object:
    """``value`` as JSON values the transcoder can store, tagged where JSON loses the type."""
    if isinstance(value, Enum):  # before str: the codelists are StrEnums
        name = type(value).__name__
        if _ENUMS.get(name) is not type(value):
            raise TypeError(f"no snapshot encoding for enum {type(value)!r}")
        return {"_enum": name, "value": value.value}
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, tuple):
        return {"_tuple": [encode(item) for item in value]}
    if isinstance(value, list):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {"_dict": [[encode(key), encode(item)] for key, item in value.items()]}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and _RECORDS.get(name) is type(value):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"_record": name, "fields": fields}
    raise TypeError(f"no snapshot encoding for {type(value)!r}")


def decode(value: object) -> object:
    if isinstance(value, list):
        return [decode(item) for item in value]
    if not isinstance(value, dict):
        return value
    if "_tuple" in value:
        return tuple(decode(item) for item in value["_tuple"])
    if "_dict" in value:
        return {decode(key): decode(item) for key, item in value["_dict"]}
    if "_enum" in value:
        return _ENUMS[value["_enum"]](value["value"])
    if "_record" in value:
        fields = {name: decode(item) for name, item in value["fields"].items()}
        return _RECORDS[value["_record"]](**fields)
    raise ValueError(f"not a snapshot encoding: {sorted(value)!r}")


class PartnershipSnapshot(Snapshot):
    """A partnership's state at a version, stored in the library's snapshot table."""

    @classmethod
    def take(cls, aggregate: Any) -> Self:
        if not isinstance(aggregate, Partnership):
            raise TypeError(f"only partnerships are snapshotted, not {type(aggregate)!r}")
        snapshot = super().take(aggregate)
        state = {"format": FORMAT, "state": encode(snapshot.state)}
        return cls(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            timestamp=snapshot.timestamp,
            topic=snapshot.topic,
            state=state,
        )

    def mutate(self, _: None) -> Any:
        state = self.state
        if state.get("format") != FORMAT:
            raise ValueError(f"snapshot format {state.get('format')!r} is not {FORMAT}")
        decoded = decode(state["state"])
        assert isinstance(decoded, dict)
        plain = Snapshot(
            originator_id=self.originator_id,
            originator_version=self.originator_version,
            timestamp=self.timestamp,
            topic=self.topic,
            state=decoded,
        )
        return plain.mutate(None)
