"""Round trip: export a region of the demo dataset, import it into an empty registry, export
again: the same activities, participants, roles, countries, regions, results and documents.

What legitimately differs, and is left out of the comparison: registry-assigned ids
(``ppp:organisation-id``, ``ppp:outcome-id``), times (``last-updated-datetime``,
``generated-datetime``: the new registry's log is younger), the titles of document links (a
document becomes evidence of a publication of the partnership, titled by the link's own
title), the Target Groups description (IATI carries no activities, which target groups belong
to) and the partners' ``ppp:since`` dates, which begin at the import's registration.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import asyncpg

from entrypoints.iati_import.applying import Status
from projections.iati.codes import EXTENSION_NAMESPACE
from projections.iati.export import iati_export
from projections.rebuild import rebuild
from registry.database import DatabaseAddress
from tests.iati import iati_files as f
from tests.iati.conftest import Seeded
from tests.iati.samples import parse
from tests.postgres import scratch_database

EXT = "{" + EXTENSION_NAMESPACE + "}"
REGION = "001"  # the World: every partnership of the demo dataset
_LEFT_OUT = {"last-updated-datetime", EXT + "organisation-id", EXT + "outcome-id"}


def _element(element: Any) -> Any:
    """An element as comparable data, without what legitimately differs."""
    attributes = {k: v for k, v in sorted(element.attrib.items()) if k not in _LEFT_OUT}
    text = (element.text or "").strip()
    children = [_element(child) for child in element]
    return (element.tag, attributes, text, children)


def _activity(element: Any) -> dict[str, Any]:
    def all_of(tag: str) -> list[Any]:
        return [_element(e) for e in element.findall(tag)]

    descriptions = [d for d in all_of("description") if d[1].get("type") != "3"]
    documents = sorted(link.get("url") for link in element.findall("document-link"))
    results = []
    for result in element.findall("result"):
        kept = _element(result)
        # A result's own document links: their URLs (titles are compared nowhere).
        results.append(
            (
                kept[0],
                kept[1],
                [c for c in kept[3] if c[0] != "document-link"],
                sorted(d.get("url") for d in result.findall("document-link")),
            )
        )
    return {
        "title": all_of("title"),
        "descriptions": descriptions,
        "participants": sorted(map(repr, all_of("participating-org"))),
        "status": all_of("activity-status"),
        "dates": all_of("activity-date"),
        "countries": all_of("recipient-country"),
        "regions": all_of("recipient-region"),
        "sectors": all_of("sector"),
        "documents": documents,
        "results": results,
    }


def _activities(data: bytes) -> dict[str, dict[str, Any]]:
    return {
        a.findtext("iati-identifier"): _activity(a) for a in parse(data).findall("iati-activity")
    }


async def _export(address: DatabaseAddress) -> bytes:
    async with asyncpg.create_pool(address.dsn(), min_size=1, max_size=2) as db:
        return (await iati_export(db, REGION)).data


def test_export_import_export_gives_the_same_activities(
    seeded: Seeded, postgres_server: DatabaseAddress, tmp_path: Path
) -> None:
    first = asyncio.run(_export(seeded.address))
    path = tmp_path / "africa.xml"
    path.write_bytes(first)
    with scratch_database(postgres_server) as empty:
        with f.registry_over(empty) as registry:
            report = f.import_file(registry, path)
        rejected = [a for a in report.activities if a.status is not Status.IMPORTED]
        assert not rejected, rejected[:2]
        asyncio.run(rebuild(empty.dsn()))
        second = asyncio.run(_export(empty))
    before, after = _activities(first), _activities(second)
    assert len(before) >= 30
    # The comparison has something to compare: results, documents, former partners, closures.
    assert any(a["results"] for a in before.values())
    assert any(a["documents"] for a in before.values())
    assert any("until" in p for a in before.values() for p in a["participants"])
    assert any(a["status"][0][1]["code"] == "4" for a in before.values())
    assert set(after) == set(before)
    for identifier, activity in before.items():
        for part, value in activity.items():
            assert after[identifier][part] == value, (identifier, part)
