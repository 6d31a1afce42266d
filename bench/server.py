"""The API as the benchmarks start it: ``python -m uvicorn --factory bench.server:app``.

Settings come from the environment the benchmark gives the subprocess (``DATABASE_URL`` names
the bench database), exactly as ``ppp-registry serve`` reads them.
"""

from __future__ import annotations

from starlette.applications import Starlette

from registry.settings import Settings
from schema.app import create_app


def app() -> Starlette:
    return create_app(Settings.from_env())
