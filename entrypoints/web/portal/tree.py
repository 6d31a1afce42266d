"""The M49 tree read downwards: an area's direct sub-areas and its path from the World.

``registry.geography`` answers upwards (a country's areas, an area's ancestors); a region page
lists what is inside it, so the parent of each area is found once from its ancestry.
"""

from __future__ import annotations

import functools

from registry import geography
from registry.geography import Area, AreaLevel

_DEPTH = {level: depth for depth, level in enumerate(AreaLevel)}


def ancestry(code: str) -> tuple[Area, ...]:
    """The area and its ancestors, widest first."""
    return tuple(sorted(geography.areas_of((), (code,)), key=lambda a: _DEPTH[a.level]))


@functools.cache
def _children() -> dict[str, tuple[Area, ...]]:
    found: dict[str, list[Area]] = {}
    for area in geography.areas():
        chain = ancestry(area.code)
        if len(chain) > 1:
            found.setdefault(chain[-2].code, []).append(area)
    return {code: tuple(sorted(areas, key=lambda a: a.name)) for code, areas in found.items()}


def sub_areas(code: str) -> tuple[Area, ...]:
    """The areas directly inside this one, by name."""
    return _children().get(code, ())


def regions() -> tuple[Area, ...]:
    """The five M49 regions (Africa, Americas, Asia, Europe, Oceania)."""
    return geography.areas(AreaLevel.REGION)
