"""Log positions sent by clients (``Registry-Consistent-With``, ``?position=``): parsed once, here.

A position is a PostgreSQL ``bigint``. The digits are counted before ``int()`` sees them: a
number of thousands of digits costs quadratic time to convert and, past 4,300 digits, raises
an error nobody caught (an HTTP 500); one beyond the bigint range fails in the database.
"""

from __future__ import annotations

MAX_POSITION = 2**63 - 1
MAX_DIGITS = len(str(MAX_POSITION))  # 19
_SHOWN_CHARACTERS = 40  # an echo of the bad text, not the whole of it


class BadPosition(ValueError):
    """The text is not a log position; the message says what one is."""


def parse_position(text: str, what: str) -> int:
    """The position ``text`` names; ``BadPosition`` (a message naming ``what``) if none."""
    digits = text  # no white space: a query string or header with it is not a position
    if (
        0 < len(digits) <= MAX_DIGITS
        and digits.isascii()
        and digits.isdigit()
        and int(digits) <= MAX_POSITION
    ):
        return int(digits)
    shown = text if len(text) <= _SHOWN_CHARACTERS else text[:_SHOWN_CHARACTERS] + "..."
    raise BadPosition(
        f"{what} must be a log position, a whole number from 0 to {MAX_POSITION},"
        f" not {shown!r} ({len(text)} characters)"
    )
