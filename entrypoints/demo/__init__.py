"""A fictional demo dataset: NDJSON commands telling plausible stories of PPPs against cybercrime.

Everything here is invented and says so: organisation names start with "Fictional" and end with
"(demo)", every summary calls itself demo data, web addresses are on ``example.org`` and no person
is named (no names, no e-mails). Only ``random.Random(seed)`` decides, never the clock, so the
same ``partnerships`` and ``seed`` give the same lines, byte for byte.

A line is ``{"command": <mutation>, "input": {...}}``, exactly as ``ppp-registry import`` reads
it. Every line carries an ``idempotencyKey`` (``demo-<seed>-...``) and refers to what earlier
lines created through ``keyed_id(SCOPE, key, purpose)``, so applying the lines twice appends
nothing. ``SCOPE`` is the key space of the admin token named ``SEEDER``, which applies every
creating line: ids derived from keys belong to whoever applies them.

What the lines hold:

- about one organisation per three partnerships (at least 20), of every ``OrganisationType`` and
  ``Sector``, based in countries of every M49 region (Africa, Americas, Asia, Europe, Oceania);
  a few organisations are revised later;
- partnerships of every ``PracticeArea``, with 1 to 4 partners (exactly one LEAD), 1 to 3
  countries and sometimes an explicit M49 region, started between 2015 and 2024;
- per partnership, in date order: activities of every kind for every target group
  (participants for the kinds people attend), outcomes with baseline, target, actual, evidence
  and each verification level, lessons of each kind; some corrections, retractions, revisions,
  partners joining and leaving; about 10% nominated as best practice, most of them endorsed and
  a few of those withdrawn; about 40% concluded, the conclusion always their last line;
- ``confirmParticipation`` lines, only ever for organisations among the first
  ``CONFIRMING_ORGANISATIONS``: the policy lets only an organisation's own contributors confirm,
  so whoever applies the lines must issue those with a contributor token of that organisation
  (``entrypoints.seeding`` does), and everything else with an admin token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from entrypoints.demo.drawing import organisation_count
from entrypoints.demo.generator import Generator
from entrypoints.demo.vocabulary import CONFIRMING_ORGANISATIONS, REGIONS, SCOPE, SEEDER

__all__ = [
    "CONFIRMING_ORGANISATIONS",
    "REGIONS",
    "SCOPE",
    "SEEDER",
    "commands",
    "encode",
    "lines",
    "organisation_count",
]


# ---------------------------------------------------------------------- public API
def commands(partnerships: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The demo dataset as command dicts: organisations first, then each partnership's story."""
    if partnerships < 0:
        raise ValueError("partnerships must not be negative")
    generator = Generator(partnerships, seed)
    yield from generator.organisation_lines()
    for p in range(partnerships):
        yield from generator.partnership_lines(p)


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode(command: dict[str, Any]) -> str:
    """One command as an NDJSON line (without its newline)."""
    return _ENCODER.encode(command)


def lines(partnerships: int, seed: int = 0) -> Iterator[str]:
    """The demo dataset as NDJSON lines, ready for ``ppp-registry import`` or ``run_import``."""
    encode = _ENCODER.encode
    for command in commands(partnerships, seed):
        yield encode(command)
