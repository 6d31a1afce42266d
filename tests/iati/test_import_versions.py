"""Versions of an activity: the registry keeps the ``last-updated-datetime`` it last applied
(on the ``IatiActivityIndex``), applies a newer one as revisions and skips one no newer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrypoints.iati_import.applying import Status
from entrypoints.iati_import.planning import registration_key
from registry import commands as c
from registry.application import Registry, load_partnership
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.errors import CommandRejected, ErrorCode
from registry.domain.identifiers import IatiActivityIndex
from registry.idempotency import keyed_id, scope_of
from tests.iati import iati_files as f

IDENTIFIER = "XM-DAC-41122-CYBER-1"
OLD, NEW = "2024-05-01T10:00:00Z", "2024-09-01T10:00:00Z"


@pytest.fixture
def registry(database: DatabaseAddress) -> Iterator[Registry]:
    with f.registry_over(database) as registry:
        yield registry


def _events(registry: Registry) -> int:
    return int(registry.store.max_notification_id() or 0)


def _title(registry: Registry) -> str:
    pid = keyed_id(scope_of(f.ADMIN), registration_key(IDENTIFIER), "partnership")
    partnership = load_partnership(registry, pid)
    assert partnership is not None
    return partnership.title


def _recorded(registry: Registry, identifier: str = IDENTIFIER) -> datetime | None:
    index = registry.repository.get(IatiActivityIndex.id_for(identifier))
    assert isinstance(index, IatiActivityIndex)
    return index.last_updated


def _import(registry: Registry, tmp_path: Path, *items: str) -> list[object]:
    name = f"{uuid4().hex}.xml"
    return list(f.import_file(registry, f.write(tmp_path, f.activities(*items), name)).activities)


def test_an_older_version_after_a_newer_one_appends_nothing_and_says_why(
    registry: Registry, tmp_path: Path
) -> None:
    [first] = _import(registry, tmp_path, f.activity(updated=NEW, title="Phase 2"))
    assert first.status is Status.IMPORTED  # type: ignore[attr-defined]
    assert _recorded(registry) == datetime(2024, 9, 1, 10, tzinfo=UTC)
    before = _events(registry)
    [older] = _import(registry, tmp_path, f.activity(updated=OLD, title="Phase 1"))
    assert older.status is Status.SKIPPED  # type: ignore[attr-defined]
    assert older.appended == 0  # type: ignore[attr-defined]
    [note] = [n for n in older.notes if n.element == "iati-activity"]  # type: ignore[attr-defined]
    assert note.reason.startswith(
        "older than the imported version, last-updated 2024-05-01T10:00:00Z < 2024-09-01T10:00:00Z"
    )
    assert note.line > 0
    assert _events(registry) == before
    assert _title(registry) == "Phase 2"


def test_a_newer_version_is_applied_and_recorded(registry: Registry, tmp_path: Path) -> None:
    _import(registry, tmp_path, f.activity(updated=OLD, title="Phase 1"))
    [newer] = _import(registry, tmp_path, f.activity(updated=NEW, title="Phase 2"))
    assert newer.status is Status.IMPORTED, newer  # type: ignore[attr-defined]
    assert _title(registry) == "Phase 2"
    assert _recorded(registry) == datetime(2024, 9, 1, 10, tzinfo=UTC)
    # And the same newer file again is the same version: nothing.
    before = _events(registry)
    [again] = _import(registry, tmp_path, f.activity(updated=NEW, title="Phase 2"))
    assert again.status is Status.SKIPPED  # type: ignore[attr-defined]
    assert _events(registry) == before


def test_the_same_time_with_other_content_is_not_applied_as_a_revision(
    registry: Registry, tmp_path: Path
) -> None:
    _import(registry, tmp_path, f.activity(updated=OLD, title="Phase 1"))
    before = _events(registry)
    [same] = _import(registry, tmp_path, f.activity(updated=OLD, title="Changed, same time"))
    assert same.status is Status.SKIPPED  # type: ignore[attr-defined]
    assert any("already imported" in n.reason for n in same.notes)  # type: ignore[attr-defined]
    assert _events(registry) == before
    assert _title(registry) == "Phase 1"


def test_times_compare_as_instants_not_as_text(registry: Registry, tmp_path: Path) -> None:
    # 12:00 at +02:00 is 10:00 UTC: the same instant as OLD, however it is written.
    _import(registry, tmp_path, f.activity(updated=OLD))
    before = _events(registry)
    [same] = _import(registry, tmp_path, f.activity(updated="2024-05-01T12:00:00+02:00", title="X"))
    assert same.status is Status.SKIPPED and _events(registry) == before  # type: ignore[attr-defined]
    # Without a zone, a time is taken as UTC, and said so.
    [newer] = _import(registry, tmp_path, f.activity(updated="2024-05-02T00:00:00", title="Y"))
    assert newer.status is Status.IMPORTED  # type: ignore[attr-defined]
    assert any("no time zone" in n.reason for n in newer.notes)  # type: ignore[attr-defined]


def test_one_file_with_a_newer_then_an_older_version_applies_the_newer_only(
    registry: Registry, tmp_path: Path
) -> None:
    report = _import(
        registry,
        tmp_path,
        f.activity(updated=NEW, title="Phase 2"),
        f.activity(updated=OLD, title="Phase 1"),
    )
    assert [a.status for a in report] == [Status.IMPORTED, Status.SKIPPED]  # type: ignore[attr-defined]
    assert _title(registry) == "Phase 2"


def test_an_activity_with_a_refused_command_records_no_version_so_a_reimport_retries(
    registry: Registry, tmp_path: Path
) -> None:
    backwards = f.result().replace(
        'period-end iso-date="2022-12-31"', 'period-end iso-date="2021-01-01"'
    )
    [first] = _import(registry, tmp_path, f.activity(results=backwards))
    assert first.status is Status.REJECTED  # type: ignore[attr-defined]
    assert _recorded(registry) is None
    [again] = _import(registry, tmp_path, f.activity(results=backwards))
    assert again.refusals == first.refusals  # type: ignore[attr-defined]


def test_an_activity_without_last_updated_is_planned_as_ever_and_says_so(
    registry: Registry, tmp_path: Path
) -> None:
    undated = f.activity(title="Undated").replace(f' last-updated-datetime="{OLD}"', "")
    _import(registry, tmp_path, f.activity(updated=NEW, title="Phase 2"))
    [applied] = _import(registry, tmp_path, undated)
    assert applied.status is Status.IMPORTED  # type: ignore[attr-defined]
    assert any(
        "no @last-updated-datetime" in n.reason
        for n in applied.notes  # type: ignore[attr-defined]
    )
    assert _title(registry) == "Undated"
    assert _recorded(registry) == datetime(2024, 9, 1, 10, tzinfo=UTC)  # unchanged


def test_recording_a_version_needs_the_rights_to_write_to_the_partnership(
    registry: Registry, tmp_path: Path
) -> None:
    _import(registry, tmp_path, f.activity(updated=OLD))
    outsider = Actor("outsider", Role.CONTRIBUTOR, organisation_id=uuid4())
    later = datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(CommandRejected) as refused:
        registry.submit(outsider, c.Submission(c.RecordIatiVersion(IDENTIFIER, later)))
    assert refused.value.problems[0].code is ErrorCode.FORBIDDEN
    with pytest.raises(CommandRejected) as unknown:
        registry.submit(f.ADMIN, c.Submission(c.RecordIatiVersion("NO-SUCH", later)))
    assert unknown.value.problems[0].code is ErrorCode.NOT_FOUND
    assert _recorded(registry) == datetime(2024, 5, 1, 10, tzinfo=UTC)


_MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)


@given(st.lists(_MOMENTS, max_size=12))
def test_the_index_records_only_forwards(moments: list[datetime]) -> None:
    index = IatiActivityIndex.claim("XM-TEST-1", uuid4())
    accepted: list[datetime] = []
    for moment in moments:
        try:
            index.record_version(moment)
        except CommandRejected as refused:
            assert accepted and moment <= accepted[-1]
            assert refused.problems[0].code is ErrorCode.VERSION_CONFLICT
        else:
            assert not accepted or moment > accepted[-1]
            accepted.append(moment)
    assert index.last_updated == (max(moments) if moments else None)
    with pytest.raises(CommandRejected):
        index.record_version(datetime(2050, 1, 1) + timedelta(0))  # no time zone
