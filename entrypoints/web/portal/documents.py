"""``/case-studies/{id}`` (the cited document) and ``/organisations/{id}`` (its partnerships)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from entrypoints.web.portal.errors import BadRequest, NotFound, friendly
from entrypoints.web.portal.partnership import grouped, uuid_of
from entrypoints.web.portal.regions import exports
from entrypoints.web.portal.rendering import page
from entrypoints.web.portal.state import services
from projections import case_studies as cs
from projections import queries as q
from registry import geography
from registry.domain.codelists import PartnerRole
from registry.geography import AreaLevel
from schema.case_studies import case_study_uuid

ORGANISATION_PAGE = 100


@friendly
async def case_study(request: Request) -> Response:
    global_id = request.path_params["id"]
    uuid = case_study_uuid(global_id)
    document = await cs.case_study(services(request).pool, uuid) if uuid is not None else None
    if document is None:
        raise NotFound(f"There is no case study with the id {global_id[:80]!r}.")
    areas = [a for c in document.regions if (a := geography.area(c)) is not None]
    regions = [a for a in areas if a.level is AreaLevel.REGION]
    context = {
        "d": document,
        "id": global_id,
        "areas": areas,
        "exports": [(a, exports(a.code, document.position)) for a in regions],
    }
    return page(request, "case_study.html", context)


@friendly
async def organisation(request: Request) -> Response:
    global_id = request.path_params["id"]
    uuid = uuid_of(global_id, "Organisation")
    pool = services(request).pool
    (record,) = await q.organisations_by_id(pool, [uuid])
    if record is None:
        raise NotFound(f"There is no organisation with the id {global_id[:80]!r}.")
    after = request.query_params.get("after") or None
    criteria = q.PartnershipFilter(organisation_id=uuid)
    try:
        found = await q.partnerships_page(
            pool, criteria, q.PartnershipOrder.TITLE_ASC, ORGANISATION_PAGE, after
        )
    except q.BadCursor:
        raise BadRequest(
            "after: not a page of this list; start again from the first page"
        ) from None
    memberships = await q.memberships_of(pool, [p.id for p in found.items])
    rows = [
        (m, p)
        for p, ms in zip(found.items, memberships, strict=True)
        for m in ms
        if m.organisation_id == uuid
    ]
    context = {
        "o": record,
        "id": global_id,
        "roles": grouped([_Row(m, p) for m, p in rows], "role", tuple(PartnerRole)),
        "page": found,
        "next_href": f"?after={found.cursors[-1]}" if found.has_next_page else None,
    }
    return page(request, "organisation.html", context)


class _Row:
    """A partnership the organisation is (or was) in, with its membership."""

    def __init__(self, membership: q.MembershipRecord, partnership: q.PartnershipRecord) -> None:
        self.membership = membership
        self.partnership = partnership

    @property
    def role(self) -> str:
        return self.membership.role
