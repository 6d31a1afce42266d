"""Before anything is measured: every contender gives our answer to every request of the loads.

For a question walked by area (``RegionWalk``), every page of the cold walk: each area's first
page, then up to ``pages`` pages, each contender following its own ``endCursor``. For a
question cycled over ids, every id of the cold load. Each request goes to every contender at
once (a thread each), and each answer is compared with our compiled path's: exactly for our
resolver path and the baseline, without the cursors for PostGraphile
(``bench.questions.without_cursors``: its cursors are offsets, ours keysets). A difference,
an error or a non-200 answer stops the part with where the answers differ.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.questions import (
    BASELINE,
    OURS,
    PEER,
    TITLES,
    Inputs,
    Question,
    first_difference,
    without_cursors,
)


class DifferentAnswers(RuntimeError):
    """A contender answers a request of the bench otherwise than our compiled path."""


def check_all(
    urls: Mapping[str, str], questions: tuple[Question, ...], inputs: Inputs
) -> dict[str, int]:
    """Answers compared per question (each contender's against ours); raises on a difference."""
    compared: dict[str, int] = {}
    with httpx.Client(timeout=120) as http, ThreadPoolExecutor(len(urls)) as threads:
        asker = _Asker(http, threads, urls)
        for question in questions:
            contenders = [c for c in urls if c != BASELINE or question.baseline]
            if question.kind == "walk":
                compared[question.key] = _check_walk(asker, contenders, question, inputs)
            else:
                compared[question.key] = _check_cycle(asker, contenders, question, inputs)
    return compared


class _Asker:
    def __init__(
        self, http: httpx.Client, threads: ThreadPoolExecutor, urls: Mapping[str, str]
    ) -> None:
        self.http, self.threads, self.urls = http, threads, urls

    def all(
        self, question: Question, variables: Mapping[str, dict[str, Any]]
    ) -> dict[str, dict[str, Any]]:
        """Each contender's ``data`` for its variables, asked at the same time."""
        futures = {c: self.threads.submit(self.one, question, c, v) for c, v in variables.items()}
        return {c: future.result() for c, future in futures.items()}

    def one(self, question: Question, contender: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = {"query": question.document(contender), "variables": variables}
        response = self.http.post(f"{self.urls[contender]}/graphql", json=body)
        answer = response.json() if response.status_code == 200 else None
        if not isinstance(answer, dict) or answer.get("errors") or not answer.get("data"):
            raise DifferentAnswers(
                f"{TITLES[contender]} failed {question.title} with {variables}:"
                f" HTTP {response.status_code} {response.text[:800]}"
            )
        data: dict[str, Any] = answer["data"]
        return data


def _check_walk(asker: _Asker, contenders: list[str], question: Question, inputs: Inputs) -> int:
    compared = 0
    for region in inputs.regions:
        afters: dict[str, str | None] = dict.fromkeys(contenders)
        for page in range(inputs.pages):
            variables = {c: {"region": region, "after": after} for c, after in afters.items()}
            answers = asker.all(question, variables)
            where = f"{question.title}, area {region}, page {page + 1}"
            compared += _compare_all(answers, where)
            if not answers[OURS][question.root]["pageInfo"]["hasNextPage"]:
                break
            afters = {c: a[question.root]["pageInfo"]["endCursor"] for c, a in answers.items()}
    return compared


def _check_cycle(asker: _Asker, contenders: list[str], question: Question, inputs: Inputs) -> int:
    sets = {c: question.cold_variables(c, inputs) for c in contenders}
    compared = 0
    for index, ours in enumerate(sets[OURS]):
        answers = asker.all(question, {c: sets[c][index] for c in contenders})
        compared += _compare_all(answers, f"{question.title}, {ours or 'no variables'}")
    return compared


def _compare_all(answers: Mapping[str, dict[str, Any]], where: str) -> int:
    """Every other contender's answer against ours; how many were compared."""
    others = [c for c in answers if c != OURS]
    for other in others:
        mine, theirs = answers[OURS], answers[other]
        if other == PEER:
            mine, theirs = without_cursors(mine), without_cursors(theirs)
        difference = first_difference(mine, theirs)
        if difference:
            raise DifferentAnswers(
                f"{TITLES[other]} answers {where} otherwise than ours: {difference}\n"
                f"ours: {json.dumps(mine)[:600]}\n{TITLES[other]}: {json.dumps(theirs)[:600]}"
            )
    return len(others)
