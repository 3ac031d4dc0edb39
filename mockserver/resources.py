"""Where the shipped ``schemas/`` and ``scenarios/`` directories are.

In a wheel they are packaged as ``mockserver/_data/``; in a checkout (and an editable install)
they are the top-level directories beside the package. Both are tried, in that order.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _find(name: str) -> Path:
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"mockserver's {name}/ directory is missing from the installation")


def schemas_dir() -> Path:
    """The directory of the shipped JSON Schemas."""
    return _find("schemas")


def scenarios_dir() -> Path:
    """The directory of the shipped scenarios."""
    return _find("scenarios")


def default_scenario() -> Path:
    """The default scenario, which reproduces every example of Sentry's documentation."""
    return scenarios_dir() / "default.yaml"
