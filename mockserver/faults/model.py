"""What a fault is: the built-in catalogue, delays, conditions, presets, rules and ``Prefer``
overrides, and a scenario's ``faults`` section once parsed. Data only: the parsers of every way to
ask for a fault are in :mod:`mockserver.faults.parsing`.

Nothing here knows about Flask, sockets or YAML: :mod:`mockserver.faults.controller` keeps the rules
of an app and draws from its seeded generators, :mod:`mockserver.faults.stage` applies them to
requests.

The error bodies are the ones Sentry, or the nginx in front of it, really sends:

- Sentry's own (``src/sentry/api/base.py``, ``src/sentry/middleware/ratelimit.py``): the 500 of
  an unhandled exception with its ``errorId``, the rate-limit middleware's 429 (a JSON string),
  Snuba's 429, ``Invalid token``, DRF's 403, the ``unavailable_feature`` 403 and the 404;
- nginx's, for 502, 503 and 504: nothing behind the proxy answered, so Sentry's JSON, CORS and
  rate-limit headers are all missing. The pages are nginx's built-in ones
  (``ngx_http_special_response.c``: reason phrases ``Bad Gateway``, ``Service Temporarily
  Unavailable``, ``Gateway Time-out``; ``Content-Type: text/html``) with ``server_tokens off``:
  self-hosted Sentry's nginx logs 502 answers of exactly 150 bytes, the size of that page, and
  sentry.io clients have reported the same page (with a version) from sentry.io. sentry.io's
  current edge is not public; nginx's pages are the documented, observed ones.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from typing import Any

MAX_DELAY_MS = 600_000.0
SLOW_MS = 3000.0

# --- the catalogue -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Fault:
    """A built-in fault.

    :ivar stage: where it happens: ``proxy`` (nginx answers), ``socket`` (the connection breaks),
        ``sentry`` (Sentry answers), ``body`` (the real answer is cut), ``delay`` (latency only).
    """

    name: str
    stage: str
    status: int | None
    summary: str


CATALOGUE: Mapping[str, Fault] = {
    f.name: f
    for f in (
        Fault("server_error", "sentry", 500, "Sentry's 500 with an errorId"),
        Fault("bad_gateway", "proxy", 502, "nginx's 502 page"),
        Fault("service_unavailable", "proxy", 503, "nginx's 503 page"),
        Fault("gateway_timeout", "proxy", 504, "nginx's 504 page"),
        Fault("rate_limited", "sentry", 429, "the rate-limit middleware's 429"),
        Fault("query_throttled", "sentry", 429, "Snuba's 429 (query too expensive)"),
        Fault("token_revoked", "sentry", 401, "401 Invalid token"),
        Fault("permission_denied", "sentry", 403, "DRF's 403"),
        Fault("feature_disabled", "sentry", 403, "403 unavailable_feature"),
        Fault("not_found", "sentry", 404, "Sentry's 404"),
        Fault("empty", "socket", None, "connection closed before any byte"),
        Fault("reset", "socket", None, "connection reset (TCP RST) before any byte"),
        Fault("garbage", "socket", None, "random bytes, then closed"),
        Fault("malformed_chunk", "socket", None, "200 head, broken chunked body, closed"),
        Fault("truncated", "body", None, "the real answer, cut in the middle of its body"),
        Fault("malformed", "body", None, "the real answer with its JSON cut short"),
        Fault("slow", "delay", None, f"{SLOW_MS:.0f} ms of latency"),
    )
}
STATUS_FAULTS: Mapping[int, str] = {
    401: "token_revoked",
    403: "permission_denied",
    404: "not_found",
    429: "rate_limited",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}
# WireMock's names, accepted in Prefer and on the command line.
ALIASES: Mapping[str, str] = {
    "connection_reset_by_peer": "reset",
    "empty_response": "empty",
    "random_data_then_close": "garbage",
    "malformed_response_chunk": "malformed_chunk",
}
# nginx's reason phrases and error pages (ngx_http_special_response.c), with server_tokens off
# as in self-hosted Sentry's nginx: a 502 page is 150 bytes, as its access logs show.
NGINX_REASONS: Mapping[int, str] = {
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}
FEATURE_DISABLED = {
    "error_type": "unavailable_feature",
    "detail": ["You do not have that feature enabled"],
}
QUERY_THROTTLED = (
    "Rate limit exceeded. Please try your query with a smaller date range or fewer projects."
)

# --- where, and what is wrong ------------------------------------------------------------------

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class At:
    """Where a value being parsed sits, for messages: a JSON path under a root.

    The root is ``$`` for a scenario (the path then starts at the scenario's top, e.g.
    ``("faults", "rules", 1, "preset")``) and for a body posted to the admin API, ``""`` for the
    n-th ``--fault`` (``[0].preset``).
    """

    path: JsonPath = ()
    root: str = "$"

    def __truediv__(self, part: str | int) -> At:
        return At((*self.path, part), self.root)

    def __str__(self) -> str:
        return self.root + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in self.path)


class FaultSpecError(ValueError):
    """A fault rule, preset, override or rate-limit policy that cannot be used.

    :param where: a JSON path (``$.faults.rules[1].preset``, as an :class:`At` when the parser
        knows it, so that a scenario's message can name the line) or what was being read (the
        text of a ``--fault``, ``Prefer code``).
    """

    def __init__(self, where: At | str, problem: str, fix: str = "") -> None:
        self.at = where if isinstance(where, At) else None
        self.where = str(where)
        self.problem = problem
        self.fix = fix
        super().__init__(f"{self.where}: {problem}" + (f" ({fix})" if fix else ""))


# --- delays, conditions, presets and rules -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delay:
    """Latency in milliseconds: ``fixed`` (``a``), ``uniform`` (``a`` to ``b``) or ``lognormal``
    (median ``a``, sigma ``b``, capped at ``cap``)."""

    kind: str
    a: float
    b: float = 0.0
    cap: float | None = None

    def sample(self, rng: random.Random) -> float:
        """A delay in milliseconds."""
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        if self.kind == "lognormal":
            value = self.a * rng.lognormvariate(0.0, self.b)
            return min(value, self.cap) if self.cap is not None else value
        return self.a

    def to_json(self) -> Any:
        """The scenario form."""
        if self.kind == "uniform":
            return {"type": "uniform", "min": self.a, "max": self.b}
        if self.kind == "lognormal":
            out: dict[str, Any] = {"type": "lognormal", "median": self.a, "sigma": self.b}
            if self.cap is not None:
                out["max"] = self.cap
            return out
        return self.a


@dataclass(frozen=True, slots=True)
class When:
    """Which matching requests a rule fires on (all given conditions must hold)."""

    probability: float | None = None
    first: int | None = None
    every: int | None = None

    def fires(self, count: int, rng: random.Random) -> bool:
        """Whether the ``count``-th matching request fires.

        The probability is drawn for every matching request, so which requests fire depends only
        on the seed and the count, never on the other conditions.
        """
        draw = rng.random() if self.probability is not None else 0.0
        if self.first is not None and count > self.first:
            return False
        if self.every is not None and count % self.every:
            return False
        return self.probability is None or draw < self.probability

    def to_json(self) -> dict[str, Any]:
        """The scenario form."""
        out: dict[str, Any] = {}
        for key in ("probability", "first", "every"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True, slots=True)
class Preset:
    """A named bundle: a failure (a built-in fault), a delay, and when it fires."""

    fault: str | None = None
    delay: Delay | None = None
    when: When | None = None
    description: str = ""


BUILTIN_PRESETS: Mapping[str, Preset] = {
    **{name: Preset(fault=name, description=f.summary) for name, f in CATALOGUE.items()},
    "slow": Preset(delay=Delay("fixed", SLOW_MS), description=CATALOGUE["slow"].summary),
}


@dataclass(frozen=True, slots=True)
class Rule:
    """A fault rule: where (route, methods), what (failure, delay), when.

    :ivar route: a route name, or ``"*"`` for every request to the Sentry API.
    :ivar methods: ``None`` for every method.
    :ivar source: ``scenario``, ``cli``, ``runtime`` (the admin API) or ``test``
        (``MockServer.fault``).
    :ivar spec: the rule as written, for the admin API.
    """

    name: str
    source: str
    route: str
    methods: frozenset[str] | None
    fault: str | None
    delay: Delay | None
    when: When
    preset: str | None
    spec: Mapping[str, Any]

    def matches(self, route: str | None, method: str) -> bool:
        """Whether a request to ``route`` (``None``: no route) with ``method`` is in scope."""
        return self.route in ("*", route) and (self.methods is None or method in self.methods)


# --- Prefer ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Prefer:
    """The fault a request asks for.

    :ivar applied: the directives honoured, for ``Preference-Applied``.
    """

    fault: str | None
    delay: Delay | None
    preset: str | None
    applied: tuple[str, ...]


# --- a scenario's section ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ScenarioFaults:
    """A scenario's ``faults`` section, parsed and checked when the scenario is loaded.

    :ivar seed: the section's own ``seed``; ``None`` draws from the scenario's (the controller
        decides, since ``--seed`` beats it).
    :ivar presets: the built-in presets and the scenario's, which replace built-in ones of the
        same name.
    :ivar rules: in the scenario's order.
    """

    seed: int | None = None
    presets: Mapping[str, Preset] = field(default_factory=lambda: dict(BUILTIN_PRESETS))
    rules: tuple[Rule, ...] = ()
