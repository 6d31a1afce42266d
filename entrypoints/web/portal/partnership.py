"""``/partnerships/{id}``: one partnership in full, its timeline, and its state on a past date.

``?asOf=YYYY-MM-DD`` shows the partnership as recorded by the end of that day (UTC): the same
time travel as GraphQL's ``partnership(asOf:)``, on its own bounded threads, so a reader going
back in time never slows the writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID

from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.errors import BadRequest, Busy, NotFound, friendly
from entrypoints.web.portal.rendering import page
from entrypoints.web.portal.state import services
from projections import queries as q
from projections.queries.timeline import partnership_timeline
from registry.domain.codelists import LessonKind, Sector
from schema.ids import BadGlobalId, from_global_id
from schema.views import Preloaded


@dataclass(frozen=True)
class Partner:
    membership: q.MembershipRecord
    organisation: q.OrganisationRecord | None

    @property
    def sector(self) -> str:
        return self.organisation.sector if self.organisation is not None else "OTHER"


@dataclass(frozen=True)
class Group:
    """Entries under one heading: a sector's partners, a practice area's activities."""

    key: str
    entries: list[object]


def uuid_of(global_id: str, type_name: str) -> UUID:
    try:
        return from_global_id(global_id, type_name)
    except BadGlobalId:
        raise NotFound(f"There is no {type_name.lower()} with the id {global_id[:80]!r}.") from None


def as_of(text: str | None) -> datetime | None:
    """The end of the day named ``YYYY-MM-DD``, in UTC: "as recorded on" that day."""
    if text is None or not text.strip():
        return None
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest(f"asOf: {text[:40]!r} is not a date such as 2024-05-31") from None
    if day.year < 1970 or day >= date.max:
        raise BadRequest("asOf: a date from 1970 on")
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def grouped(entries: Sequence[object], key: str, order: Sequence[str]) -> list[Group]:
    groups: dict[str, list[object]] = {}
    for entry in entries:
        groups.setdefault(str(getattr(entry, key)), []).append(entry)
    rank = {k: i for i, k in enumerate(order)}
    return [Group(k, groups[k]) for k in sorted(groups, key=lambda k: (rank.get(k, len(rank)), k))]


Found = tuple[q.PartnershipRecord, Preloaded]


async def _now(pool: q.Db, uuid: UUID) -> Found | None:
    (record,) = await q.partnerships_by_id(pool, [uuid])
    if record is None:
        return None
    (memberships,) = await q.memberships_of(pool, [uuid])
    (activities,) = await q.activities_of(pool, [uuid])
    (outcomes,) = await q.outcomes_of(pool, [uuid])
    (lessons,) = await q.lessons_of(pool, [uuid])
    organisations = {m.organisation_id: m.organisation for m in memberships if m.organisation}
    return record, Preloaded(memberships, activities, outcomes, lessons, organisations)


async def _then(request: Request, uuid: UUID, moment: datetime) -> Found | None:
    client = request.client.host if request.client is not None else ""
    try:
        view = await services(request).time_travel.partnership(client, uuid, moment)
    except GraphQLError as error:  # over the time-travel limits: busy, not broken
        raise Busy(str(error)) from None
    return (view.record, view.preloaded) if view is not None else None


@friendly
async def partnership(request: Request) -> Response:
    global_id = request.path_params["id"]
    uuid = uuid_of(global_id, "Partnership")
    moment = as_of(request.query_params.get("asOf"))
    pool = services(request).pool
    found = await (_now(pool, uuid) if moment is None else _then(request, uuid, moment))
    if found is None:
        if moment is not None and (await q.partnerships_by_id(pool, [uuid]))[0] is not None:
            day = (moment - timedelta(days=1)).date()
            raise NotFound(f"This partnership had not been recorded by {day:%Y-%m-%d}.")
        raise NotFound(f"There is no partnership with the id {global_id[:80]!r}.")
    record, lists = found
    timeline = await partnership_timeline(pool, uuid)
    if moment is not None:
        timeline = [t for t in timeline if t.recorded_at < moment]
    partners = [Partner(m, lists.organisations.get(m.organisation_id)) for m in lists.memberships]
    context = {
        "p": record,
        "id": global_id,
        "as_of": (moment - timedelta(days=1)).date() if moment else None,
        "partners": grouped(partners, "sector", _SECTORS),
        "activities": grouped(lists.activities, "practice_area", record.practice_areas),
        "outcomes": lists.outcomes,
        "lessons": grouped(lists.lessons, "kind", _LESSON_KINDS),
        "timeline": timeline,
        "first_day": timeline[0].recorded_at.date() if timeline else None,
    }
    return page(request, "partnership.html", context)


_SECTORS = tuple(Sector)
_LESSON_KINDS = tuple(LessonKind)
