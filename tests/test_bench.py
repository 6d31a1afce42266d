"""The benchmark suite's command line and its pure parts (no database, no timing)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

import bench.__main__ as cli
from bench.appender import Appended
from bench.common import Options
from bench.lag import _match
from bench.load import Cycle
from bench.questions import first_difference, without_cursors


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


# ---------------------------------------------------------------------- the queries part's check
_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(_json)
def test_an_answer_has_no_difference_with_itself(value: object) -> None:
    assert first_difference(value, value) is None


def test_the_first_difference_says_where_it_is() -> None:
    ours = {"partnerships": {"edges": [{"node": {"title": "a"}}, {"node": {"title": "b"}}]}}
    theirs = {"partnerships": {"edges": [{"node": {"title": "a"}}, {"node": {"title": "c"}}]}}
    assert (
        first_difference(ours, theirs) == "partnerships.edges[1].node.title: ours 'b', theirs 'c'"
    )
    assert first_difference([1, 2], [1]) == "(the whole answer): 2 items in ours, 1 in theirs"
    assert first_difference({"a": 1}, {"b": 1}) == "(the whole answer): 'a' only in ours"


def test_json_numbers_compare_by_value_but_booleans_are_not_numbers() -> None:
    assert first_difference({"actual": 34}, {"actual": 34.0}) is None
    assert first_difference({"confirmed": True}, {"confirmed": 1}) is not None


def test_cursors_compare_by_presence_only() -> None:
    ours = {"edges": [{"cursor": "a2V5c2V0", "node": {"id": "x"}}], "pageInfo": {"endCursor": "k"}}
    theirs = {
        "edges": [{"cursor": "b2Zmc2V0", "node": {"id": "x"}}],
        "pageInfo": {"endCursor": None},
    }
    assert without_cursors(ours) == {
        "edges": [{"cursor": True, "node": {"id": "x"}}],
        "pageInfo": {"endCursor": True},
    }
    assert first_difference(without_cursors(ours), without_cursors(theirs)) is not None
    theirs["pageInfo"]["endCursor"] = "other"
    assert first_difference(without_cursors(ours), without_cursors(theirs)) is None


def test_a_cycle_starts_each_client_at_its_own_place_and_never_repeats_a_request() -> None:
    cycle = Cycle("query { x }", ({"id": "a"}, {"id": "b"}, {"id": "c"}, {"id": "d"}), clients=2)
    first, second = cycle.script(0), cycle.script(1)
    bodies = [first.body(1), first.body(2), second.body(1), second.body(2), first.body(3)]
    assert [b["variables"]["id"] for b in bodies] == ["a", "b", "c", "d", "c"]
    assert len({json.dumps(b, sort_keys=True) for b in bodies}) == len(bodies)
