"""Bulk import: an NDJSON file of commands, each line read exactly as its mutation would be.

A line is ``{"command": "logActivity", "input": {...}}``. Its input is coerced against the
mutation's GraphQL input type (unknown fields, wrong types and bad enum values are refused as
they would be over HTTP), built into a submission by the mutations' own builders, and applied
in batches of one transaction each. Lines without an ``idempotencyKey`` get one derived from
their content, so importing the same file twice appends nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLInputType, GraphQLNonNull, Undefined
from graphql.utilities import coerce_input_value, validate_input_value

from registry.application import Receipt, Registry
from registry.commands import Submission
from registry.domain.actor import Actor
from registry.domain.errors import CommandRejected, ErrorCode, Problem
from schema.input_conversion import Convert, input_converter
from schema.storable_input import find_unstorable, unstorable
from schema.submissions import BUILDERS
from schema.types import camel

DEFAULT_BATCH_SIZE = 500


@dataclass(frozen=True)
class Rejection:
    line: int
    code: ErrorCode
    field: list[str] | None
    reason: str


@dataclass
class ImportReport:
    lines: int = 0
    appended: int = 0
    already_imported: int = 0
    rejected: list[Rejection] = field(
        default_factory=list
    )  # one per problem; a line may have several

    @property
    def rejected_lines(self) -> int:
        return len({r.line for r in self.rejected})


class LineReader:
    """Turns one NDJSON line into a submission, or the reasons it cannot be one."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self._types: dict[str, GraphQLInputType] = {}
        self._converters: dict[str, Convert] = {}
        for mutation, (input_class, _build) in BUILDERS.items():
            graphql_type = schema._schema.get_type(input_class.__name__)
            assert graphql_type is not None, mutation
            self._types[mutation] = GraphQLNonNull(graphql_type)  # type: ignore[arg-type]
            self._converters[mutation] = input_converter(input_class, schema)

    def read(self, text: str) -> Submission | list[Problem]:
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return [_invalid((), f"not valid JSON: {error.msg} at column {error.colno}")]
        # A decoded string holds a NUL or a lone surrogate only if the line's text does (a
        # check at C speed) or through a \u escape: a line with neither needs no walk.
        suspect = "\\u" in text or unstorable(text) is not None
        if suspect and (found := find_unstorable(document)) is not None:
            path = tuple(str(part) for part in found[0])
            return [_invalid(path, f"the line holds {found[1]}, which cannot be stored")]
        if not isinstance(document, dict) or set(document) != {"command", "input"}:
            return [_invalid((), 'a line must be an object with exactly "command" and "input"')]
        mutation = document["command"]
        if mutation not in BUILDERS:
            return [_invalid(("command",), f"unknown command {mutation!r}")]
        raw = document["input"]
        if isinstance(raw, dict) and "idempotencyKey" not in raw:
            raw = {**raw, "idempotencyKey": _content_key(mutation, raw)}
        coerced = coerce_input_value(raw, self._types[mutation])
        if coerced is Undefined:
            # Only a line that cannot be coerced pays for the walk that says why.
            problems: list[Problem] = []
            validate_input_value(raw, self._types[mutation], _collect(problems))
            return problems or [_invalid(("input",), "the input does not match its type")]
        _input_class, build = BUILDERS[mutation]
        source = self._converters[mutation](coerced)
        try:
            return build(source)
        except CommandRejected as rejected:
            return [_in_input(p) for p in rejected.problems]


def run_import(
    registry: Registry,
    actor: Actor,
    schema: strawberry.Schema,
    lines: Iterable[str],
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] = lambda _lines: None,
) -> ImportReport:
    reader = LineReader(schema)
    report = ImportReport()
    for batch in _batches(lines, batch_size):
        report.lines += len(batch)
        submissions: list[tuple[int, Submission]] = []
        for number, text in batch:
            read = reader.read(text)
            if isinstance(read, Submission):
                submissions.append((number, read))
            else:
                report.rejected.extend(_rejections(number, read))
        results = registry.submit_batch(actor, [s for _n, s in submissions])
        for (number, _submission), result in zip(submissions, results, strict=True):
            _tally(report, number, result)
        on_batch(len(batch))
    return report


def _tally(report: ImportReport, number: int, result: Receipt | CommandRejected) -> None:
    if isinstance(result, CommandRejected):
        report.rejected.extend(_rejections(number, [_in_input(p) for p in result.problems]))
    elif result.replayed:
        report.already_imported += 1
    else:
        report.appended += 1


def _batches(lines: Iterable[str], size: int) -> Iterator[list[tuple[int, str]]]:
    batch: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        batch.append((number, text))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _rejections(number: int, problems: list[Problem]) -> list[Rejection]:
    return [
        Rejection(number, p.code, list(p.field) if p.field else None, p.message) for p in problems
    ]


def _content_key(mutation: str, raw: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"command": mutation, "input": raw}, sort_keys=True, separators=(",", ":")
    )
    return "import:" + hashlib.sha256(canonical.encode()).hexdigest()


def _invalid(path: tuple[str, ...], message: str) -> Problem:
    return Problem(ErrorCode.VALIDATION_FAILED, path, message)


def _in_input(problem: Problem) -> Problem:
    """Domain paths are snake_case within the input; reports show them as in the file."""
    return Problem(problem.code, ("input", *(camel(p) for p in problem.field)), problem.message)


def _collect(problems: list[Problem]) -> Callable[[GraphQLError, list[str | int]], None]:
    def on_error(error: GraphQLError, path: list[str | int]) -> None:
        problems.append(_invalid(("input", *(str(p) for p in path)), error.message))

    return on_error
