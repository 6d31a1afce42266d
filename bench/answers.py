"""Before anything is measured: every contender gives our answer to every request of the loads.

For a question walked by area (``RegionWalk``), every page of the cold walk: each area's first
page, then up to ``pages`` pages, each contender following its own ``endCursor``. For a
question cycled over ids, every id of the cold load. Each answer is compared with our compiled
path's: exactly for our resolver path and the baseline, without the cursors for PostGraphile
(``bench.questions.without_cursors``: its cursors are offsets, ours keysets). A difference,
an error or a non-200 answer stops the part with where the answers differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from bench.questions import OURS, PEER, TITLES, Inputs, Question, first_difference, without_cursors


class DifferentAnswers(RuntimeError):
    """A contender answers a request of the bench otherwise than our compiled path."""


def check_all(
    urls: Mapping[str, str], questions: tuple[Question, ...], inputs: Inputs
) -> dict[str, int]:
    """Answers compared per question, each contender against ours; raises on a difference."""
    compared: dict[str, int] = {}
    with httpx.Client(timeout=60) as http:
        for question in questions:
            others = [c for c in urls if c != OURS and (c != "baseline" or question.baseline)]
            count = 0
            for other in others:
                if question.kind == "walk":
                    count += _check_walk(http, urls, other, question, inputs)
                else:
                    count += _check_cycle(http, urls, other, question, inputs)
            compared[question.key] = count
    return compared


def _check_walk(
    http: httpx.Client, urls: Mapping[str, str], other: str, question: Question, inputs: Inputs
) -> int:
    compared = 0
    for region in inputs.regions:
        mine_after: str | None = None
        theirs_after: str | None = None
        for page in range(inputs.pages):
            where = f"{question.title}, area {region}, page {page + 1}"
            mine = _ask(http, urls[OURS], question, OURS, {"region": region, "after": mine_after})
            theirs = _ask(
                http, urls[other], question, other, {"region": region, "after": theirs_after}
            )
            _compare(mine, theirs, other, where)
            compared += 1
            info = mine[question.root]["pageInfo"]
            if not info["hasNextPage"]:
                break
            mine_after, theirs_after = (
                info["endCursor"],
                theirs[question.root]["pageInfo"]["endCursor"],
            )
    return compared


def _check_cycle(
    http: httpx.Client, urls: Mapping[str, str], other: str, question: Question, inputs: Inputs
) -> int:
    variable_sets = question.cold_variables(inputs)
    for variables in variable_sets:
        mine = _ask(http, urls[OURS], question, OURS, variables)
        theirs = _ask(http, urls[other], question, other, variables)
        _compare(mine, theirs, other, f"{question.title}, {variables or 'no variables'}")
    return len(variable_sets)


def _ask(
    http: httpx.Client, url: str, question: Question, contender: str, variables: dict[str, Any]
) -> dict[str, Any]:
    body = {"query": question.document(contender), "variables": variables}
    response = http.post(f"{url}/graphql", json=body)
    answer = response.json() if response.status_code == 200 else None
    if not isinstance(answer, dict) or answer.get("errors") or not answer.get("data"):
        raise DifferentAnswers(
            f"{TITLES[contender]} failed {question.title} with {variables}:"
            f" HTTP {response.status_code} {response.text[:800]}"
        )
    data: dict[str, Any] = answer["data"]
    return data


def _compare(mine: dict[str, Any], theirs: dict[str, Any], other: str, where: str) -> None:
    if other == PEER:
        mine, theirs = without_cursors(mine), without_cursors(theirs)
    difference = first_difference(mine, theirs)
    if difference:
        raise DifferentAnswers(
            f"{TITLES[other]} answers {where} otherwise than ours: {difference}\n"
            f"ours: {json.dumps(mine)[:600]}\n{TITLES[other]}: {json.dumps(theirs)[:600]}"
        )
