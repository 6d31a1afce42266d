"""Report what the code's schema breaks: ``python -m schema.check [BASELINE.graphql ...]``.

Compares the schema the code builds with each baseline (by default the committed
``schema/schema.graphql`` and the clients' contract) using graphql-core's
``find_breaking_changes``; dangerous changes are printed too. Exits 1 on any breaking change.
"""

from __future__ import annotations

import sys
from pathlib import Path

from graphql import build_schema as build_sdl
from graphql import find_breaking_changes, find_dangerous_changes

from schema.schema import build_schema

ROOT = Path(__file__).parents[1]
BASELINES = (ROOT / "schema" / "schema.graphql", ROOT / "tests" / "contract" / "contract.graphql")


def main(paths: list[str]) -> int:
    current = build_schema()._schema
    broken = 0
    for path in [Path(p) for p in paths] or list(BASELINES):
        baseline = build_sdl(path.read_text())
        breaking = find_breaking_changes(baseline, current)
        dangerous = find_dangerous_changes(baseline, current)
        print(f"{path}: {len(breaking)} breaking, {len(dangerous)} dangerous change(s)")
        for change in breaking:
            print(f"  BREAKING {change.type.name}: {change.description}")
        for danger in dangerous:
            print(f"  dangerous {danger.type.name}: {danger.description}")
        broken += len(breaking)
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
