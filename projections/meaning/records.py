"""What a partnership's records mean: activities, outcomes, lessons."""

from __future__ import annotations

from projections.decoding import RecordedEvent
from projections.meaning.core import Meaning, Write, number, on, texts, update

# ---------------------------------------------------------------------- activities
_ACTIVITY_COLUMNS = {
    name: name
    for name in (
        "kind",
        "practice_area",
        "title",
        "description",
        "start_date",
        "end_date",
        "countries",
        "target_groups",
        "participants",
        "evidence_urls",
    )
}


@on("ActivityLogged")
def _activity_logged(e: RecordedEvent) -> Meaning:
    d = e.data
    write = Write(
        "INSERT INTO partnership_activities (id, partnership_id, kind, practice_area, title,"
        " description, start_date, end_date, countries, target_groups, participants,"
        " evidence_urls, logged_at, updated_at, logged_position, updated_position)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $14)",
        (
            d["activity_id"],
            e.stream_id,
            str(d["kind"]),
            str(d["practice_area"]),
            d["title"],
            d["description"],
            d["start_date"],
            d["end_date"],
            texts(d["countries"]),
            texts(d["target_groups"]),
            d["participants"],
            texts(d["evidence_urls"]),
            e.recorded_at,
            e.position,
        ),
        ("partnership_activities", d["activity_id"]),
    )
    return Meaning(writes=(write,), trained=frozenset({e.stream_id}))


@on("ActivityCorrected")
def _activity_corrected(e: RecordedEvent) -> Meaning:
    write = update(
        "partnership_activities",
        e.data["activity_id"],
        e.data["changes"],
        _ACTIVITY_COLUMNS,
        touched=e,
    )
    return Meaning(writes=(write,), trained=frozenset({e.stream_id}))


@on("ActivityRetracted")
def _activity_retracted(e: RecordedEvent) -> Meaning:
    write = Write(
        "UPDATE partnership_activities SET retracted = true, updated_at = $2,"
        " updated_position = $3 WHERE id = $1",
        (e.data["activity_id"], e.recorded_at, e.position),
        ("partnership_activities", e.data["activity_id"]),
    )
    return Meaning(writes=(write,), trained=frozenset({e.stream_id}))


# ---------------------------------------------------------------------- outcomes and lessons
_OUTCOME_COLUMNS = {
    name: name
    for name in (
        "result_level",
        "indicator",
        "unit",
        "baseline",
        "target",
        "actual",
        "period_start",
        "period_end",
        "verification",
        "evidence_urls",
    )
}


@on("OutcomeReported")
def _outcome_reported(e: RecordedEvent) -> Meaning:
    d = e.data
    return Meaning(
        writes=(
            Write(
                "INSERT INTO partnership_outcomes (id, partnership_id, result_level, indicator,"
                " unit, baseline, target, actual, period_start, period_end, verification,"
                " evidence_urls,"
                " reported_at, updated_at, reported_position, updated_position)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $14)",
                (
                    d["outcome_id"],
                    e.stream_id,
                    str(d["result_level"]),
                    d["indicator"],
                    d["unit"],
                    number(d["baseline"]),
                    number(d["target"]),
                    number(d["actual"]),
                    d["period_start"],
                    d["period_end"],
                    str(d["verification"]),
                    texts(d["evidence_urls"]),
                    e.recorded_at,
                    e.position,
                ),
                ("partnership_outcomes", d["outcome_id"]),
            ),
        )
    )


@on("OutcomeCorrected")
def _outcome_corrected(e: RecordedEvent) -> Meaning:
    return Meaning(
        writes=(
            update(
                "partnership_outcomes",
                e.data["outcome_id"],
                e.data["changes"],
                _OUTCOME_COLUMNS,
                touched=e,
            ),
        )
    )


@on("LessonRecorded")
def _lesson_recorded(e: RecordedEvent) -> Meaning:
    d = e.data
    return Meaning(
        writes=(
            Write(
                "INSERT INTO partnership_lessons"
                " (id, partnership_id, kind, text, recorded_at, position)"
                " VALUES ($1, $2, $3, $4, $5, $6)",
                (d["lesson_id"], e.stream_id, str(d["kind"]), d["text"], e.recorded_at, e.position),
                ("partnership_lessons", d["lesson_id"]),
            ),
        )
    )
