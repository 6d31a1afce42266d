"""DataLoaders over the read model, made per request: each list kind costs one SQL statement
per response, however many nodes ask for it."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from strawberry.dataloader import DataLoader

from projections import case_studies as cs
from projections import queries as q

T = TypeVar("T")


def _loader(
    pool: asyncpg.Pool, fetch: Callable[[Any, Sequence[UUID]], Awaitable[list[T]]]
) -> DataLoader[UUID, T]:
    async def load(keys: list[UUID]) -> list[T]:
        return await fetch(pool, keys)

    return DataLoader(load_fn=load)


@dataclass(frozen=True)
class Loaders:
    partnerships: DataLoader[UUID, q.PartnershipRecord | None]
    organisations: DataLoader[UUID, q.OrganisationRecord | None]
    memberships: DataLoader[UUID, list[q.MembershipRecord]]
    activities: DataLoader[UUID, list[q.ActivityRecord]]
    outcomes: DataLoader[UUID, list[q.OutcomeRecord]]
    lessons: DataLoader[UUID, list[q.LessonRecord]]
    case_studies: DataLoader[UUID, cs.CaseStudyDocument | None]  # folded from the log
    head: DataLoader[str, int]  # by read-model schema: one read of its position per request

    def forget(self, uuid: UUID) -> None:
        """Drop what this request loaded for ``uuid``, after a mutation changed it."""
        loaders: tuple[DataLoader[UUID, Any], ...] = (
            self.partnerships,
            self.organisations,
            self.memberships,
            self.activities,
            self.outcomes,
            self.lessons,
            self.case_studies,
        )
        for loader in loaders:
            # DataLoader.clear raises for a key it never loaded.
            with contextlib.suppress(KeyError):
                loader.clear(uuid)

    @classmethod
    def over(cls, pool: asyncpg.Pool) -> Loaders:
        return cls(
            partnerships=_loader(pool, q.partnerships_by_id),
            organisations=_loader(pool, q.organisations_by_id),
            memberships=_loader(pool, q.memberships_of),
            activities=_loader(pool, q.activities_of),
            outcomes=_loader(pool, q.outcomes_of),
            lessons=_loader(pool, q.lessons_of),
            case_studies=_loader(pool, cs.case_studies_by_id),
            head=DataLoader(load_fn=partial(_heads, pool)),
        )


async def _heads(pool: asyncpg.Pool, schemas: list[str]) -> list[int]:
    return [await cs.head_position(pool, schema=schema) for schema in schemas]
