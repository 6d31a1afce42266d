"""IATI 2.03 files written by hand for the import tests, and the importer over a database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entrypoints.iati_import.applying import IatiImporter, IatiImportReport
from registry.application import Registry
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.domain.codelists import PracticeArea
from schema.schema import build_schema

ADMIN = Actor("iati-importer", Role.ADMIN)
_SCHEMA = build_schema()


def activity(
    identifier: str = "XM-DAC-41122-CYBER-1",
    updated: str = "2024-05-01T10:00:00Z",
    *,
    title: str = "Cyber capacity for East Africa",
    summary: str = "Training prosecutors and police in digital evidence.",
    status: str = "2",
    sectors: str = '<sector vocabulary="99" code="CAPACITY_BUILDING"/>',
    participants: str | None = None,
    results: str = "",
    documents: str = "",
    extra: str = "",
    end: str = "2025-12-31",
) -> str:
    if participants is None:
        participants = (
            '<participating-org ref="XM-DAC-41122" type="40" role="2">'
            "<narrative>UNODC</narrative></participating-org>"
            '<participating-org ref="GB-COH-123456" type="70" role="4">'
            "<narrative>Secure Ltd</narrative></participating-org>"
            '<participating-org type="10" role="1">'
            "<narrative>Ministry of Digital Affairs</narrative></participating-org>"
        )
    return f"""<iati-activity last-updated-datetime="{updated}">
  <iati-identifier>{identifier}</iati-identifier>
  <reporting-org ref="XM-DAC-41122" type="40"><narrative>UNODC</narrative></reporting-org>
  <title><narrative>{title}</narrative></title>
  <description type="1"><narrative>{summary}</narrative></description>
  <description type="2"><narrative>Every country can prosecute cybercrime.</narrative></description>
  {participants}
  <activity-status code="{status}"/>
  <activity-date type="2" iso-date="2022-01-10"/>
  <activity-date type="3" iso-date="{end}"/>
  <recipient-country code="KE"/>
  <recipient-country code="TZ"/>
  <recipient-region code="014" vocabulary="2"/>
  <recipient-region code="289" vocabulary="1"/>
  {sectors}
  {documents}
  {extra}
  {results}
</iati-activity>"""


RESULT = """<result type="2">
  <title><narrative>Prosecutors trained</narrative></title>
  <document-link url="https://example.org/evaluation.pdf" format="application/pdf">
    <title><narrative>Evaluation</narrative></title><category code="A08"/>
  </document-link>
  <indicator measure="1">
    <title><narrative>Prosecutors trained in digital evidence</narrative></title>
    <description><narrative>Unit: people</narrative></description>
    <baseline year="2022" value="0"/>
    <period>
      <period-start iso-date="2022-01-01"/><period-end iso-date="2022-12-31"/>
      <target value="{target}"/><actual value="{actual}"/>
    </period>
  </indicator>
</result>"""

DOCUMENT = """<document-link url="{url}" format="text/html">
  <title><narrative>Evidence: Workshop report</narrative></title><category code="A08"/>
</document-link>"""


def result(target: str = "120", actual: str = "97") -> str:
    return RESULT.format(target=target, actual=actual)


def document(url: str = "https://example.org/workshop.html") -> str:
    return DOCUMENT.format(url=url)


def activities(*items: str) -> str:
    body = "\n".join(items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<iati-activities version="2.03" generated-datetime="2024-06-01T12:00:00Z">\n{body}\n'
        "</iati-activities>\n"
    )


def write(tmp_path: Path, text: str, name: str = "activities.xml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@contextmanager
def registry_over(address: DatabaseAddress) -> Iterator[Registry]:
    registry = Registry(env=address.eventsourcing_env())
    try:
        yield registry
    finally:
        registry.close()


def import_file(
    registry: Registry, path: Path, area: PracticeArea | None = None, actor: Actor = ADMIN
) -> IatiImportReport:
    return IatiImporter(registry, actor, _SCHEMA, default_area=area).run(
        path, on_activity=lambda _done, _total: None
    )
