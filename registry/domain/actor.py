"""Who issues a command: every event records it."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    CONTRIBUTOR = "contributor"


@dataclass(frozen=True)
class Actor:
    """The authenticated principal (a token's name) and the organisation it speaks for."""

    principal: str
    role: Role
    organisation_id: UUID | None = None

    def record(self) -> dict[str, str | None]:
        """The actor as stored in an event: plain JSON, stable across code changes."""
        return {
            "principal": self.principal,
            "role": self.role.value,
            "organisation": str(self.organisation_id) if self.organisation_id else None,
        }
