"""The README's Python examples run as tests, as a downstream suite would run them.

Every ```python block of the README is taken, in order: the one that starts with
``# conftest.py`` becomes the conftest (with a receiver for the webhook example's
``my_receiver_url``), blocks that define tests or fixtures become one test module, and the
others (scripts) each become a test that runs them. They run in a pytest process of their own
(the plugin as installed, the example client of ``examples/`` on the path, the example's
scenarios beside them), with the imports a reader would add, and must all pass without a
warning: an example that drifts from the code, or from Sentry's contract, fails here.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```\n", re.S | re.M)
# What the README's blocks leave out: the imports their test module would have.
PRELUDE = """\
import asyncio
import threading

import httpx
import pytest
import requests
from sentry_client import SentryApiError
from sentry_client import SentryClient

from mockserver.testing import MockServer
"""
RECEIVER = """

@pytest.fixture
def my_receiver_url():
    # A receiver that answers 200, for the webhook example.
    from tests.receiver import Receiver

    with Receiver() as receiver:
        yield receiver.url
"""


def python_blocks() -> list[str]:
    return BLOCK.findall(README.read_text(encoding="utf-8"))


def test_the_readme_has_its_examples() -> None:
    blocks = python_blocks()
    assert sum(b.startswith("# conftest.py") for b in blocks) == 1
    names = re.findall(r"^def (test_\w+)", "".join(blocks), re.M)
    assert len(names) == len(set(names)) >= 10
    for expected in ("mockserver.fault(", "mockserver.respond(", "httpx.WSGITransport"):
        assert any(expected in b for b in blocks), expected


def test_every_python_example_of_the_readme_runs(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = python_blocks()
    conftest = next(b for b in blocks if b.startswith("# conftest.py"))
    defines = [b for b in blocks if b is not conftest and re.search(r"^(def|@)", b, re.M)]
    scripts = [b for b in blocks if b is not conftest and b not in defines]
    pytester.makeconftest(PRELUDE + conftest + RECEIVER)
    module = PRELUDE + "\n\n".join(defines)
    for i, script in enumerate(scripts, 1):
        module += f"\n\ndef test_script_{i}():\n" + textwrap.indent(script, "    ")
    pytester.makepyfile(test_readme_examples=module)
    shutil.copytree(ROOT / "examples" / "tests" / "scenarios", pytester.path / "scenarios")
    # The example client, and tests/ (for the receiver), importable in the run's own process.
    monkeypatch.setenv("PYTHONPATH", f"{ROOT / 'examples'}:{ROOT}")
    names = re.findall(r"^def (test_\w+)", module, re.M)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-v")
    outcomes = result.parseoutcomes()
    # A Schemathesis recipe's test is one per operation, so count names, not tests.
    assert {k: v for k, v in outcomes.items() if k not in ("passed", "seconds")} == {}, outcomes
    passed = set(re.findall(r"::(test_\w+)\S* PASSED", result.stdout.str()))
    assert passed == set(names)
