"""What organisation events mean."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from projections.decoding import RecordedEvent
from projections.meaning.core import Meaning, Write, on, update


@on("OrganisationRegistered")
def _organisation_registered(e: RecordedEvent) -> Meaning:
    d = e.data
    return Meaning(
        writes=(
            Write(
                "INSERT INTO organisation_summary (id, version, name, org_type, sector, country,"
                " website, identifiers, created_at, updated_at, created_position,"
                " updated_position)"
                " VALUES ($1, $2, $3, $4, $5, $6, $7, $10::jsonb, $8, $8, $9, $9)",
                (
                    e.stream_id,
                    e.version,
                    d["name"],
                    str(d["org_type"]),
                    str(d["sector"]),
                    d["country"],
                    d["website"],
                    e.recorded_at,
                    e.position,
                    # Only the two recorded forms, so the column holds nothing else.
                    json.dumps([_identifier(i) for i in d.get("identifiers") or ()]),
                ),
                ("organisation_summary", e.stream_id),
            ),
        )
    )


_ORGANISATION_COLUMNS = {n: n for n in ("name", "org_type", "sector", "country", "website")}


@on("OrganisationRevised")
def _organisation_revised(e: RecordedEvent) -> Meaning:
    changes: Mapping[str, Any] = e.data["changes"]
    write = update("organisation_summary", e.stream_id, changes, _ORGANISATION_COLUMNS)
    resectored = frozenset({e.stream_id}) if "sector" in changes else frozenset()
    return Meaning(writes=(write,), resectored=resectored)


def _identifier(recorded: Mapping[str, Any]) -> dict[str, str]:
    if "ref" in recorded:
        return {"ref": str(recorded["ref"])}
    return {"scheme": str(recorded.get("scheme")), "id": str(recorded.get("id"))}
