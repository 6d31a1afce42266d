"""Reports an export's progress: once per case study written, and once at the end."""

from __future__ import annotations

from registry.progress import Progress


class Ticker:
    """Calls ``progress`` once per case study written, and once at the end."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.count = 0
        self.progress = progress
        if progress is not None:
            progress(0, total)

    def __call__(self) -> str:
        self.count += 1
        if self.progress is not None:
            self.progress(self.count, self.total)
        return ""

    def done(self) -> None:
        if self.progress is not None and self.count != self.total:
            self.progress(self.total, self.total)
