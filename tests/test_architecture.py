"""Dependencies point inward: the domain imports no infrastructure."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).parents[1]
DOMAIN = [*sorted((ROOT / "registry" / "domain").glob("*.py")), ROOT / "registry" / "geography.py"]
ALLOWED = {"eventsourcing", "registry.domain", "registry.geography", "pycountry"}
FORBIDDEN = {"strawberry", "starlette", "asyncpg", "psycopg", "schema", "projections", "uvicorn"}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from registry import geography` imports registry.geography, not all of registry.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return any(module == a or module.startswith(a + ".") for a in ALLOWED)


def test_the_domain_imports_only_the_standard_library_and_eventsourcing() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {module}"
        for path in DOMAIN
        for module in _imports(path)
        if not _allowed(module) or module.split(".")[0] in FORBIDDEN
    }
    assert offending == set()


def test_the_check_sees_every_domain_module() -> None:
    assert len(DOMAIN) >= 7
