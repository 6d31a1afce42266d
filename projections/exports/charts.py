"""The HTML export's bar charts: bars sized in SVG user units, with fixed decimals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from projections.exports.text import label


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    width: str  # in SVG user units, fixed decimals so the bytes never vary


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    bars: tuple[Bar, ...]
    height: int


BAR_SPACE = 220.0  # the widest bar, in the charts' 420-unit-wide viewBox
BAR_PITCH = 28


def chart(id: str, title: str, counts: Sequence[tuple[str, int]]) -> Chart:
    largest = max((n for _code, n in counts), default=0)
    bars = tuple(
        Bar(label(code), n, f"{(n / largest * BAR_SPACE) if largest else 0.0:.1f}")
        for code, n in counts
    )
    return Chart(id, title, bars, len(bars) * BAR_PITCH + 8)
