"""How a partnership's revisions and corrections travel: as plain JSON in the event, and back.

A revision or correction names only the fields it changes. The command keeps those that differ
from the current state (refusing one that changes nothing) and stores them as plain JSON; the
event body, which re-runs on every replay, turns the JSON back into the values records hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from registry.domain.codelists import (
    ActivityKind,
    PracticeArea,
    ResultLevel,
    TargetGroup,
    Verification,
)
from registry.domain.errors import invalid

Changes = dict[str, Any]


# How a corrected field's JSON value becomes the value a record holds.
_COERCE: dict[str, Any] = {
    "kind": ActivityKind,
    "practice_area": PracticeArea,
    "result_level": ResultLevel,
    "verification": Verification,
    "countries": tuple,
    "regions": tuple,
    "evidence_urls": tuple,
    "target_groups": lambda groups: tuple(TargetGroup(g) for g in groups),
    "practice_areas": lambda areas: tuple(PracticeArea(a) for a in areas),
}


def coerced(changes: Mapping[str, Any]) -> Changes:
    return {
        k: _COERCE.get(k, lambda v: v)(v) if v is not None else None for k, v in changes.items()
    }


def effective_changes(current: object, changes: Changes) -> Changes:
    """The changes that differ from ``current``; a correction that changes nothing is refused."""
    changed = {k: v for k, v in changes.items() if coerced({k: v})[k] != getattr(current, k)}
    if not changed:
        raise invalid((), "the correction changes nothing")
    return changed


def jsonable(changes: Changes) -> Changes:
    """Enums become their names and tuples lists, so the stored event is plain JSON."""

    def plain(value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, str):
            return str(value)
        return value

    return {k: plain(v) for k, v in changes.items()}
