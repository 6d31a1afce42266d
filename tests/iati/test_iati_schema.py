"""The shipped IATI 2.03 schema: exact bytes, recorded digests, and a validator that can fail."""

from __future__ import annotations

import hashlib
import re
import threading
from pathlib import Path

import pytest

from projections.iati import validation
from projections.iati.validation import InvalidIati, schema_errors, validate
from tests.iati.samples import document, partnership

XSD = Path(__file__).parents[2] / "projections" / "iati" / "xsd"

# The SHA-256 of each file as taken from IATI-Schemas, branch version-2.03 (see xsd/README.md).
DIGESTS = {
    "iati-activities-schema.xsd": (
        "62c91a66c82ee26864d5e6c3f4bd6358de14d3aec69bc649db85da9f9a0792bc"
    ),
    "iati-common.xsd": "322692e4ea1f4434b154855f381eb4bd972aaa2e1349dfaf9578b775ad6c9c6b",
    "xml.xsd": "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c",
}

MINIMAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<iati-activities version="2.03">
 <iati-activity>
  <iati-identifier>XX-1-1</iati-identifier>
  <reporting-org ref="XX-1" type="90"><narrative>Us</narrative></reporting-org>
  <title><narrative>A title</narrative></title>
  <description><narrative>A description</narrative></description>
  <participating-org role="2"><narrative>A partner</narrative></participating-org>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2021-03-01"/>
 </iati-activity>
</iati-activities>
"""


def test_the_shipped_files_are_the_recorded_bytes() -> None:
    assert validation.schema_digests() == DIGESTS
    for name, digest in DIGESTS.items():
        assert hashlib.sha256((XSD / name).read_bytes()).hexdigest() == digest


def test_the_folder_readme_records_the_same_digests_and_the_source() -> None:
    readme = (XSD / "README.md").read_text(encoding="utf-8")
    recorded = dict(re.findall(r"\| `([\w.-]+\.xsd)` \| `([0-9a-f]{64})` \|", readme))
    assert recorded == DIGESTS
    assert "version-2.03" in readme and "IATI-Schemas" in readme
    assert "Creative Commons" in (XSD / "LICENSE").read_text(encoding="utf-8")


def test_only_the_shipped_files_can_be_read_as_schema() -> None:
    with pytest.raises(ValueError, match="not one of the shipped"):
        validation.schema_bytes("../../../etc/passwd")


def test_a_minimal_activity_is_valid() -> None:
    assert schema_errors(MINIMAL) == ()
    validate(MINIMAL)


@pytest.mark.parametrize(
    ("broken", "expected"),
    [
        # A required element left out.
        (MINIMAL.replace(b"<iati-identifier>XX-1-1</iati-identifier>", b""), "iati-identifier"),
        # Children out of the schema's order: the status before the participating organisation.
        (
            MINIMAL.replace(b'  <activity-status code="2"/>\n', b"").replace(
                b"  <participating-org", b'  <activity-status code="2"/>\n  <participating-org'
            ),
            "activity-status",
        ),
        # A date that is no xsd:date.
        (MINIMAL.replace(b"2021-03-01", b"01/03/2021"), "iso-date"),
        # A required attribute left out.
        (MINIMAL.replace(b' role="2"', b""), "role"),
        # An element the standard does not have, in IATI's (no) namespace.
        (MINIMAL.replace(b"<activity-status", b"<budget-guess/><activity-status"), "budget-guess"),
        # The root's required version.
        (MINIMAL.replace(b' version="2.03"', b""), "version"),
    ],
)
def test_the_validator_rejects_known_bad_documents(broken: bytes, expected: str) -> None:
    errors = schema_errors(broken)
    assert errors, "the broken document validated"
    assert expected in " ".join(e.message for e in errors)
    assert all(e.line > 0 for e in errors)
    with pytest.raises(InvalidIati, match=r"not valid IATI 2\.03"):
        validate(broken)


def test_a_file_that_is_not_xml_is_refused_with_where() -> None:
    (error,) = schema_errors(b"<iati-activities version='2.03'><iati-activity>")
    assert error.line == 1


def test_external_entities_are_never_loaded(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    hostile = MINIMAL.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        + f'<!DOCTYPE iati-activities [<!ENTITY e SYSTEM "{secret.as_uri()}">]>'.encode(),
    ).replace(b"A title", b"&e;")
    (error,) = schema_errors(hostile)
    assert "DOCTYPE" in error.message and "TOP-SECRET" not in error.message


def test_an_entity_expansion_bomb_is_refused_without_expanding() -> None:
    entities = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10 if i else "lol"}">' for i in range(10))
    bomb = MINIMAL.replace(
        b'<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE iati-activities [{entities}]>'.encode(),
    ).replace(b"A title", b"&l9;")
    (error,) = schema_errors(bomb)  # libxml2 or our DOCTYPE rule, whichever sees it first
    assert "DOCTYPE" in error.message or "amplification" in error.message


def test_each_thread_validates_with_its_own_compiled_schema() -> None:
    good, bad = document(partnership()), MINIMAL.replace(b' role="2"', b"")
    outcomes: list[tuple[bool, bool]] = []

    def check() -> None:
        for _ in range(5):
            outcomes.append((schema_errors(good) == (), schema_errors(bad) == ()))

    threads = [threading.Thread(target=check) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [(True, False)] * 20
