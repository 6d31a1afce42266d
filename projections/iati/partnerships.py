"""The partnerships of an M49 area at a log position, folded from the audit log for IATI.

Like the regional exports, this reads only the audit log (``event_log``) up to the position,
never the latest-state tables, so the same position always gives the same partnerships. A
partnership is in the area when its countries or declared regions (as they were at the
position) fall in it, at any level. Partnerships come in the order they were registered, in
batches, so a large area never holds all of its events at once; organisations are folded once
and kept for the batches that follow.

The fold keeps what an IATI activity shows: the partnership's fields, its partners (former ones
too, with the dates they joined and left), the target groups and evidence of its activities
that are not retracted, its outcomes as last corrected, and when its events and its partners'
were recorded (``last-updated-datetime``). An ``iati_identifier`` in the registration or a
revision (what an IATI import stores) is kept; the export builds one only when there is none.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from projections.case_studies.fold import day, event_value
from projections.case_studies.log import candidates
from projections.iati.codes import organisation_ref
from projections.queries import Db
from projections.read_model import LIVE_SCHEMA, quoted
from registry import geography
from registry.progress import Progress, ignore

BATCH = 500  # partnerships folded at a time


@dataclass(frozen=True)
class Participant:
    organisation_id: UUID
    name: str
    org_type: str | None
    sector: str | None
    ref: str | None  # its IATI organisation identifier, when it has one
    role: str
    since: date | None
    until: date | None  # set once it left


@dataclass(frozen=True)
class Result:
    outcome_id: UUID
    result_level: str
    indicator: str
    unit: str | None
    baseline: float | None
    target: float | None
    actual: float | None
    period_start: date | None
    period_end: date | None
    verification: str
    evidence_urls: tuple[str, ...]
    reported_on: date  # the day the log recorded it


@dataclass(frozen=True)
class Evidence:
    url: str
    title: str  # what it is evidence of: the activity's title or the outcome's indicator


@dataclass(frozen=True)
class Partnership:
    """One partnership at the position: what its IATI activity is made of."""

    id: UUID
    iati_identifier: str | None  # the stored one (an imported activity's), if any
    title: str
    summary: str
    objectives: str | None
    concluded: bool
    conclusion: str | None
    start_date: date
    end_date: date | None
    countries: tuple[str, ...]
    declared_regions: tuple[str, ...]
    practice_areas: tuple[str, ...]
    participants: tuple[Participant, ...]  # in the order they joined
    target_groups: tuple[str, ...]  # of its live activities, first seen first
    evidence: tuple[Evidence, ...]  # of its live activities, in log order
    results: tuple[Result, ...]  # in log order
    last_updated: datetime  # the latest of its events and its partners' events


# ---------------------------------------------------------------------------- the log


@dataclass(frozen=True, slots=True)
class _Event:
    position: int
    type: str
    stream_id: UUID
    recorded_at: datetime
    data: dict[str, Any]


def _event(row: asyncpg.Record) -> _Event:
    return _Event(
        row["position"], row["type"], row["stream_id"], row["recorded_at"], json.loads(row["data"])
    )


def _table(schema: str, name: str) -> str:
    return f"{quoted(schema)}.{name}"


async def log_time(db: Db, position: int, *, schema: str = LIVE_SCHEMA) -> datetime | None:
    """When the last event at or before ``position`` was recorded: the log's time there."""
    value: datetime | None = await db.fetchval(
        f"SELECT recorded_at FROM {_table(schema, 'event_log')}"  # noqa: S608
        " WHERE position <= $1 ORDER BY position DESC LIMIT 1",
        position,
    )
    return value


async def _events(db: Db, stream_ids: Sequence[UUID], position: int, schema: str) -> list[_Event]:
    if not stream_ids:
        return []
    rows = await db.fetch(
        "SELECT position, type, stream_id, recorded_at, data::text AS data"  # noqa: S608
        f" FROM {_table(schema, 'event_log')}"
        " WHERE stream_id = ANY($1::uuid[]) AND position <= $2 ORDER BY position",
        list(stream_ids),
        position,
    )
    return [_event(row) for row in rows]


# ---------------------------------------------------------------------------- folding


@dataclass(slots=True)
class _Member:
    role: str
    since: date | None
    until: date | None = None


@dataclass(slots=True)
class _Record:
    """An activity or an outcome: its current fields."""

    fields: dict[str, Any]
    recorded_at: datetime
    retracted: bool = False


_PARTNERSHIP_FIELDS = (
    "title",
    "summary",
    "objectives",
    "practice_areas",
    "countries",
    "regions",
    "start_date",
    "end_date",
    "iati_identifier",
)


class _Fold:
    """A partnership folded from its events, in log order."""

    def __init__(self, stream_id: UUID) -> None:
        self.id = stream_id
        self.registered = False
        self.fields: dict[str, Any] = {}
        self.concluded = False
        self.conclusion: str | None = None
        self.members: dict[UUID, _Member] = {}
        self.activities: dict[str, _Record] = {}
        self.outcomes: dict[str, _Record] = {}
        self.last_recorded: datetime | None = None

    def apply(self, e: _Event) -> None:
        self.last_recorded = e.recorded_at
        d = e.data
        if e.type == "PartnershipRegistered":
            self.registered = True
            self.fields = {name: event_value(name, d.get(name)) for name in _PARTNERSHIP_FIELDS}
            since = self.fields["start_date"]
            for p in d.get("partners", ()):
                self.members[UUID(p["organisation"])] = _Member(p["role"], since)
        elif e.type == "PartnershipRevised":
            self.fields.update((k, event_value(k, v)) for k, v in d["changes"].items())
        elif e.type == "PartnershipConcluded":
            self.concluded = True
            self.fields["end_date"] = day(d.get("end_date"))
            self.conclusion = d.get("summary")
        elif e.type == "PartnerJoined":
            # A returning partner starts afresh, as the aggregate replaces its membership.
            self.members[UUID(d["organisation"])] = _Member(d["role"], day(d.get("since")))
        elif e.type == "PartnerLeft":
            member = self.members.get(UUID(d["organisation"]))
            if member is not None:  # as the projector does, the day it left by default
                member.until = day(d.get("until")) or e.recorded_at.date()
        elif e.type == "ActivityLogged":
            self.activities[d["activity_id"]] = _Record(_fields(d, "activity_id"), e.recorded_at)
        elif e.type == "ActivityCorrected":
            self._correct(self.activities.get(d["activity_id"]), d["changes"])
        elif e.type == "ActivityRetracted":
            record = self.activities.get(d["activity_id"])
            if record is not None:
                record.retracted = True
        elif e.type == "OutcomeReported":
            self.outcomes[d["outcome_id"]] = _Record(_fields(d, "outcome_id"), e.recorded_at)
        elif e.type == "OutcomeCorrected":
            self._correct(self.outcomes.get(d["outcome_id"]), d["changes"])

    @staticmethod
    def _correct(record: _Record | None, changes: Mapping[str, Any]) -> None:
        if record is not None:
            record.fields.update((k, event_value(k, v)) for k, v in changes.items())

    def in_area(self, area_code: str) -> bool:
        found = geography.areas_of(self.fields["countries"], self.fields["regions"])
        return any(a.code == area_code for a in found)


def _fields(data: Mapping[str, Any], id_name: str) -> dict[str, Any]:
    return {k: event_value(k, v) for k, v in data.items() if k not in ("actor", id_name)}


class _Organisation:
    def __init__(self) -> None:
        self.fields: dict[str, Any] = {}
        self.last_recorded: datetime | None = None

    def apply(self, e: _Event) -> None:
        if e.type == "OrganisationRegistered":
            names = ("name", "org_type", "sector", "country", "identifiers")
            self.fields = {name: e.data.get(name) for name in names}
        elif e.type == "OrganisationRevised":
            self.fields.update(e.data["changes"])
        else:
            return
        self.last_recorded = e.recorded_at


def _fold(events: Iterable[_Event]) -> dict[UUID, _Fold]:
    folded: dict[UUID, _Fold] = {}
    for e in events:
        state = folded.get(e.stream_id)
        if state is None:
            state = folded[e.stream_id] = _Fold(e.stream_id)
        state.apply(e)
    return folded


_UNKNOWN_NAME = "(unknown organisation)"


def _participants(
    state: _Fold, organisations: Mapping[UUID, _Organisation]
) -> tuple[Participant, ...]:
    found = []
    for org_id, member in state.members.items():
        org = organisations.get(org_id) or _Organisation()
        f = org.fields
        found.append(
            Participant(
                organisation_id=org_id,
                name=str(f.get("name") or _UNKNOWN_NAME),
                org_type=f.get("org_type"),
                sector=f.get("sector"),
                ref=organisation_ref(f.get("identifiers")),
                role=member.role,
                since=member.since,
                until=member.until,
            )
        )
    return tuple(found)


def _live(state: _Fold) -> list[_Record]:
    return [a for a in state.activities.values() if not a.retracted]


def _target_groups(state: _Fold) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for activity in _live(state):
        seen.update((group, None) for group in activity.fields.get("target_groups", ()))
    return tuple(seen)


def _evidence(state: _Fold) -> tuple[Evidence, ...]:
    found: list[Evidence] = []
    for activity in _live(state):
        title = str(activity.fields.get("title") or "")
        found.extend(Evidence(url, title) for url in activity.fields.get("evidence_urls", ()))
    return tuple(found)


def _results(state: _Fold) -> tuple[Result, ...]:
    found = []
    for outcome_id, record in state.outcomes.items():
        f = record.fields
        found.append(
            Result(
                outcome_id=UUID(outcome_id),
                result_level=str(f.get("result_level")),
                indicator=str(f.get("indicator") or ""),
                unit=f.get("unit"),
                baseline=f.get("baseline"),
                target=f.get("target"),
                actual=f.get("actual"),
                period_start=f.get("period_start"),
                period_end=f.get("period_end"),
                verification=str(f.get("verification")),
                evidence_urls=tuple(f.get("evidence_urls", ())),
                reported_on=record.recorded_at.date(),
            )
        )
    return tuple(found)


def _partnership(state: _Fold, organisations: Mapping[UUID, _Organisation]) -> Partnership:
    f = state.fields
    assert state.last_recorded is not None  # it has at least its registration
    times = [state.last_recorded]
    for org_id in state.members:
        org = organisations.get(org_id)
        if org is not None and org.last_recorded is not None:
            times.append(org.last_recorded)
    return Partnership(
        id=state.id,
        iati_identifier=f.get("iati_identifier") or None,
        title=str(f.get("title") or ""),
        summary=str(f.get("summary") or ""),
        objectives=f.get("objectives"),
        concluded=state.concluded,
        conclusion=state.conclusion,
        start_date=f["start_date"],
        end_date=f.get("end_date"),
        countries=f["countries"],
        declared_regions=f["regions"],
        practice_areas=f["practice_areas"],
        participants=_participants(state, organisations),
        target_groups=_target_groups(state),
        evidence=_evidence(state),
        results=_results(state),
        last_updated=max(times),
    )


async def partnerships_in_area(
    db: Db,
    area_code: str,
    position: int,
    *,
    schema: str = LIVE_SCHEMA,
    batch: int = BATCH,
    progress: Progress = ignore,
) -> AsyncIterator[list[Partnership]]:
    """The partnerships in the area at ``position``, in registration order, ``batch`` at a time.

    ``area_code`` must be an M49 area and ``position`` one the read model has reached (the
    caller checks both). ``progress(examined, candidates)`` counts the partnerships that may be
    in the area, as each batch is folded.
    """
    ids = await candidates(db, area_code, position, schema)
    organisations: dict[UUID, _Organisation] = {}
    progress(0, len(ids))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        folded = _fold(await _events(db, chunk, position, schema))
        inside = [folded[i] for i in chunk if i in folded and folded[i].registered]
        inside = [state for state in inside if state.in_area(area_code)]
        wanted = sorted({org for s in inside for org in s.members} - organisations.keys())
        organisations.update((org, _Organisation()) for org in wanted)
        for e in await _events(db, wanted, position, schema):
            organisations[e.stream_id].apply(e)
        if inside:
            yield [_partnership(state, organisations) for state in inside]
        progress(min(start + batch, len(ids)), len(ids))
