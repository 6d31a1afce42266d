"""The benchmark suite's command line and its pure parts (no database, no timing)."""

from __future__ import annotations

import pytest

import bench.__main__ as cli
from bench.appender import Appended
from bench.common import Options
from bench.lag import _match


@pytest.fixture
def ran(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Options]]:
    """Every part replaced by one that only notes it ran, in the suite's order."""
    calls: list[tuple[str, Options]] = []
    fakes = {name: (lambda options, name=name: calls.append((name, options))) for name in cli.PARTS}
    monkeypatch.setattr(cli, "PARTS", fakes)
    return calls


def test_a_part_runs_alone_with_the_options_given(ran: list[tuple[str, Options]]) -> None:
    assert cli.main(["lag", "--runs", "5", "--quick"]) == 0
    assert ran == [("lag", Options(runs=5, quick=True))]


def test_all_runs_every_part_in_the_suites_order(ran: list[tuple[str, Options]]) -> None:
    assert cli.main(["all", "--quick", "--runs", "1"]) == 0
    assert [name for name, _options in ran] == list(cli.PARTS)
    assert {options for _name, options in ran} == {Options(runs=1, quick=True)}


def test_the_suite_has_the_parts_the_issues_ask_for() -> None:
    wanted = ["writes", "import", "rebuild", "lag", "queries", "export", "hardening", "memory"]
    assert [name for name in cli.PARTS if name in wanted] == wanted
    assert list(cli.PARTS)[-1] == "memory"


@pytest.mark.parametrize("argv", [["rebuild", "--runs", "0"], ["everything"], []])
def test_bad_arguments_are_refused(ran: list[tuple[str, Options]], argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == 2
    assert ran == []


def test_an_append_is_visible_from_the_first_notification_at_or_past_it() -> None:
    appended = Appended(positions=[10, 11, 12], committed_at=[1.000, 1.010, 1.020])
    appended.sent_at = [0.999, 1.009, 1.019]
    # The projector's batches: 10 alone, then 11 and 12 together; 9 is someone else's.
    notes = [(9, 1.001), (10, 1.004), (12, 1.030)]
    lags = _match(appended, notes, appended.committed_at)
    assert lags.lags_ms == pytest.approx([4.0, 20.0, 10.0])
    assert lags.never_visible == 0


def test_an_append_no_notification_reached_counts_as_never_visible() -> None:
    appended = Appended(positions=[10, 11], committed_at=[1.0, 1.01])
    lags = _match(appended, [(10, 1.002)], appended.committed_at)
    assert lags.lags_ms == pytest.approx([2.0])
    assert lags.never_visible == 1
