"""pytest plugin (``pytest11`` entry point): a live mock server for downstream test suites."""

from __future__ import annotations
