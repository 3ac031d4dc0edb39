"""A journal entry: one request and the answer the mock gave it, as the journal keeps it, with
the contract violations it found (it imports only the redaction rules, for its ``repr``: everything
else reads these).

Bodies are kept up to :data:`MAX_REQUEST_BODY` and :data:`MAX_RESPONSE_BODY` bytes; a longer one
is cut, and the entry keeps its full size and SHA-256 digest. :func:`entry_cost` is what an entry
counts against the journal's byte budget (``Config.journal_bytes``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any
from typing import Final
from typing import NamedTuple
from urllib.parse import quote
from urllib.parse import urlencode

from mockserver.journal.redaction import PATTERNS

ERROR: Final = "error"
WARNING: Final = "warning"

#: The most bytes of a request body kept in an entry; the rest is counted and digested, not
#: stored: 10,000 entries of 2.5 MiB bodies would otherwise hold 25 GB.
MAX_REQUEST_BODY = 64 * 1024
#: The most bytes of a response body kept: responses are reproducible from the scenario, so
#: a long page is cut rather than let 10,000 entries hold gigabytes.
MAX_RESPONSE_BODY = 64 * 1024
ENTRY_OVERHEAD = 1024
"""What an entry costs besides its bodies and headers, in bytes (the tuple, its strings and
numbers, the path parameters), counted against the journal's byte budget: measured with
``sys.getsizeof`` over a recorded POST, rounded up."""
COPY_COST = 256
"""What a replayed answer's entry costs (:meth:`~mockserver.journal.journal.Journal.record_again`
keeps only what differs, sharing the bodies of the entry it copies)."""


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a request broke Sentry's API contract.

    :ivar code: what kind of violation, e.g. ``"unknown-query-parameter"``.
    :ivar message: the precise reason, naming the offending value and what Sentry expects.
    :ivar location: where in the request, e.g. ``("query", "per_page")`` or ``("body", "url")``.
    :ivar severity: ``"error"`` (strict mode fails the request, the pytest plugin fails the
        test) or ``"warning"`` (recorded only).
    """

    code: str
    message: str
    location: tuple[str, ...] = ()
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        """Whether the violation is an error rather than a notice."""
        return self.severity == ERROR

    def to_json(self) -> dict[str, Any]:
        """The violation as JSON (Prism's ``validation[]`` item shape)."""
        return {
            "code": self.code,
            "severity": self.severity,
            "location": list(self.location),
            "message": self.message,
        }

    def __str__(self) -> str:
        where = f" ({'.'.join(self.location)})" if self.location else ""
        return f"{self.code}{where}: {self.message}"


class Headers(tuple[tuple[str, str], ...]):
    """Headers as recorded: a tuple of ``(name, value)`` pairs in the order sent (equal to the
    plain tuple of the same pairs), read like a mapping whose names ignore case:
    ``headers.get("content-type")``, ``headers["Link"]``, ``"ETag" in headers``. A name sent
    several times reads as its values joined by ``", "``; :meth:`getlist` gives each."""

    __slots__ = ()

    def get(self, name: str, default: str | None = None) -> str | None:
        """The header's value (case-insensitive), or ``default``."""
        found = _header(self, name)
        return default if found is None else found

    def getlist(self, name: str) -> list[str]:
        """Every value of the header, in order."""
        wanted = name.lower()
        return [value for key, value in self if key.lower() == wanted]

    def keys(self) -> list[str]:
        """The names, in order, each once."""
        return list(dict.fromkeys(key for key, _ in self))

    def __getitem__(self, key: Any) -> Any:
        """``headers["Link"]`` (a name: :class:`KeyError` when absent) or ``headers[0]``."""
        if isinstance(key, str):
            found = _header(self, key)
            if found is None:
                raise KeyError(key)
            return found
        return tuple.__getitem__(self, key)

    def __contains__(self, item: object) -> bool:
        """A name (case-insensitive), or a ``(name, value)`` pair."""
        if isinstance(item, str):
            return _header(self, item) is not None
        return tuple.__contains__(self, item)


class Entry(NamedTuple):
    """One request and the response the mock gave it (immutable: a named tuple, as
    ``responses``' ``Call`` is, because one is built for every request and a tuple is the
    cheapest immutable record to build).

    :ivar id: unique across servers: the journal's random prefix and ``seq``
        (``"3f9a1c2e-17"``), unless the recorder set one.
    :ivar seq: the order in which the journal recorded it (1 for the first of this app).
    :ivar time: when the request arrived, in epoch seconds on the app's clock.
    :ivar route: the route template, e.g. ``/api/0/projects/{org}/{project}/stats/``, or
        ``None`` when no Sentry route has this path.
    :ivar matched: a route serves this path *and* this method.
    :ivar body_size: the request body's length (``body`` holds at most
        :data:`MAX_REQUEST_BODY` bytes of it).
    :ivar response_size: likewise for the response (:data:`MAX_RESPONSE_BODY`).
    :ivar body_sha256: the hex SHA-256 of the whole request body when ``body`` holds only its
        start, else ``None``.
    :ivar response_sha256: likewise for the response body.
    :ivar error: the unexpected exception behind a 500, when there was one.
    :ivar faults: the faults and rate-limit decisions applied to the request (JSON objects, as
        :mod:`mockserver.faults.stage` describes them), and the stub that answered it
        (``{"source": "respond", ...}``, :mod:`mockserver.http.stubs`).
    :ivar headers: the request's headers (:class:`Headers`: ``entry.headers.get("Accept")``).
    :ivar response_headers: the answer's (``entry.response_headers.get("Link")``).
    """

    time: float
    method: str
    scheme: str
    host: str
    path: str
    query_string: str
    query: tuple[tuple[str, str], ...]
    headers: Headers
    body: bytes
    body_size: int
    route_name: str | None
    route: str | None
    params: Mapping[str, str]
    matched: bool
    status: int
    response_headers: Headers
    response_body: bytes
    response_size: int
    duration_ms: float
    violations: tuple[Violation, ...] = ()
    error: str | None = None
    client_ip: str | None = None
    http_version: str = "HTTP/1.1"
    root_path: str = ""
    faults: tuple[Mapping[str, Any], ...] = ()
    body_sha256: str | None = None
    response_sha256: str | None = None
    id: str = ""
    seq: int = 0

    def __repr__(self) -> str:
        # What pytest prints of an entry in a failed assertion, in CI logs: no headers or
        # bodies, and the path and query redacted as every journal output is.
        query = urlencode(PATTERNS.query(self.query), safe="[]:")
        target = PATTERNS.text(self.path) + (f"?{query}" if query else "")
        return f"Entry(#{self.seq} {self.method} {target} → {self.status})"

    @property
    def target(self) -> str:
        """The path and query string, as sent: ``/api/0/…/users/?per_page=2``."""
        return self.path + (f"?{self.query_string}" if self.query_string else "")

    @property
    def url(self) -> str:
        """The full URL the client called."""
        path = quote(self.root_path + self.path, safe="/:@!$&'()*+,;=-._~%")
        query = f"?{self.query_string}" if self.query_string else ""
        return f"{self.scheme}://{self.host}{path}{query}"

    @property
    def errors(self) -> tuple[Violation, ...]:
        """The violations of severity ``error``."""
        return tuple(v for v in self.violations if v.is_error)

    def header(self, name: str) -> str | None:
        """A request header (case-insensitive), or ``None``."""
        return _header(self.headers, name)

    def response_header(self, name: str) -> str | None:
        """A response header (case-insensitive), or ``None``."""
        return _header(self.response_headers, name)

    def query_values(self, name: str) -> list[str]:
        """Every value of a query parameter, in request order."""
        return [value for key, value in self.query if key == name]

    @property
    def json(self) -> Any:
        """The request body parsed as JSON, or ``None`` when it is empty or not JSON."""
        return _parse_json(self.body)

    @property
    def response_json(self) -> Any:
        """The response body parsed as JSON, or ``None``."""
        return _parse_json(self.response_body)

    def summary(self) -> str:
        """One line: ``#3 GET /api/0/…/?x=1 → 200`` (``→ no response`` for status 0)."""
        return f"#{self.seq} {self.method} {self.target} → {self.status or 'no response'}"


def entry_cost(held: Entry | tuple[Any, ...]) -> int:
    """The bytes an entry, or a replayed answer's copy, counts against the journal's budget."""
    if type(held) is not Entry:
        return COPY_COST
    entry: Entry = held
    # Every name and value, summed in C (map over the flattened pairs).
    headers = sum(map(len, chain.from_iterable(entry.headers)))
    headers += sum(map(len, chain.from_iterable(entry.response_headers)))
    return (
        ENTRY_OVERHEAD
        + len(entry.body)
        + len(entry.response_body)
        + headers
        + len(entry.path)
        + len(entry.query_string)
    )


def copy_of(held: Any, prefix: str) -> Entry:
    """A journal slot as an :class:`Entry`: itself; the entry a
    :class:`~mockserver.journal.raw.RawEntry` makes when first read; or the copy
    :meth:`Journal.record_again` stored as ``(entry, time, duration_ms, client_ip, seq)``, whose
    ``entry`` is either of the first two."""
    kind = type(held)
    if kind is Entry:
        return held  # type: ignore[no-any-return]
    if kind is not tuple:
        return held.entry(prefix)  # type: ignore[no-any-return]
    base, time, duration_ms, client_ip, seq = held
    entry = base if type(base) is Entry else base.entry(prefix)
    return tuple.__new__(
        Entry,
        (
            time,
            *entry[1:_DURATION],
            duration_ms,
            *entry[_DURATION + 1 : _CLIENT_IP],
            client_ip,
            *entry[_CLIENT_IP + 1 : _ID],
            f"{prefix}-{seq}",
            seq,
        ),
    )


def seq_of(held: Any) -> int:
    """The sequence number of a journal slot (any of :func:`copy_of`'s three kinds)."""
    return held[-1] if isinstance(held, tuple) else held.seq  # type: ignore[no-any-return]


_DURATION = Entry._fields.index("duration_ms")
_CLIENT_IP = Entry._fields.index("client_ip")
_ID = Entry._fields.index("id")


def _header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    return ", ".join(values) if values else None


def _parse_json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: JSON nested ~1,000 deep
        return None
