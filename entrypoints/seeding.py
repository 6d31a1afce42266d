"""Seeding a registry with the fictional demo dataset: ``ppp-registry seed`` and ``serve --demo``.

The lines of ``entrypoints.demo`` are applied with the bulk importer, under tokens that exist
in the token store, so every event names a real (if secret-less) principal:

- an admin token named ``demo-seeder`` applies every line but the confirmations;
- ``confirmParticipation`` is an organisation's own word (admins may not confirm for it), so each
  confirming organisation gets a contributor token, ``demo-seeder for <its name>``, and its
  confirmations are applied in a second pass with that token.

Tokens are reused by name when they exist, and the secrets of new ones are thrown away: they are
identities for the audit trail, not credentials anyone holds. Every line has an idempotency key
and the principals are the same each time, so seeding twice appends nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING
from uuid import UUID

import asyncpg

from entrypoints import demo
from registry import tokens
from registry.application import Registry, load_organisation
from registry.database import DatabaseAddress
from registry.domain.actor import Actor, Role
from registry.progress import Progress, ignore

if TYPE_CHECKING:
    from entrypoints.bulk_import import ImportReport, Rejection

log = logging.getLogger("ppp_registry.seeding")

SEEDER = demo.SEEDER
DEMO_PARTNERSHIPS = 300
DEFAULT_BATCH_SIZE = 500


@dataclass
class SeedReport:
    lines: int = 0
    applied: int = 0
    already_there: int = 0
    rejected: list[Rejection] = field(default_factory=list)  # one per problem
    events: int = 0  # events appended to the store while seeding

    @property
    def rejected_lines(self) -> int:
        return len({r.line for r in self.rejected})

    def add(self, report: ImportReport, numbers: Sequence[int] | None = None) -> None:
        """Count an import's report in; ``numbers`` maps its line numbers to the dataset's."""
        self.lines += report.lines
        self.applied += report.appended
        self.already_there += report.already_imported
        self.rejected.extend(
            replace(r, line=numbers[r.line - 1]) if numbers is not None else r
            for r in report.rejected
        )


def line_count(partnerships: int, seed: int = 0) -> int:
    """How many lines the dataset has (generating it is cheap; applying it is not)."""
    return sum(1 for _ in demo.commands(partnerships, seed))


def is_empty(registry: Registry) -> bool:
    return registry.recorder.max_notification_id() is None


def seed_demo(
    registry: Registry,
    address: DatabaseAddress,
    *,
    partnerships: int,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress = ignore,
) -> SeedReport:
    """Apply the demo dataset of ``partnerships`` partnerships; appends nothing the second time."""
    from entrypoints.bulk_import import run_import
    from schema.ids import from_global_id
    from schema.schema import build_schema

    schema = build_schema()
    total = line_count(partnerships, seed)
    before = registry.recorder.max_notification_id() or 0
    (admin,) = _actors(address, [(SEEDER, Role.ADMIN, None)])
    report = SeedReport()
    done = 0

    def applied(lines: int) -> None:
        nonlocal done
        done += lines
        progress(done, total)

    # Pass 1: everything but confirmations, as the admin. A deferred line becomes a blank one,
    # which the importer skips while keeping the line numbers of the dataset.
    deferred: dict[UUID, list[tuple[int, str]]] = {}

    def first_pass() -> Iterator[str]:
        encode = demo.encode
        for number, command in enumerate(demo.commands(partnerships, seed), start=1):
            if command["command"] == "confirmParticipation":
                organisation = from_global_id(command["input"]["organisationId"], "Organisation")
                deferred.setdefault(organisation, []).append((number, encode(command)))
                yield ""
            else:
                yield encode(command)

    report.add(
        run_import(
            registry,
            admin,
            schema,
            first_pass(),
            batch_size=batch_size,
            on_batch=applied,
        )
    )

    # Pass 2: each organisation confirms its own participation, with its own token.
    wanted = [
        (_organisation_seeder(_name(registry, organisation)), Role.CONTRIBUTOR, organisation)
        for organisation in deferred
    ]
    for actor, lines in zip(_actors(address, wanted), deferred.values(), strict=True):
        numbers = [number for number, _text in lines]
        confirmations = run_import(
            registry,
            actor,
            schema,
            [text for _number, text in lines],
            batch_size=batch_size,
            on_batch=applied,
        )
        report.add(confirmations, numbers)

    report.events = (registry.recorder.max_notification_id() or 0) - before
    return report


def seed_if_empty(
    registry: Registry,
    address: DatabaseAddress,
    *,
    partnerships: int = DEMO_PARTNERSHIPS,
    seed: int = 0,
    progress: Progress = ignore,
) -> int:
    """Seed the demo dataset into an empty event store; the number of events appended.

    A store that holds any event is left alone (0), so ``serve --demo`` never mixes the demo
    into real data, and restarting it seeds nothing new.
    """
    if not is_empty(registry):
        log.info("the event store is not empty: not seeding the demo dataset")
        return 0
    report = seed_demo(registry, address, partnerships=partnerships, seed=seed, progress=progress)
    for rejection in report.rejected:
        log.warning(
            "demo line %d rejected: %s %s %s",
            rejection.line,
            rejection.code.value,
            ".".join(rejection.field or []),
            rejection.reason,
        )
    log.info(
        "seeded %d partnerships: %d lines applied, %d events",
        partnerships,
        report.applied,
        report.events,
    )
    return report.events


def _name(registry: Registry, organisation_id: UUID) -> str:
    organisation = load_organisation(registry, organisation_id)
    return organisation.name if organisation is not None else str(organisation_id)


def _actors(
    address: DatabaseAddress, wanted: Sequence[tuple[str, Role, UUID | None]]
) -> list[Actor]:
    """An actor per (token name, role, organisation): a live token reused by name, or a new one."""

    async def run() -> list[Actor]:
        connection = await asyncpg.connect(address.dsn())
        try:
            await tokens.ensure_schema(connection)
            live = {
                (r.name, r.role, r.organisation_id)
                for r in await tokens.list_tokens(connection)
                if r.revoked_at is None
            }
            for name, role, organisation_id in wanted:
                if (name, role, organisation_id) not in live:
                    await tokens.create_token(
                        connection, name=name, role=role, organisation_id=organisation_id
                    )
                    live.add((name, role, organisation_id))
        finally:
            await connection.close()
        return [
            Actor(principal=name, role=role, organisation_id=organisation_id)
            for name, role, organisation_id in wanted
        ]

    return asyncio.run(run())


def _organisation_seeder(organisation_name: str) -> str:
    """The name of the demo's token of one organisation (its confirmations are its own)."""
    return f"{SEEDER} for {organisation_name}"


def is_demo_token(name: str) -> bool:
    """Whether the demo seeding made a token of this name: an identity for the demo's audit
    trail whose secret nobody holds."""
    return name == SEEDER or name.startswith(_organisation_seeder(""))
