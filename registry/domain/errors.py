"""Errors a command can end in. Each carries a code the API reports as a ``UserError``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ErrorCode(StrEnum):
    VALIDATION_FAILED = "VALIDATION_FAILED"
    NOT_FOUND = "NOT_FOUND"
    VERSION_CONFLICT = "VERSION_CONFLICT"
    FORBIDDEN = "FORBIDDEN"
    UNAUTHENTICATED = "UNAUTHENTICATED"
    DUPLICATE = "DUPLICATE"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a command; ``field`` is the path of the input field at fault."""

    code: ErrorCode
    field: tuple[str, ...]
    message: str


class CommandRejected(Exception):
    """A command was refused: nothing was appended."""

    def __init__(self, problems: tuple[Problem, ...]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.field) or '-'}: {p.message}" for p in problems))
        self.problems = problems

    @classmethod
    def one(cls, code: ErrorCode, field: tuple[str, ...], message: str) -> CommandRejected:
        return cls((Problem(code, field, message),))


def invalid(field: tuple[str, ...], message: str) -> CommandRejected:
    return CommandRejected.one(ErrorCode.VALIDATION_FAILED, field, message)


def not_found(field: tuple[str, ...], message: str) -> CommandRejected:
    return CommandRejected.one(ErrorCode.NOT_FOUND, field, message)


def duplicate(field: tuple[str, ...], message: str) -> CommandRejected:
    return CommandRejected.one(ErrorCode.DUPLICATE, field, message)


def forbidden(message: str) -> CommandRejected:
    return CommandRejected.one(ErrorCode.FORBIDDEN, (), message)


def version_conflict(expected: int, actual: int) -> CommandRejected:
    return CommandRejected.one(
        ErrorCode.VERSION_CONFLICT,
        ("expected_version",),
        f"expected version {expected}, but the current version is {actual}",
    )
