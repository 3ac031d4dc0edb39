"""The house rules the README's Architecture section states, checked on the package's source."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mockserver

PACKAGE = Path(mockserver.__file__).resolve().parent
MAX_LINES = 450
MAX_TOP_LEVEL_MODULES = 12
# Subsystems whose code runs without Flask: the Sentry API's pipeline never enters Flask, and the
# world, schemas and rules must be usable from generate(), validate and tests alone.
WITHOUT_FLASK = ("http", "sentry", "world", "schemas", "faults", "contract", "journal", "cache")


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_over_the_size_budget(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)}: {lines} lines; split it by job"


def test_the_top_level_holds_at_most_a_dozen_modules_beside_the_subpackages() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py") if not p.name.startswith("__"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top
    subpackages = sorted(p.parent.name for p in PACKAGE.glob("*/__init__.py"))
    assert subpackages == [
        "admin",
        "cache",
        "contract",
        "faults",
        "http",
        "inspector",
        "journal",
        "openapi",
        "proxy",
        "record",
        "schemas",
        "sentry",
        "serving",
        "webhooks",
        "world",
    ]


@pytest.mark.parametrize("subsystem", WITHOUT_FLASK)
def test_the_pipeline_and_the_world_import_no_flask(subsystem: str) -> None:
    found = sorted(
        f"{path.relative_to(PACKAGE)}: {name}"
        for path in (PACKAGE / subsystem).rglob("*.py")
        for name in imported(path)
        if name == "flask" or name.startswith("flask.")
    )
    assert found == []


def test_nothing_shipped_cites_a_file_users_do_not_have() -> None:
    # Citations are of Sentry's public documentation and source, never of the project's own
    # research notes (reference/sentry-behavior.md), which do not ship.
    shipped = [
        *PACKAGE.rglob("*.py"),
        *PACKAGE.rglob("*.json"),
        *(PACKAGE.parent / "schemas").glob("*.json"),
    ]
    citing = [
        str(path) for path in shipped if "sentry-behavior" in path.read_text(encoding="utf-8")
    ]
    assert citing == []
