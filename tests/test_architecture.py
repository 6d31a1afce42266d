"""Dependencies point inward, and a test says so for every import of every module.

The package graph, innermost first::

    registry  <-  projections  <-  schema  <-  entrypoints

A package may import the packages to its left, never one to its right: the write side
(``registry``) knows nothing of the read model, the read model nothing of GraphQL, and only
``entrypoints`` composes them all. The domain (``registry/domain`` and ``registry/geography``)
imports only the standard library, ``eventsourcing``, ``pycountry`` and itself.

Every import counts: at module level, inside functions (lazy), under ``TYPE_CHECKING``,
relative, and ``importlib.import_module`` / ``__import__`` with a literal name.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
LAYERS = ("registry", "projections", "schema", "entrypoints")  # inner to outer
DOMAIN = [*sorted((ROOT / "registry" / "domain").glob("*.py")), ROOT / "registry" / "geography.py"]
DOMAIN_ALLOWED = {"eventsourcing", "registry.domain", "registry.geography", "pycountry"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(source: str, module: str, *, is_package: bool = False) -> set[str]:
    """Every module name ``source`` (the text of ``module``) imports, however it does so."""
    tree = ast.parse(source)
    names: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing module's package
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)] if node.level > 1 else anchor
                base = ".".join([*anchor, base] if base else anchor)
            # `from registry import geography` imports registry.geography, not all of registry.
            names.update(
                base if alias.name == "*" else f"{base}.{alias.name}" for alias in node.names
            )
        elif (
            isinstance(node, ast.Call)
            and _called_name(node.func) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return names


def _called_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _violations(package: str) -> set[str]:
    outer = set(LAYERS[LAYERS.index(package) + 1 :])
    found = set()
    for path in _sources(package):
        module = _module_name(path)
        for name in imports_of(path.read_text(), module, is_package=path.name == "__init__.py"):
            if name.split(".")[0] in outer:
                found.add(f"{path.relative_to(ROOT)} imports {name}")
    return found


@pytest.mark.parametrize("package", LAYERS)
def test_no_package_imports_one_further_out(package: str) -> None:
    assert _violations(package) == set()


def _domain_allowed(module: str) -> bool:
    top = module.split(".")[0]
    if top in sys.stdlib_module_names or top == "__future__":
        return True
    return any(module == a or module.startswith(a + ".") for a in DOMAIN_ALLOWED)


def test_the_domain_imports_only_the_standard_library_eventsourcing_and_pycountry() -> None:
    offending = {
        f"{path.relative_to(ROOT)}: {name}"
        for path in DOMAIN
        for name in imports_of(path.read_text(), _module_name(path))
        if not _domain_allowed(name)
    }
    assert offending == set()


def test_the_checks_see_every_module() -> None:
    assert len(DOMAIN) >= 7
    for package in LAYERS:
        assert len(_sources(package)) >= 5, package


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import schema.ids", "schema.ids"),
        ("from schema import ids", "schema.ids"),
        ("def f():\n    from schema.ids import to_global_id", "schema.ids.to_global_id"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import schema", "schema"),
        ("from ...schema import ids", "schema.ids"),  # from registry/sub/module.py
        ("import importlib\nimportlib.import_module('schema.ids')", "schema.ids"),
        ("__import__('schema')", "schema"),
    ],
)
def test_every_kind_of_import_is_seen(source: str, expected: str) -> None:
    assert expected in imports_of(source, "registry.sub.module")


def test_relative_imports_resolve_within_the_package() -> None:
    assert "projections.queries.pages.Page" in imports_of(
        "from .pages import Page", "projections.queries.partnerships"
    )
    assert "projections.queries.pages.Page" in imports_of(
        "from .pages import Page", "projections.queries", is_package=True
    )


def test_an_outward_import_is_reported() -> None:
    seen = imports_of("def later():\n    from entrypoints.web import app\n", "projections.x")
    outer = set(LAYERS[LAYERS.index("projections") + 1 :])
    assert {name for name in seen if name.split(".")[0] in outer} == {"entrypoints.web.app"}
