"""Values as IATI's XML writes them: text XML 1.0 can carry, numbers, dates and times.

XML 1.0 cannot carry most C0 control characters (only tab, line feed and carriage return),
U+FFFE, U+FFFF or a lone surrogate, in any form, escaped or not; registry text may hold any of
them (the API takes any JSON string). Each such character is **replaced** by U+FFFD, the
replacement character, rather than stripped: the reader sees that something was there, and
text is never silently joined across a removed character ("a\\x00b" is "a\\ufffdb", not "ab").
Markup needs no care here: the XML writer escapes ``<``, ``&`` and quotes.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

REPLACEMENT = "\ufffd"

# Everything outside XML 1.0's Char production.
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: object) -> str:
    """``value`` as text XML 1.0 can carry: each character it cannot is replaced by U+FFFD."""
    return _NOT_XML.sub(REPLACEMENT, str(value))


def number(value: float | int) -> str:
    """Integral values without a decimal point, others as their shortest exact decimal form."""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        text = repr(value)
        if "e" in text:  # IATI values are plain decimals, not scientific notation
            return format(Decimal(text), "f")
        return text
    return str(value)


def iso_date(value: date) -> str:
    return value.isoformat()


def iso_datetime(value: datetime) -> str:
    """An ``xsd:dateTime`` in UTC: ``2024-05-01T09:30:00Z`` (microseconds when there are any)."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
