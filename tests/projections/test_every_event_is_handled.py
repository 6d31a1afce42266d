"""Every event the domain can emit has a meaning for the projector and for the case-study fold.

An event type nobody handles would stop the projector (``UnknownEvent``) on the first such event
in production; these tests find it when the event class is added instead.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Iterable
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from eventsourcing.domain import Aggregate, event

import registry.domain
from projections.case_studies.documents import Citation
from projections.case_studies.fold import fold_organisations, fold_partnerships
from projections.case_studies.fold import handled_event_types as folded
from projections.case_studies.log import LoggedEvent
from projections.meaning import UnknownEvent
from projections.meaning.core import IGNORED
from projections.meaning.core import handled_event_types as projected


def _aggregates() -> list[type[Aggregate]]:
    found: list[type[Aggregate]] = []
    for module in pkgutil.iter_modules(registry.domain.__path__):
        loaded = importlib.import_module(f"registry.domain.{module.name}")
        found += [
            cls
            for cls in vars(loaded).values()
            if inspect.isclass(cls)
            and issubclass(cls, Aggregate)
            and cls.__module__ == loaded.__name__
        ]
    return found


def emitted_by(aggregate: type[Aggregate]) -> set[str]:
    """The event types an aggregate can record: its event classes, not the library's bases.

    eventsourcing defines ``Event`` and a default ``Created`` on every aggregate; the default is
    never recorded when the aggregate's ``__init__`` names its own created event.
    """
    names = {
        name
        for name, cls in vars(aggregate).items()
        if inspect.isclass(cls) and issubclass(cls, aggregate.Event) and cls is not aggregate.Event
    }
    if len(names) > 1:
        names.discard("Created")
    return names


def unhandled(aggregates: Iterable[type[Aggregate]], handled: frozenset[str]) -> set[str]:
    return {
        f"{aggregate.__name__}.{name}"
        for aggregate in aggregates
        for name in emitted_by(aggregate)
        if name not in handled
    }


def test_the_domain_has_the_aggregates_the_read_side_knows() -> None:
    assert {a.__name__ for a in _aggregates()} == {
        "Partnership",
        "Organisation",
        "OrganisationNameIndex",
        "IatiActivityIndex",
    }


def test_every_event_has_a_projection_or_is_listed_as_ignored() -> None:
    assert unhandled(_aggregates(), projected() | IGNORED) == set()
    assert projected().isdisjoint(IGNORED)


def test_every_event_of_a_partnership_or_organisation_has_a_meaning_for_the_fold() -> None:
    # The indexes' events never reach the audit log (the projector ignores them), so the
    # fold never sees them.
    indexes = ("OrganisationNameIndex", "IatiActivityIndex")
    read = [a for a in _aggregates() if a.__name__ not in indexes]
    assert unhandled(read, folded()) == set()


class _Invented(Aggregate):
    """An aggregate with one event nobody handles: the check must report it."""

    @event("PartnershipRegistered")
    def __init__(self) -> None:
        pass

    @event("PartnershipRenamedInSecret")
    def rename(self) -> None:
        pass


def test_an_event_nobody_handles_is_reported() -> None:
    assert emitted_by(_Invented) == {"PartnershipRegistered", "PartnershipRenamedInSecret"}
    expected = {"_Invented.PartnershipRenamedInSecret"}
    assert unhandled([_Invented], projected() | IGNORED) == expected
    assert unhandled([_Invented], folded()) == expected


def test_the_fold_raises_unknown_event_as_the_projector_does() -> None:
    stream = uuid4()
    made_up = LoggedEvent(
        Citation(1, uuid4(), "PartnershipRenamedInSecret", stream), datetime.now(UTC), {}
    )
    with pytest.raises(UnknownEvent, match="PartnershipRenamedInSecret"):
        fold_partnerships([made_up], timeline=True)
    with pytest.raises(UnknownEvent, match="PartnershipRenamedInSecret"):
        fold_organisations([made_up])
