"""The rules of a partnership's life: registration, revision, partners, activities, outcomes,
lessons, best practice and conclusion. Each refused command leaves the aggregate untouched."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import uuid4

import pycountry
import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry.domain.codelists import (
    ActivityKind,
    BestPracticeStatus,
    LessonKind,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    ResultLevel,
    TargetGroup,
    Verification,
)
from registry.domain.errors import ErrorCode
from registry.domain.records import Membership
from registry.domain.validation import (
    EARLIEST_DATE,
    LATEST_DATE,
    MAX_INDICATOR,
    MAX_LONG_TEXT,
    MAX_PARTICIPANTS,
    MAX_PARTNERS,
    MAX_REASON,
    MAX_TITLE,
    MAX_UNIT,
    MAX_URL,
    MAX_URLS,
)

if TYPE_CHECKING:
    from conftest import Build, Refused

    from registry.domain.actor import Actor
    from registry.domain.partnership import Partnership

FAILED = ErrorCode.VALIDATION_FAILED
NOT_FOUND = ErrorCode.NOT_FOUND
DUPLICATE = ErrorCode.DUPLICATE
COUNTRIES = sorted(country.alpha_2 for country in pycountry.countries)
TOO_EARLY = EARLIEST_DATE - timedelta(days=1)
TOO_LATE = LATEST_DATE + timedelta(days=1)

writable = st.characters(exclude_categories=("Cc", "Cs"))


def case_id(value: object) -> str | None:
    """Readable ids for tables of commands: the changed fields and their (shortened) values."""
    if isinstance(value, dict):
        return ",".join(f"{key}={_short(item)}" for key, item in value.items())
    if isinstance(value, tuple):
        return ".".join(value)
    return None


def _short(value: object) -> str:
    text = str(value)
    if len(text) <= 24:
        return text
    return f"{len(value)}-items" if isinstance(value, list) else f"{len(text)}-chars"


def url_of_length(length: int) -> str:
    prefix = "https://example.org/"
    return prefix + "a" * (length - len(prefix))


# ====================================================================== registration
def test_a_partnership_is_registered_with_its_partners_from_its_start(build: Build) -> None:
    partnership = build.partnership(title="  Cyber capacity ", regions=["011"])
    assert partnership.title == "Cyber capacity"
    assert partnership.countries == ("GH", "NG")
    assert partnership.regions == ("011",)
    assert partnership.practice_areas == (PracticeArea.CAPACITY_BUILDING,)
    assert partnership.status is PartnershipStatus.ACTIVE
    assert partnership.best_practice is BestPracticeStatus.NONE
    assert partnership.memberships == {
        build.lead: Membership(build.lead, PartnerRole.LEAD, build.start),
        build.implementer: Membership(build.implementer, PartnerRole.IMPLEMENTER, build.start),
    }
    assert [type(e).__name__ for e in partnership.pending_events] == ["PartnershipRegistered"]


@pytest.mark.parametrize("title", ["", "  ", "\t\n"])
def test_a_partnership_needs_a_title(build: Build, refused: Refused, title: str) -> None:
    with refused(None, (FAILED, ("title",))):
        build.partnership(title=title)


def test_a_partnership_title_may_be_as_long_as_its_limit(build: Build, refused: Refused) -> None:
    assert build.partnership(title="t" * MAX_TITLE).title == "t" * MAX_TITLE
    with refused(None, (FAILED, ("title",))):
        build.partnership(title="t" * (MAX_TITLE + 1))


def test_a_partnership_title_with_a_control_character_is_refused(
    build: Build, refused: Refused
) -> None:
    with refused(None, (FAILED, ("title",))):
        build.partnership(title="Cyber\x07capacity")


def test_a_partnership_needs_a_summary(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("summary",))):
        build.partnership(summary=" ")


def test_a_partnership_summary_may_be_as_long_as_its_limit(build: Build, refused: Refused) -> None:
    assert len(build.partnership(summary="s" * MAX_LONG_TEXT).summary) == MAX_LONG_TEXT
    with refused(None, (FAILED, ("summary",))):
        build.partnership(summary="s" * (MAX_LONG_TEXT + 1))


def test_a_partnership_objectives_are_optional_but_limited(build: Build, refused: Refused) -> None:
    assert build.partnership(objectives=None).objectives is None
    assert build.partnership(objectives="o" * MAX_LONG_TEXT).objectives == "o" * MAX_LONG_TEXT
    with refused(None, (FAILED, ("objectives",))):
        build.partnership(objectives="o" * (MAX_LONG_TEXT + 1))


def test_a_partnership_needs_a_practice_area(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("practice_areas",))):
        build.partnership(practice_areas=[])


def test_a_practice_area_listed_twice_is_refused(build: Build, refused: Refused) -> None:
    areas = [PracticeArea.RESEARCH, PracticeArea.RESEARCH]
    with refused(None, (FAILED, ("practice_areas", "1"))):
        build.partnership(practice_areas=areas)


@pytest.mark.parametrize("code", ["gh", "GHA", "XX", "EUR"])
def test_a_partnership_country_must_be_an_iso_alpha_2_code(
    build: Build, refused: Refused, code: str
) -> None:
    with refused(None, (FAILED, ("countries", "1"))):
        build.partnership(countries=["NG", code])


def test_a_country_listed_twice_in_a_partnership_is_refused(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("countries", "2"))):
        build.partnership(countries=["NG", "GH", "NG"])


@pytest.mark.parametrize("code", ["999", "15", "Africa", "GH"])
def test_a_partnership_region_must_be_a_un_m49_code(
    build: Build, refused: Refused, code: str
) -> None:
    with refused(None, (FAILED, ("regions", "0"))):
        build.partnership(regions=[code])


def test_a_partnership_may_name_only_regions(build: Build) -> None:
    partnership = build.partnership(countries=[], regions=["002", "150"])
    assert (partnership.countries, partnership.regions) == ((), ("002", "150"))


def test_a_partnership_needs_a_country_or_a_region(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("countries",))):
        build.partnership(countries=[], regions=[])


def test_a_partnership_cannot_end_before_it_starts(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("end_date",))):
        build.partnership(start_date=date(2021, 6, 2), end_date=date(2021, 6, 1))


def test_a_partnership_may_end_on_the_day_it_starts(build: Build) -> None:
    day = date(2021, 6, 1)
    assert build.partnership(start_date=day, end_date=day).end_date == day


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (TOO_EARLY, None, "start_date"),
        (date(2020, 1, 1), TOO_LATE, "end_date"),
    ],
)
def test_partnership_dates_must_be_from_1990_to_2100(
    build: Build, refused: Refused, start: date, end: date | None, field: str
) -> None:
    with refused(None, (FAILED, (field,))):
        build.partnership(start_date=start, end_date=end)


def test_a_partnership_needs_a_partner(build: Build, refused: Refused) -> None:
    with refused(None, (FAILED, ("partners",))):
        build.partnership(partners=[])


def test_a_partnership_needs_a_lead_partner(build: Build, refused: Refused) -> None:
    partners = [(uuid4(), PartnerRole.FUNDER), (uuid4(), PartnerRole.IMPLEMENTER)]
    with refused(None, (FAILED, ("partners",))):
        build.partnership(partners=partners)


def test_a_partner_listed_twice_is_a_duplicate(build: Build, refused: Refused) -> None:
    partners = [(build.lead, PartnerRole.LEAD), (build.lead, PartnerRole.FUNDER)]
    with refused(None, (DUPLICATE, ("partners", "1", "organisation_id"))):
        build.partnership(partners=partners)


def test_a_partnership_may_have_as_many_partners_as_its_limit(
    build: Build, refused: Refused
) -> None:
    partners = [(build.lead, PartnerRole.LEAD)] + [
        (uuid4(), PartnerRole.BENEFICIARY) for _ in range(MAX_PARTNERS - 1)
    ]
    assert len(build.partnership(partners=partners).current_partners()) == MAX_PARTNERS
    with refused(None, (FAILED, ("partners",))):
        build.partnership(partners=[*partners, (uuid4(), PartnerRole.FUNDER)])


def test_every_problem_of_a_registration_is_reported_at_once(
    build: Build, refused: Refused
) -> None:
    with refused(
        None,
        (FAILED, ("title",)),
        (FAILED, ("countries", "0")),
        (FAILED, ("end_date",)),
        (FAILED, ("partners",)),
    ):
        build.partnership(title="", countries=["gh"], end_date=date(2019, 1, 1), partners=[])


@given(st.text(writable, min_size=1, max_size=MAX_TITLE).filter(str.strip))
def test_any_non_blank_title_within_its_limit_is_registered_stripped(
    build: Build, title: str
) -> None:
    assert build.partnership(title=title).title == title.strip()


@given(st.lists(st.sampled_from(COUNTRIES), unique=True, min_size=1, max_size=60))
def test_any_list_of_iso_countries_is_registered_in_its_order(
    build: Build, countries: list[str]
) -> None:
    assert build.partnership(countries=countries).countries == tuple(countries)


@given(st.dates(EARLIEST_DATE, LATEST_DATE), st.dates(EARLIEST_DATE, LATEST_DATE))
def test_any_partnership_is_registered_if_and_only_if_it_does_not_end_before_it_starts(
    build: Build, refused: Refused, start: date, end: date
) -> None:
    if end >= start:
        assert build.partnership(start_date=start, end_date=end).end_date == end
    else:
        with refused(None, (FAILED, ("end_date",))):
            build.partnership(start_date=start, end_date=end)


# ====================================================================== revision
def test_a_partnership_is_revised_field_by_field(partnership: Partnership, actor: Actor) -> None:
    partnership.revise(
        changes={
            "title": "Cyber capacity II",
            "practice_areas": [PracticeArea.RESEARCH, PracticeArea.VICTIM_SUPPORT],
            "countries": ["SN"],
            "end_date": date(2024, 12, 31),
        },
        reason="Second phase",
        actor=actor,
    )
    assert partnership.title == "Cyber capacity II"
    assert partnership.practice_areas == (PracticeArea.RESEARCH, PracticeArea.VICTIM_SUPPORT)
    assert partnership.countries == ("SN",)
    assert partnership.end_date == date(2024, 12, 31)
    assert partnership.version == 2


def test_a_partnership_revision_that_changes_nothing_is_refused(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    same = {"title": partnership.title, "countries": list(partnership.countries)}
    with refused(partnership, (FAILED, ())):
        partnership.revise(changes=same, reason="No-op", actor=actor)


def test_a_partnership_revision_needs_a_reason_within_its_limit(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("reason",))):
        partnership.revise(changes={"title": "New"}, reason=" ", actor=actor)
    with refused(partnership, (FAILED, ("reason",))):
        partnership.revise(changes={"title": "New"}, reason="r" * (MAX_REASON + 1), actor=actor)
    partnership.revise(changes={"title": "New"}, reason="r" * MAX_REASON, actor=actor)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, ("title",)),
        ({"title": "t" * (MAX_TITLE + 1)}, ("title",)),
        ({"summary": " "}, ("summary",)),
        ({"objectives": "o" * (MAX_LONG_TEXT + 1)}, ("objectives",)),
        ({"practice_areas": []}, ("practice_areas",)),
        ({"countries": ["GH", "gh"]}, ("countries", "1")),
        ({"regions": ["001x"]}, ("regions", "0")),
        ({"start_date": TOO_EARLY}, ("start_date",)),
        ({"end_date": TOO_LATE}, ("end_date",)),
        ({"start_date": None}, ("start_date",)),
    ],
    ids=case_id,
)
def test_a_partnership_revision_is_checked_like_a_registration(
    partnership: Partnership, actor: Actor, refused: Refused, changes: dict[str, Any], field: Any
) -> None:
    with refused(partnership, (FAILED, field)):
        partnership.revise(changes=changes, reason="Fix", actor=actor)


def test_a_revision_cannot_make_a_partnership_end_before_it_starts(
    build: Build, actor: Actor, refused: Refused
) -> None:
    partnership = build.partnership(start_date=date(2020, 1, 1), end_date=date(2022, 1, 1))
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.revise(changes={"end_date": date(2019, 12, 31)}, reason="Fix", actor=actor)
    with refused(partnership, (FAILED, ("start_date",))):
        partnership.revise(changes={"start_date": date(2022, 1, 2)}, reason="Fix", actor=actor)


def test_a_revision_with_both_dates_in_the_wrong_order_is_refused_once(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    changes = {"start_date": date(2022, 1, 1), "end_date": date(2021, 1, 1)}
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.revise(changes=changes, reason="Fix", actor=actor)


def test_a_concluded_partnership_keeps_its_end_date(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.conclude(end_date=date(2023, 1, 1), summary="Done.", actor=actor)
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.revise(changes={"end_date": None}, reason="Reopen", actor=actor)
    partnership.revise(changes={"end_date": date(2023, 2, 1)}, reason="Later", actor=actor)
    assert partnership.end_date == date(2023, 2, 1)


@pytest.mark.parametrize("field", ["title", "summary", "practice_areas", "countries", "regions"])
def test_a_partnership_revision_cannot_clear_a_required_field(
    partnership: Partnership, actor: Actor, refused: Refused, field: str
) -> None:
    with refused(partnership, (FAILED, (field,))):
        partnership.revise(changes={field: None}, reason="Clear", actor=actor)


def test_a_revision_cannot_leave_a_partnership_without_a_country_or_a_region(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("countries",))):
        partnership.revise(changes={"countries": []}, reason="Fix", actor=actor)
    partnership.revise(changes={"countries": [], "regions": ["011"]}, reason="Fix", actor=actor)
    assert (partnership.countries, partnership.regions) == ((), ("011",))


# ====================================================================== partners
def test_a_partner_joins_with_its_role_and_start(partnership: Partnership, actor: Actor) -> None:
    funder = uuid4()
    partnership.add_partner(
        organisation_id=funder, role=PartnerRole.FUNDER, since=date(2022, 1, 1), actor=actor
    )
    assert partnership.memberships[funder] == Membership(
        funder, PartnerRole.FUNDER, date(2022, 1, 1)
    )
    assert partnership.is_partner(funder)


def test_a_current_partner_cannot_join_again(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (DUPLICATE, ("organisation_id",))):
        partnership.add_partner(
            organisation_id=build.implementer, role=PartnerRole.FUNDER, since=None, actor=actor
        )


def test_a_partner_that_left_may_join_again(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    partnership.remove_partner(
        organisation_id=build.implementer, until=date(2021, 1, 1), reason="Done", actor=actor
    )
    partnership.add_partner(
        organisation_id=build.implementer, role=PartnerRole.FUNDER, since=None, actor=actor
    )
    assert partnership.memberships[build.implementer].role is PartnerRole.FUNDER
    assert partnership.is_partner(build.implementer)


def test_a_partner_start_must_be_from_1990_to_2100(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("since",))):
        partnership.add_partner(
            organisation_id=uuid4(), role=PartnerRole.FUNDER, since=TOO_LATE, actor=actor
        )


def test_a_partnership_cannot_have_more_partners_than_its_limit(
    build: Build, actor: Actor, refused: Refused
) -> None:
    partnership = build.partnership()
    for _ in range(MAX_PARTNERS - 2):
        partnership.add_partner(
            organisation_id=uuid4(), role=PartnerRole.BENEFICIARY, since=None, actor=actor
        )
    assert len(partnership.current_partners()) == MAX_PARTNERS
    with refused(partnership, (FAILED, ("organisation_id",))):
        partnership.add_partner(
            organisation_id=uuid4(), role=PartnerRole.BENEFICIARY, since=None, actor=actor
        )


def test_a_partner_leaves_on_the_day_it_gives(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    partnership.remove_partner(
        organisation_id=build.implementer, until=date(2021, 6, 30), reason="Done", actor=actor
    )
    assert partnership.memberships[build.implementer].until == date(2021, 6, 30)
    assert not partnership.is_partner(build.implementer)
    assert [m.organisation_id for m in partnership.current_partners()] == [build.lead]


def test_a_partner_that_leaves_without_a_day_leaves_on_the_day_it_is_recorded(
    build: Build, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    registered_on = datetime(2021, 1, 1, tzinfo=UTC)
    monkeypatch.setattr("eventsourcing.domain.datetime_now_with_tzinfo", lambda: registered_on)
    partnership = build.partnership(start_date=date(2020, 1, 1))
    monkeypatch.undo()
    partnership.remove_partner(
        organisation_id=build.implementer, until=None, reason="Done", actor=actor
    )
    left = partnership.pending_events[-1]
    assert left.until == left.timestamp.date() != registered_on.date()  # type: ignore[attr-defined]
    assert partnership.memberships[build.implementer].until == left.timestamp.date()


def test_an_organisation_that_is_not_a_partner_cannot_leave(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (NOT_FOUND, ("organisation_id",))):
        partnership.remove_partner(organisation_id=uuid4(), until=None, reason="Bye", actor=actor)


def test_a_partner_cannot_leave_twice(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    partnership.remove_partner(
        organisation_id=build.implementer, until=date(2021, 1, 1), reason="Done", actor=actor
    )
    with refused(partnership, (NOT_FOUND, ("organisation_id",))):
        partnership.remove_partner(
            organisation_id=build.implementer, until=date(2021, 1, 1), reason="Again", actor=actor
        )


def test_the_only_lead_partner_cannot_leave(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("organisation_id",))):
        partnership.remove_partner(
            organisation_id=build.lead, until=date(2021, 1, 1), reason="Bye", actor=actor
        )


def test_a_lead_partner_may_leave_once_another_lead_has_joined(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    second_lead = uuid4()
    partnership.add_partner(
        organisation_id=second_lead, role=PartnerRole.LEAD, since=None, actor=actor
    )
    partnership.remove_partner(
        organisation_id=build.lead, until=date(2021, 1, 1), reason="Handover", actor=actor
    )
    assert not partnership.is_partner(build.lead)


def test_a_partner_cannot_leave_before_it_joined(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("until",))):
        partnership.remove_partner(
            organisation_id=build.implementer,
            until=build.start - timedelta(days=1),
            reason="Oops",
            actor=actor,
        )


def test_a_partner_leaving_needs_a_reason(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("reason",))):
        partnership.remove_partner(
            organisation_id=build.implementer, until=None, reason="", actor=actor
        )


def test_a_partner_confirms_its_participation(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    partnership.confirm_participation(organisation_id=build.implementer, actor=actor)
    assert partnership.memberships[build.implementer].confirmed
    assert not partnership.memberships[build.lead].confirmed


def test_a_partner_cannot_confirm_twice(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    partnership.confirm_participation(organisation_id=build.implementer, actor=actor)
    with refused(partnership, (DUPLICATE, ("organisation_id",))):
        partnership.confirm_participation(organisation_id=build.implementer, actor=actor)


def test_only_a_current_partner_can_confirm(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (NOT_FOUND, ("organisation_id",))):
        partnership.confirm_participation(organisation_id=uuid4(), actor=actor)
    partnership.remove_partner(
        organisation_id=build.implementer, until=date(2021, 1, 1), reason="Done", actor=actor
    )
    with refused(partnership, (NOT_FOUND, ("organisation_id",))):
        partnership.confirm_participation(organisation_id=build.implementer, actor=actor)


# ====================================================================== activities
def test_an_activity_is_logged(partnership: Partnership, build: Build) -> None:
    activity_id = build.activity(partnership, title="  Digital evidence ", participants=0)
    activity = partnership.activities[activity_id]
    assert activity.title == "Digital evidence"
    assert activity.kind is ActivityKind.TRAINING
    assert activity.target_groups == (TargetGroup.LAW_ENFORCEMENT, TargetGroup.PROSECUTORS)
    assert activity.countries == ("GH",)
    assert activity.evidence_urls == ("https://example.org/report.pdf",)
    assert (activity.participants, activity.retracted) == (0, False)


def test_no_activity_is_logged_on_a_concluded_partnership(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    partnership.conclude(end_date=date(2022, 1, 1), summary="Done.", actor=actor)
    with refused(partnership, (FAILED, ("partnership_id",))):
        build.activity(partnership)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, ("title",)),
        ({"title": "t" * (MAX_TITLE + 1)}, ("title",)),
        ({"title": "Bad\x1b[31m"}, ("title",)),
        ({"description": "d" * (MAX_LONG_TEXT + 1)}, ("description",)),
        ({"description": "nul\x00"}, ("description",)),
        ({"start_date": date(2021, 3, 6)}, ("end_date",)),
        ({"start_date": TOO_EARLY, "end_date": None}, ("start_date",)),
        ({"end_date": TOO_LATE}, ("end_date",)),
        ({"countries": ["gh"]}, ("countries", "0")),
        ({"countries": ["GHA"]}, ("countries", "0")),
        ({"countries": ["GH", "ZZ"]}, ("countries", "1")),
        ({"target_groups": [TargetGroup.CSIRT, TargetGroup.CSIRT]}, ("target_groups", "1")),
        ({"participants": -1}, ("participants",)),
        ({"participants": MAX_PARTICIPANTS + 1}, ("participants",)),
        ({"evidence_urls": ["javascript:alert(1)"]}, ("evidence_urls", "0")),
        ({"evidence_urls": ["ftp://example.org/x"]}, ("evidence_urls", "0")),
        ({"evidence_urls": ["https:///x"]}, ("evidence_urls", "0")),
        ({"evidence_urls": ["https://example.org/a b"]}, ("evidence_urls", "0")),
        ({"evidence_urls": [url_of_length(MAX_URL + 1)]}, ("evidence_urls", "0")),
        (
            {"evidence_urls": [f"https://example.org/{i}" for i in range(MAX_URLS + 1)]},
            ("evidence_urls",),
        ),
    ],
    ids=case_id,
)
def test_an_activity_is_refused_when_a_field_breaks_its_rule(
    partnership: Partnership, build: Build, refused: Refused, overrides: dict[str, Any], field: Any
) -> None:
    with refused(partnership, (FAILED, field)):
        build.activity(partnership, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"title": "t" * MAX_TITLE},
        {"description": "d" * MAX_LONG_TEXT},
        {"description": None},
        {"participants": MAX_PARTICIPANTS},
        {"participants": None},
        {"end_date": None},
        {"end_date": date(2021, 3, 1)},
        {"countries": [], "target_groups": []},
        {"evidence_urls": [url_of_length(MAX_URL)]},
        {"evidence_urls": [f"https://example.org/{i}" for i in range(MAX_URLS)]},
    ],
    ids=case_id,
)
def test_an_activity_at_the_edge_of_a_rule_is_logged(
    partnership: Partnership, build: Build, overrides: dict[str, Any]
) -> None:
    activity_id = build.activity(partnership, **overrides)
    assert activity_id in partnership.activities


@given(st.dates(EARLIEST_DATE, LATEST_DATE), st.dates(EARLIEST_DATE, LATEST_DATE))
def test_any_activity_is_logged_if_and_only_if_it_does_not_end_before_it_starts(
    build: Build, refused: Refused, start: date, end: date
) -> None:
    partnership = build.partnership()
    if end >= start:
        activity_id = build.activity(partnership, start_date=start, end_date=end)
        assert partnership.activities[activity_id].end_date == end
    else:
        with refused(partnership, (FAILED, ("end_date",))):
            build.activity(partnership, start_date=start, end_date=end)


def test_an_activity_is_corrected_field_by_field(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    activity_id = build.activity(partnership)
    partnership.correct_activity(
        activity_id=activity_id,
        changes={"participants": 42, "kind": "WORKSHOP", "target_groups": ["CSIRT"]},
        reason="Count fixed",
        actor=actor,
    )
    activity = partnership.activities[activity_id]
    assert activity.participants == 42
    assert activity.kind is ActivityKind.WORKSHOP
    assert activity.target_groups == (TargetGroup.CSIRT,)
    assert activity.title == "Digital evidence for first responders"


def test_an_activity_correction_that_changes_nothing_is_refused(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    activity_id = build.activity(partnership)
    same = {"participants": 40, "countries": ["GH"], "kind": ActivityKind.TRAINING}
    with refused(partnership, (FAILED, ())):
        partnership.correct_activity(activity_id=activity_id, changes=same, reason="x", actor=actor)


def test_an_unknown_activity_cannot_be_corrected_or_retracted(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (NOT_FOUND, ("activity_id",))):
        partnership.correct_activity(
            activity_id=uuid4(), changes={"participants": 1}, reason="Fix", actor=actor
        )
    with refused(partnership, (NOT_FOUND, ("activity_id",))):
        partnership.retract_activity(activity_id=uuid4(), reason="Wrong", actor=actor)


def test_a_retracted_activity_cannot_be_corrected_or_retracted_again(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    activity_id = build.activity(partnership)
    partnership.retract_activity(activity_id=activity_id, reason="Logged twice", actor=actor)
    assert partnership.activities[activity_id].retracted
    with refused(partnership, (FAILED, ("activity_id",))):
        partnership.correct_activity(
            activity_id=activity_id, changes={"participants": 1}, reason="Fix", actor=actor
        )
    with refused(partnership, (FAILED, ("activity_id",))):
        partnership.retract_activity(activity_id=activity_id, reason="Again", actor=actor)


def test_an_activity_retraction_needs_a_reason(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    activity_id = build.activity(partnership)
    with refused(partnership, (FAILED, ("reason",))):
        partnership.retract_activity(activity_id=activity_id, reason=" ", actor=actor)


def test_a_correction_cannot_make_an_activity_end_before_it_starts(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    activity_id = build.activity(
        partnership, start_date=date(2021, 3, 1), end_date=date(2021, 3, 5)
    )
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.correct_activity(
            activity_id=activity_id,
            changes={"end_date": date(2021, 2, 28)},
            reason="Fix",
            actor=actor,
        )
    with refused(partnership, (FAILED, ("start_date",))):
        partnership.correct_activity(
            activity_id=activity_id,
            changes={"start_date": date(2021, 3, 6)},
            reason="Fix",
            actor=actor,
        )


def test_an_activity_correction_with_both_dates_in_the_wrong_order_is_refused_once(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    activity_id = build.activity(partnership)
    changes = {"start_date": date(2021, 3, 6), "end_date": date(2021, 3, 5)}
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.correct_activity(
            activity_id=activity_id, changes=changes, reason="Fix", actor=actor
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, ("title",)),
        ({"participants": -5}, ("participants",)),
        ({"countries": ["gh"]}, ("countries", "0")),
        ({"evidence_urls": ["javascript:void(0)"]}, ("evidence_urls", "0")),
        ({"end_date": TOO_LATE}, ("end_date",)),
    ],
    ids=case_id,
)
def test_an_activity_correction_is_checked_like_a_log(
    partnership: Partnership,
    build: Build,
    actor: Actor,
    refused: Refused,
    changes: dict[str, Any],
    field: Any,
) -> None:
    activity_id = build.activity(partnership)
    with refused(partnership, (FAILED, field)):
        partnership.correct_activity(
            activity_id=activity_id, changes=changes, reason="Fix", actor=actor
        )


@pytest.mark.parametrize(
    "field",
    ["kind", "practice_area", "start_date", "countries", "target_groups", "evidence_urls"],
)
def test_an_activity_correction_cannot_clear_a_required_field(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused, field: str
) -> None:
    activity_id = build.activity(partnership)
    with refused(partnership, (FAILED, (field,))):
        partnership.correct_activity(
            activity_id=activity_id, changes={field: None}, reason="Clear", actor=actor
        )


def test_an_activity_correction_may_clear_an_optional_field(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    activity_id = build.activity(partnership)
    partnership.correct_activity(
        activity_id=activity_id,
        changes={"description": None, "end_date": None, "participants": None},
        reason="Unknown",
        actor=actor,
    )
    activity = partnership.activities[activity_id]
    assert (activity.description, activity.end_date, activity.participants) == (None, None, None)


# ====================================================================== outcomes
def test_an_outcome_is_reported(partnership: Partnership, build: Build) -> None:
    outcome_id = build.outcome(partnership, indicator=" Cases ")
    outcome = partnership.outcomes[outcome_id]
    assert outcome.indicator == "Cases"
    assert outcome.result_level is ResultLevel.OUTCOME
    assert outcome.verification is Verification.PARTNER_CONFIRMED
    assert (outcome.baseline, outcome.target, outcome.actual) == (3.0, 20.0, 12.0)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"indicator": ""}, ("indicator",)),
        ({"indicator": "i" * (MAX_INDICATOR + 1)}, ("indicator",)),
        ({"unit": "u" * (MAX_UNIT + 1)}, ("unit",)),
        ({"baseline": math.nan}, ("baseline",)),
        ({"target": math.inf}, ("target",)),
        ({"actual": -math.inf}, ("actual",)),
        ({"actual": 1e300}, ("actual",)),
        ({"period_end": date(2020, 12, 31)}, ("period_end",)),
        ({"period_start": TOO_EARLY}, ("period_start",)),
        ({"evidence_urls": ["ftp://example.org"]}, ("evidence_urls", "0")),
    ],
    ids=case_id,
)
def test_an_outcome_is_refused_when_a_field_breaks_its_rule(
    partnership: Partnership, build: Build, refused: Refused, overrides: dict[str, Any], field: Any
) -> None:
    with refused(partnership, (FAILED, field)):
        build.outcome(partnership, **overrides)


@pytest.mark.parametrize(
    "overrides",
    [
        {"indicator": "i" * MAX_INDICATOR},
        {"unit": "u" * MAX_UNIT},
        {"unit": None, "baseline": None, "target": None, "actual": None},
        {"period_start": None, "period_end": None},
        {"period_end": date(2021, 1, 1)},
    ],
    ids=case_id,
)
def test_an_outcome_at_the_edge_of_a_rule_is_reported(
    partnership: Partnership, build: Build, overrides: dict[str, Any]
) -> None:
    assert build.outcome(partnership, **overrides) in partnership.outcomes


def test_an_outcome_may_be_reported_after_the_partnership_concluded(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    partnership.conclude(end_date=date(2022, 1, 1), summary="Done.", actor=actor)
    assert build.outcome(partnership) in partnership.outcomes


def test_an_outcome_is_corrected_field_by_field(
    partnership: Partnership, build: Build, actor: Actor
) -> None:
    outcome_id = build.outcome(partnership)
    partnership.correct_outcome(
        outcome_id=outcome_id,
        changes={"actual": 15.0, "verification": "INDEPENDENT"},
        reason="Audited",
        actor=actor,
    )
    outcome = partnership.outcomes[outcome_id]
    assert (outcome.actual, outcome.verification) == (15.0, Verification.INDEPENDENT)


def test_an_unknown_outcome_cannot_be_corrected(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (NOT_FOUND, ("outcome_id",))):
        partnership.correct_outcome(
            outcome_id=uuid4(), changes={"actual": 1.0}, reason="Fix", actor=actor
        )


def test_an_outcome_correction_that_changes_nothing_is_refused(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    outcome_id = build.outcome(partnership)
    with refused(partnership, (FAILED, ())):
        partnership.correct_outcome(
            outcome_id=outcome_id, changes={"actual": 12.0}, reason="x", actor=actor
        )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"period_end": date(2020, 12, 31)}, ("period_end",)),
        ({"period_start": date(2022, 1, 1)}, ("period_start",)),
        ({"period_start": TOO_EARLY}, ("period_start",)),
        ({"period_end": TOO_LATE}, ("period_end",)),
        ({"actual": math.nan}, ("actual",)),
        ({"target": math.inf}, ("target",)),
        ({"indicator": " "}, ("indicator",)),
        ({"unit": "u" * (MAX_UNIT + 1)}, ("unit",)),
        ({"evidence_urls": ["https://"]}, ("evidence_urls", "0")),
        ({"verification": None}, ("verification",)),
        ({"result_level": None}, ("result_level",)),
        ({"evidence_urls": None}, ("evidence_urls",)),
    ],
    ids=case_id,
)
def test_an_outcome_correction_is_checked_like_a_report(
    partnership: Partnership,
    build: Build,
    actor: Actor,
    refused: Refused,
    changes: dict[str, Any],
    field: Any,
) -> None:
    outcome_id = build.outcome(partnership)
    with refused(partnership, (FAILED, field)):
        partnership.correct_outcome(
            outcome_id=outcome_id, changes=changes, reason="Fix", actor=actor
        )


# ====================================================================== lessons
def test_a_lesson_is_recorded(partnership: Partnership, build: Build) -> None:
    build.lesson(partnership, text="Start with prosecutors.")
    (lesson,) = partnership.lessons
    assert (lesson.kind, lesson.text) == (LessonKind.SUCCESS_FACTOR, "Start with prosecutors.")


def test_a_lesson_needs_a_text_within_its_limit(
    partnership: Partnership, build: Build, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("text",))):
        build.lesson(partnership, text="  ")
    with refused(partnership, (FAILED, ("text",))):
        build.lesson(partnership, text="l" * (MAX_LONG_TEXT + 1))
    build.lesson(partnership, text="l" * MAX_LONG_TEXT)


# ====================================================================== best practice
def test_a_partnership_is_nominated_then_endorsed_as_best_practice(
    partnership: Partnership, actor: Actor
) -> None:
    partnership.nominate_best_practice(rationale="Replicable model", actor=actor)
    assert partnership.best_practice is BestPracticeStatus.NOMINATED
    partnership.endorse_best_practice(rationale="Independently evaluated", actor=actor)
    assert partnership.best_practice is BestPracticeStatus.ENDORSED


def test_a_partnership_cannot_be_nominated_twice(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    with refused(partnership, (DUPLICATE, ("partnership_id",))):
        partnership.nominate_best_practice(rationale="Again", actor=actor)


def test_an_endorsed_partnership_cannot_be_nominated(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    partnership.endorse_best_practice(rationale="Evaluated", actor=actor)
    with refused(partnership, (DUPLICATE, ("partnership_id",))):
        partnership.nominate_best_practice(rationale="Again", actor=actor)


def test_a_partnership_cannot_be_endorsed_without_a_nomination(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("partnership_id",))):
        partnership.endorse_best_practice(rationale="Evaluated", actor=actor)


def test_a_partnership_cannot_be_endorsed_twice(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    partnership.endorse_best_practice(rationale="Evaluated", actor=actor)
    with refused(partnership, (DUPLICATE, ("partnership_id",))):
        partnership.endorse_best_practice(rationale="Again", actor=actor)


def test_an_endorsement_is_withdrawn_and_the_partnership_may_be_nominated_again(
    partnership: Partnership, actor: Actor
) -> None:
    partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    partnership.endorse_best_practice(rationale="Evaluated", actor=actor)
    partnership.withdraw_endorsement(reason="Evaluation retracted", actor=actor)
    assert partnership.best_practice is BestPracticeStatus.WITHDRAWN
    partnership.nominate_best_practice(rationale="Re-evaluated", actor=actor)
    assert partnership.best_practice is BestPracticeStatus.NOMINATED


def test_a_withdrawn_partnership_cannot_be_endorsed_without_a_new_nomination(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    partnership.endorse_best_practice(rationale="Evaluated", actor=actor)
    partnership.withdraw_endorsement(reason="Evaluation retracted", actor=actor)
    with refused(partnership, (FAILED, ("partnership_id",))):
        partnership.endorse_best_practice(rationale="Again", actor=actor)


@pytest.mark.parametrize("nominated", [False, True])
def test_only_an_endorsement_can_be_withdrawn(
    partnership: Partnership, actor: Actor, refused: Refused, nominated: bool
) -> None:
    if nominated:
        partnership.nominate_best_practice(rationale="Replicable", actor=actor)
    with refused(partnership, (FAILED, ("partnership_id",))):
        partnership.withdraw_endorsement(reason="No", actor=actor)


def test_best_practice_steps_need_a_rationale_or_a_reason(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("rationale",))):
        partnership.nominate_best_practice(rationale=" ", actor=actor)
    partnership.nominate_best_practice(rationale="r" * MAX_LONG_TEXT, actor=actor)
    with refused(partnership, (FAILED, ("rationale",))):
        partnership.endorse_best_practice(rationale="r" * (MAX_LONG_TEXT + 1), actor=actor)
    partnership.endorse_best_practice(rationale="Evaluated", actor=actor)
    with refused(partnership, (FAILED, ("reason",))):
        partnership.withdraw_endorsement(reason="", actor=actor)
    with refused(partnership, (FAILED, ("reason",))):
        partnership.withdraw_endorsement(reason="r" * (MAX_REASON + 1), actor=actor)


# ====================================================================== conclusion
def test_a_partnership_is_concluded(partnership: Partnership, actor: Actor) -> None:
    partnership.conclude(end_date=date(2023, 6, 30), summary="Trained 400 officers.", actor=actor)
    assert partnership.is_concluded
    assert partnership.status is PartnershipStatus.CONCLUDED
    assert (partnership.end_date, partnership.conclusion) == (
        date(2023, 6, 30),
        "Trained 400 officers.",
    )


def test_a_partnership_cannot_conclude_before_it_starts(
    partnership: Partnership, build: Build, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.conclude(end_date=build.start - timedelta(days=1), summary="Done.", actor=actor)
    partnership.conclude(end_date=build.start, summary="Done the same day.", actor=actor)


def test_a_conclusion_date_must_be_before_2101(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("end_date",))):
        partnership.conclude(end_date=TOO_LATE, summary="Done.", actor=actor)


def test_a_conclusion_needs_a_summary_within_its_limit(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    with refused(partnership, (FAILED, ("summary",))):
        partnership.conclude(end_date=date(2023, 1, 1), summary=" ", actor=actor)
    with refused(partnership, (FAILED, ("summary",))):
        partnership.conclude(
            end_date=date(2023, 1, 1), summary="s" * (MAX_LONG_TEXT + 1), actor=actor
        )


def test_a_partnership_cannot_conclude_twice(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.conclude(end_date=date(2023, 1, 1), summary="Done.", actor=actor)
    with refused(partnership, (FAILED, ("partnership_id",))):
        partnership.conclude(end_date=date(2024, 1, 1), summary="Again.", actor=actor)


def test_no_partner_joins_a_concluded_partnership(
    partnership: Partnership, actor: Actor, refused: Refused
) -> None:
    partnership.conclude(end_date=date(2023, 1, 1), summary="Done.", actor=actor)
    with refused(partnership, (FAILED, ("partnership_id",))):
        partnership.add_partner(
            organisation_id=uuid4(), role=PartnerRole.FUNDER, since=None, actor=actor
        )
