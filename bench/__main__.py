"""``python -m bench PART [--runs N] [--quick]``: run one part of the benchmarks."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from bench import export, hardening, iati, imports, lag, memory, portal, queries, rebuild, writes
from bench.common import Options

# Each part runs on its own fresh database, prints its table and writes bench/results/PART-*.json.
PARTS: dict[str, Callable[[Options], None]] = {
    "writes": writes.run,
    "import": imports.run,
    "rebuild": rebuild.run,
    "lag": lag.run,
    "queries": queries.run,
    "export": export.run,
    "hardening": hardening.run,
    "iati": iati.run,
    "portal": portal.run,
    # memory last: it measures what the other parts time.
    "memory": memory.run,
}

ALL = "all"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "part", choices=[*PARTS, ALL], help=f"which part to run; {ALL}: every part in this order"
    )
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of (>= 1)")
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    parser.add_argument(
        "--peer", action="store_true", help="queries: run PostGraphile even with --quick"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    options = Options(runs=args.runs, quick=args.quick, peer=args.peer)
    for part in PARTS if args.part == ALL else [args.part]:
        PARTS[part](options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
