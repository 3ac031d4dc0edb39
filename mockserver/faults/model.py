"""What a fault is: the built-in catalogue, delays, conditions, presets and rules, and the
parsing of the three ways to ask for one (a scenario rule, ``Prefer``, ``--fault``).

Nothing here knows about Flask or sockets: :mod:`mockserver.faults.controller` keeps the rules of an
app and draws from its seeded generators, :mod:`mockserver.faults.stage` applies them to requests.

The error bodies are the ones Sentry, or the nginx in front of it, really sends:

- Sentry's own (sentry-behavior.md §0.2-§0.7, §5.2): the 500 of an unhandled exception with its
  ``errorId``, the rate-limit middleware's 429 (a JSON string), Snuba's 429, ``Invalid token``,
  DRF's 403, the ``unavailable_feature`` 403 and the 404;
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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Response

from mockserver.faults.ratelimit import method_set
from mockserver.http.routes import route_name

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


def nginx_page(status: int) -> Response:
    """nginx's own error page for a 502, 503 or 504."""
    title = f"{status} {NGINX_REASONS[status]}"
    body = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n"
        f"<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return Response(body, status=title, content_type="text/html")


class FaultSpecError(ValueError):
    """A fault rule, preset or override that cannot be used.

    :param where: a JSON path, e.g. ``$.faults.rules[1].preset``.
    """

    def __init__(self, where: str, problem: str, fix: str = "") -> None:
        self.where = where
        self.problem = problem
        self.fix = fix
        super().__init__(f"{where}: {problem}" + (f" ({fix})" if fix else ""))


# --- delays, conditions, presets and rules -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delay:
    """Latency in milliseconds: ``fixed`` (``a``), ``uniform`` (``a`` to ``b``) or ``lognormal``
    (median ``a``, sigma ``b``, capped at ``cap``)."""

    kind: str
    a: float
    b: float = 0.0
    cap: float | None = None

    @classmethod
    def parse(cls, raw: Any, where: str = "delay") -> Delay:
        """From the scenario form (a number, or a mapping with ``type``).

        :raises FaultSpecError: for a uniform range whose min is above its max.
        """
        if isinstance(raw, int | float):
            return cls("fixed", float(raw))
        kind = raw["type"]
        if kind == "fixed":
            return cls("fixed", float(raw["ms"]))
        if kind == "uniform":
            if raw["min"] > raw["max"]:
                raise FaultSpecError(where, f"min {raw['min']} is above max {raw['max']}")
            return cls("uniform", float(raw["min"]), float(raw["max"]))
        cap = raw.get("max")
        return cls("lognormal", float(raw["median"]), float(raw["sigma"]), cap)

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

    @classmethod
    def parse(cls, raw: Mapping[str, Any] | None) -> When:
        """From the scenario form."""
        raw = raw or {}
        return cls(raw.get("probability"), raw.get("first"), raw.get("every"))

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


def _failure(raw: Mapping[str, Any], where: str) -> str | None:
    """The built-in fault of a ``fault`` or ``status`` key."""
    if "fault" in raw and "status" in raw:
        raise FaultSpecError(where, "has both 'fault' and 'status'", "keep one of them")
    if "status" in raw:
        return STATUS_FAULTS[int(raw["status"])]
    name = raw.get("fault")
    if name is None or CATALOGUE[name].stage == "delay":
        return None
    return str(name)


def parse_preset(raw: Mapping[str, Any], where: str) -> Preset:
    """A preset from the scenario form."""
    delay = Delay.parse(raw["delay"], f"{where}.delay") if "delay" in raw else None
    if raw.get("fault") == "slow" and delay is None:
        delay = BUILTIN_PRESETS["slow"].delay
    return Preset(
        fault=_failure(raw, where),
        delay=delay,
        when=When.parse(raw["when"]) if "when" in raw else None,
        description=str(raw.get("description", "")),
    )


@dataclass(frozen=True, slots=True)
class Rule:
    """A fault rule: where (route, methods), what (failure, delay), when.

    :ivar route: a route name, or ``"*"`` for every request to the Sentry API.
    :ivar methods: ``None`` for every method.
    :ivar source: ``scenario``, ``cli`` or ``runtime``.
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


def build_rule(
    raw: Mapping[str, Any], name: str, source: str, presets: Mapping[str, Preset], where: str
) -> Rule:
    """A rule from the scenario form (already valid against the schema).

    :raises FaultSpecError: for an unknown preset, both ``fault`` and ``status``, or a rule that
        does nothing.
    """
    preset = Preset()
    preset_name = raw.get("preset")
    if preset_name is not None:
        if preset_name not in presets:
            known = ", ".join(sorted(presets))
            raise FaultSpecError(f"{where}.preset", f"no preset {preset_name!r}", f"known: {known}")
        preset = presets[preset_name]
    own = parse_preset(raw, where)
    fault = own.fault if ("fault" in raw or "status" in raw) else preset.fault
    delay = own.delay or preset.delay
    if fault is None and delay is None:
        raise FaultSpecError(
            where, "the rule does nothing", "give it a fault, a status, a preset or a delay"
        )
    route = route_name(str(raw.get("route", "*")))
    if route is None:
        raise FaultSpecError(f"{where}.route", f"no route {raw.get('route')!r}")
    return Rule(
        name=name,
        source=source,
        route=route,
        methods=method_set(raw.get("method", "*")),
        fault=fault,
        delay=delay,
        when=own.when or preset.when or When(),
        preset=preset_name,
        spec=dict(raw),
    )


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


def may_prefer(environ: Mapping[str, Any]) -> bool:
    """Whether a request may ask for faults of its own (a ``Prefer`` header or a ``__code``,
    ``__fault`` or ``__delay`` parameter, also percent-encoded): ``False`` is certain, so that
    callers can skip parsing the query."""
    if "HTTP_PREFER" in environ:
        return True
    query = environ.get("QUERY_STRING", "")
    return "__" in query or "%5f" in query.lower()


def parse_prefer(
    headers: Sequence[str], args: Mapping[str, str], presets: Mapping[str, Preset]
) -> Prefer | None:
    """The ``code``, ``fault`` and ``delay`` preferences of a request (RFC 7240 syntax: a
    comma-separated list of ``token[=value]``, parameters after ``;`` ignored); the header wins
    over the ``__code``/``__fault``/``__delay`` query parameters. Preferences that are not ours
    (``return=``, ``wait=``, Prism's ``example=`` and ``dynamic=``) are ignored, as RFC 7240
    requires.

    :returns: ``None`` when the request asks for nothing.
    :raises FaultSpecError: for a value we cannot honour, naming the accepted ones.
    """
    wanted: dict[str, str] = {}
    for key in ("code", "fault", "delay"):
        if f"__{key}" in args:
            wanted[key] = args[f"__{key}"]
    for line in headers:
        for item in line.split(","):
            token = item.split(";", 1)[0].strip()
            key, _, value = token.partition("=")
            key = key.strip().lower()
            if key in ("code", "fault", "delay"):
                wanted[key] = value.strip().strip('"')
    if not wanted:
        return None
    failures: list[str] = []
    delay: Delay | None = None
    preset_name: str | None = None
    if "code" in wanted:
        code = wanted["code"]
        if not code.isdigit() or not (200 <= int(code) < 300 or int(code) in STATUS_FAULTS):
            codes = ", ".join(map(str, STATUS_FAULTS))
            raise FaultSpecError("Prefer code", f"{code!r} is not supported", f"use 2xx or {codes}")
        if int(code) in STATUS_FAULTS:
            failures.append(STATUS_FAULTS[int(code)])
    if "fault" in wanted:
        name = resolve_name(wanted["fault"], presets)
        preset = presets[name]
        if preset.fault is not None:
            failures.append(preset.fault)
        delay = preset.delay
        # Named in the journal only when it is the scenario's, not a built-in fault.
        preset_name = None if BUILTIN_PRESETS.get(name) is preset else name
    if len(failures) > 1:
        raise FaultSpecError(
            "Prefer", f"asks for two failures ({', '.join(failures)})", "ask for one"
        )
    if "delay" in wanted:
        try:
            ms = float(wanted["delay"])
        except ValueError:
            ms = -1.0
        if not 0 <= ms <= MAX_DELAY_MS:
            raise FaultSpecError(
                "Prefer delay",
                f"{wanted['delay']!r} is not a delay",
                f"milliseconds from 0 to {MAX_DELAY_MS:.0f}",
            )
        delay = Delay("fixed", ms)
    applied = tuple(f"{key}={wanted[key]}" for key in ("code", "fault", "delay") if key in wanted)
    return Prefer(failures[0] if failures else None, delay, preset_name, applied)


def resolve_name(name: str, presets: Mapping[str, Preset]) -> str:
    """A preset or built-in fault by name, or by WireMock's name (any case).

    :raises FaultSpecError: naming the known ones and the closest.
    """
    if name in presets:
        return name
    lowered = name.lower()
    lowered = ALIASES.get(lowered, lowered)
    if lowered in presets:
        return lowered
    known = sorted(presets)
    raise FaultSpecError("fault", f"no fault or preset {name!r}", f"known: {', '.join(known)}")


# --- the command line -----------------------------------------------------------------------


def parse_fault_option(text: str) -> dict[str, Any]:
    """The ``--fault`` / ``MOCKSERVER_FAULTS`` syntax, as a scenario rule.

    ``FAULT[,key=value]...`` where ``FAULT`` is a fault or preset name (``reset``, ``slow``,
    ``CONNECTION_RESET_BY_PEER``) or a status (``503``), and the keys are ``route`` (a name or a
    template), ``method`` (``GET`` or ``GET|POST``), ``delay`` (``800``, ``uniform:100:900``,
    ``lognormal:250:0.4[:3000]``), ``probability``, ``first``, ``every`` and ``name``. Examples:
    ``503,route=project-hooks,method=POST,first=2``; ``reset,every=3``; ``delay=800``;
    ``slow,probability=0.1``.

    :raises FaultSpecError: naming what is wrong.
    """
    rule: dict[str, Any] = {}
    when: dict[str, Any] = {}
    for i, item in enumerate(part.strip() for part in text.split(",")):
        if not item:
            continue
        key, eq, value = item.partition("=")
        key, value = key.strip().lower(), value.strip()
        if not eq:
            if i != 0:
                raise FaultSpecError(text, f"{item!r} is not key=value")
            key, value = ("status", item) if item.isdigit() else ("fault", item)
        try:
            if key == "status":
                rule["status"] = int(value)
            elif key == "fault":
                name = ALIASES.get(value.lower(), value)
                rule["fault" if name in CATALOGUE else "preset"] = name
            elif key in ("route", "name", "preset"):
                rule[key] = value
            elif key == "method":
                methods = [m.strip().upper() for m in value.split("|") if m.strip()]
                rule["method"] = methods[0] if len(methods) == 1 else methods
            elif key == "delay":
                rule["delay"] = _delay_option(value)
            elif key == "probability":
                when["probability"] = float(value)
            elif key in ("first", "every"):
                when[key] = int(value)
            else:
                raise FaultSpecError(
                    text,
                    f"unknown key {key!r}",
                    "use route, method, delay, probability, first, every, name",
                )
        except ValueError as exc:
            if isinstance(exc, FaultSpecError):
                raise
            raise FaultSpecError(text, f"{key}={value!r} is not valid") from None
    if when:
        rule["when"] = when
    return rule


def _delay_option(value: str) -> Any:
    parts = value.split(":")
    if len(parts) == 1:
        return float(parts[0])
    kind, numbers = parts[0].lower(), [float(p) for p in parts[1:]]
    if kind == "fixed" and len(numbers) == 1:
        return {"type": "fixed", "ms": numbers[0]}
    if kind == "uniform" and len(numbers) == 2:
        return {"type": "uniform", "min": numbers[0], "max": numbers[1]}
    if kind == "lognormal" and len(numbers) in (2, 3):
        out: dict[str, Any] = {"type": "lognormal", "median": numbers[0], "sigma": numbers[1]}
        if len(numbers) == 3:
            out["max"] = numbers[2]
        return out
    raise ValueError(value)
