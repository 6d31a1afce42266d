"""What an activity carries that the registry does not keep is reported, once per kind."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from entrypoints.iati_import.leftovers import KEPT, NOTES_PER_ELEMENT, bounded
from entrypoints.iati_import.reading import read_activity
from entrypoints.iati_import.records import IatiActivity, Note
from tests.iati import iati_files as f

TRANSACTION = (
    '<transaction><transaction-type code="3"/><transaction-date iso-date="2022-02-01"/>'
    '<value value-date="2022-02-01">100</value></transaction>'
)


def _read(text: str) -> IatiActivity:
    return read_activity(etree.fromstring(text.encode()))


def _notes(activity: IatiActivity, element: str) -> list[Note]:
    return [n for n in activity.notes if n.element == element]


def test_a_thousand_transactions_are_one_note_with_the_count_and_first_line() -> None:
    activity = _read(f.activity(extra=TRANSACTION * 1000))
    [note] = _notes(activity, "transaction")
    assert "(1000 of them)" in note.reason and "money" in note.reason
    assert note.line > 1
    assert len(activity.notes) < 20


def test_attributes_the_registry_does_not_keep_are_reported() -> None:
    text = f.activity().replace(
        "<iati-activity ",
        '<iati-activity default-currency="EUR" hierarchy="1" humanitarian="0" ',
    )
    text = text.replace(
        '<recipient-country code="KE"/>', '<recipient-country code="KE" percentage="60"/>'
    )
    activity = _read(text)
    [currency] = _notes(activity, "iati-activity/@default-currency")
    assert "money" in currency.reason
    assert _notes(activity, "iati-activity/@hierarchy")
    assert _notes(activity, "iati-activity/@humanitarian")
    [split] = _notes(activity, "recipient-country/@percentage")
    assert "split" in split.reason
    # What is read is not reported: the activity's own attribute, and a region's vocabulary.
    assert not _notes(activity, "iati-activity/@last-updated-datetime")
    assert not any(n.element.endswith("@vocabulary") for n in activity.notes)


def test_texts_in_other_languages_are_reported_the_default_one_kept() -> None:
    text = f.activity(title="Cyber capacity").replace(
        "<narrative>Cyber capacity</narrative>",
        '<narrative>Cyber capacity</narrative><narrative xml:lang="fr">Capacités cyber</narrative>'
        '<narrative xml:lang="es">Capacidad cibernética</narrative>',
    )
    activity = _read(text)
    assert activity.title == "Cyber capacity"
    [note] = _notes(activity, "title/narrative")
    assert "(2 of them)" in note.reason and "another language (fr)" in note.reason


def test_a_round_trip_attribute_and_extension_elements_are_reported() -> None:
    extension = '<x:note xmlns:x="urn:example">ours</x:note>'
    activity = _read(f.activity(extra=extension))
    [note] = [n for n in activity.notes if "urn:example" in n.element]
    assert "extension" in note.reason


def test_the_activities_own_notes_are_bounded_per_element() -> None:
    regions = "".join(f'<recipient-region code="{n}" vocabulary="1"/>' for n in range(200, 230))
    activity = _read(f.activity(extra=regions))
    notes = _notes(activity, "recipient-region")
    assert len(notes) == NOTES_PER_ELEMENT + 1
    assert "more notes" in notes[-1].reason and notes[-1].line > notes[0].line


_NAME = st.from_regex(r"\A[a-z][a-z\-]{0,12}\Z", fullmatch=True)


@given(_NAME, st.sampled_from(sorted(KEPT)))
def test_any_unknown_element_or_attribute_is_reported_never_dropped_silently(
    name: str, where: str
) -> None:
    """Put an element and an attribute of a name the reader does not take anywhere the
    reader walks: both are named in the notes."""
    element = f"zz-{name}"
    attribute = f"zz-{name}"
    root = etree.fromstring(f.activity(results=f.result(), documents=f.document()).encode())
    parts = where.split("/")
    targets = [root] if where == "iati-activity" else root.findall("/".join(parts))
    if not targets:
        return  # the sample has no such element
    target = targets[0]
    etree.SubElement(target, element)
    target.set(attribute, "1")
    activity = read_activity(root)
    named = {n.element for n in activity.notes}
    assert any(e.endswith(f"/{element}") or e == element for e in named), named
    assert any(e.endswith(f"/@{attribute}") for e in named), named


def test_bounded_keeps_the_first_of_each_element() -> None:
    notes = [Note("a", n, str(n)) for n in range(1, 10)] + [Note("b", 50, "b")]
    kept = bounded(notes)
    assert [n.reason for n in kept[:NOTES_PER_ELEMENT]] == ["1", "2", "3"]
    assert kept[NOTES_PER_ELEMENT] == Note("b", 50, "b")
    assert kept[-1].element == "a" and kept[-1].line == NOTES_PER_ELEMENT + 1
