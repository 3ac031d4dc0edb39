"""Which store a request to Sentry's API reads and changes: the app's, or a fuzzer's sandbox.

- A request with ``X-Mockserver-Sandbox: <name>`` uses the sandbox ``<name>`` (any tool, or a
  person looking at what a fuzzer left: ``curl -H 'X-Mockserver-Sandbox: schemathesis' ...``).
- A request from Schemathesis, which sends ``X-Schemathesis-TestCaseId`` with every request it
  makes, uses the sandbox :data:`FUZZER_SANDBOX` unless it names another one.
- Every other request uses the app's store, which no sandboxed request ever changes.

A Schemathesis run starts by loading ``/openapi.json``; that load (recognised by Schemathesis'
``User-Agent``) starts its sandbox afresh (:func:`fresh_sandbox`), so that every run begins with
the scenario, whatever the previous run deleted. See :mod:`mockserver.world.sandboxes`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING
from typing import Any

if TYPE_CHECKING:
    from mockserver.state import MockState
    from mockserver.world.store import Store

SANDBOX_HEADER = "X-Mockserver-Sandbox"
"""The request header that names a sandbox."""
FUZZER_HEADER = "X-Schemathesis-TestCaseId"
"""The header Schemathesis sends with every request of a test case."""
FUZZER_SANDBOX = "schemathesis"
"""The sandbox of Schemathesis' requests that name none."""
FUZZER_AGENT = "schemathesis/"
"""How Schemathesis' ``User-Agent`` starts (``schemathesis/4.32.5``)."""

_SANDBOX_KEY = "HTTP_X_MOCKSERVER_SANDBOX"
_FUZZER_KEY = "HTTP_X_SCHEMATHESIS_TESTCASEID"
MAX_NAME = 64
"""Characters of a sandbox name kept (a longer header value is cut)."""


def sandbox_name(environ: Mapping[str, Any]) -> str | None:
    """The sandbox a request's WSGI ``environ`` asks for, or ``None`` for the app's store."""
    named = environ.get(_SANDBOX_KEY)
    if named is not None:
        name = str(named).strip()[:MAX_NAME]
        if name:
            return name
    if _FUZZER_KEY in environ:
        return FUZZER_SANDBOX
    return None


def sandboxed(environ: Mapping[str, Any]) -> bool:
    """Whether the request goes to a sandbox (the response cache leaves such requests alone:
    its answers are the app's store's)."""
    return _SANDBOX_KEY in environ or _FUZZER_KEY in environ


def store_for(state: MockState, environ: Mapping[str, Any]) -> Store:
    """The store the request of ``environ`` reads and changes."""
    name = sandbox_name(environ)
    return state.store if name is None else state.sandboxes.get(name)


def fresh_sandbox(state: MockState, environ: Mapping[str, Any]) -> str | None:
    """On a fuzzer's load of the OpenAPI document: drop the sandbox its requests will use, so
    that its run starts from the scenario. Returns the sandbox dropped, if any."""
    if not str(environ.get("HTTP_USER_AGENT", "")).startswith(FUZZER_AGENT):
        return None  # anyone else may read the document without touching a sandbox
    name = sandbox_name(environ) or FUZZER_SANDBOX
    state.sandboxes.drop(name)
    return name
