"""How codes read on a page: codelist values, M49 areas and ISO countries by name."""

from __future__ import annotations

from registry import geography

# Codes whose plain-English form is not the code in lower case.
_SPECIAL = {
    "NONE": "Not nominated",
    "CSIRT": "CSIRTs",
    "ACADEMIC_TRAINING_AND_RESEARCH": "Academic, training and research",
}


def label(code: str | None) -> str:
    """``CAPACITY_BUILDING`` -> ``Capacity building``."""
    if not code:
        return ""
    if code in _SPECIAL:
        return _SPECIAL[code]
    text = code.replace("_", " ").lower()
    return text[:1].upper() + text[1:]


def area_name(code: str) -> str:
    found = geography.area(code)
    return found.name if found is not None else code


def country_name(code: str) -> str:
    found = geography.country(code)
    return found.name if found is not None else code
