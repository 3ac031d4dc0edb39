"""Sentry's API rate limiter (sentry-behavior.md §0.7), as ``RatelimitMiddleware`` applies it.

A fixed window per caller, endpoint and method, counted the way Sentry's Redis limiter counts
(``INCR`` on a key per window: rejected requests count too), the concurrent limit (requests in
flight), the five ``X-Sentry-Rate-Limit-*`` headers on every answer, and the 429 whose body is a
JSON *string* in a plain Django ``HttpResponse``. The limiter runs before authentication, as the
middleware's ``process_view`` does, so even a 401 carries the headers (as sentry.io's do).

What the reference and Sentry's code (``sentry/ratelimits/utils.py``, ``types/ratelimit.py``,
``middleware/ratelimit.py``) fix, and this module copies:

- the key is ``<category>:<group>:[<View>:]<METHOD>:<id>``: the view name only when the endpoint
  has limits of its own, so every other endpoint shares one window per caller and method;
- the category is ``user`` for user tokens, ``org`` for internal-integration (sentry app) tokens,
  ``ip`` for org auth tokens, API keys, anonymous and invalid credentials;
- ``Remaining`` is ``limit - current`` (``current`` counting this request) or 0 once limited;
  ``Reset`` is the start of the next window, ``(int(now / window) + 1) * window``;
- the concurrent limiter runs only when the window allows the request; in flight counts include
  this request; a window-limited answer has no concurrent count, which Django writes as the
  header value ``None`` (``HttpResponse.__setitem__`` stringifies whatever it is given);
- only window limits answer 429 unless concurrent limits are enforced
  (``ENFORCE_CONCURRENT_RATE_LIMITS``, off by default);
- the 429 gets the CORS headers with only the request's method allowed.

This module holds the policies, the windows and the answers; :mod:`mockserver.faults.stage` puts the
limiter in the request pipeline (first, before authentication) and gives each app its own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any

from werkzeug.wrappers import Response

from mockserver.http.auth import ORG_TOKEN_PREFIX
from mockserver.http.routes import ROUTES
from mockserver.http.routes import route_name
from mockserver.timefmt import Clock
from mockserver.world.model import Token

GROUP = "default"
MESSAGE = (
    "You are attempting to use this endpoint too frequently. Limit is {limit} requests in "
    "{window} seconds"
)
# Django's default for a plain HttpResponse (DEFAULT_CONTENT_TYPE + DEFAULT_CHARSET).
CONTENT_TYPE_429 = "text/html; charset=utf-8"
ALL_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class Category(StrEnum):
    """Sentry's ``RateLimitCategory``: who is counted."""

    IP = "ip"
    USER = "user"
    ORG = "org"


@dataclass(frozen=True, slots=True)
class Limit:
    """Sentry's ``RateLimit``: ``limit`` requests per ``window`` seconds, ``concurrent`` in flight.

    :ivar concurrent: ``None`` for no concurrent limit (the headers then say ``None``).
    """

    limit: int
    window: int
    concurrent: int | None = None

    def to_json(self) -> dict[str, int | None]:
        """The limit as the scenario writes it."""
        return {"limit": self.limit, "window": self.window, "concurrent": self.concurrent}


@dataclass(frozen=True, slots=True)
class RouteLimit:
    """A limit of one endpoint for some methods and categories.

    :ivar route: a route name, or ``"*"`` for every route (and paths no route serves).
    :ivar methods: the methods it applies to; ``None`` for all.
    """

    route: str
    methods: frozenset[str] | None
    categories: frozenset[Category]
    limit: Limit

    def applies(self, route: str | None, method: str, category: Category) -> bool:
        """Whether this limit is the one for a request."""
        return (
            self.route in ("*", route)
            and (self.methods is None or method in self.methods)
            and category in self.categories
        )


SAAS_DEFAULT = Limit(40, 1, 25)
"""sentry.io's default, as observed (40 per second, 25 in flight)."""
SENTRY_DEFAULT = Limit(999, 1, 999)
"""``SENTRY_RATELIMITER_DEFAULT`` and ``SENTRY_CONCURRENT_RATE_LIMIT_DEFAULT``."""
_EVERY = frozenset(Category)
_GET = frozenset({"GET"})
SAAS_ROUTES: tuple[RouteLimit, ...] = (
    # project_stats.py: IP, USER and ORG 5 per second.
    RouteLimit("project-stats", _GET, _EVERY, Limit(5, 1, 25)),
    # project_users.py: ORG 5 per minute; the other categories keep the group default, but in
    # the endpoint's own window (its view name is in the key).
    RouteLimit("project-users", _GET, frozenset({Category.ORG}), Limit(5, 60, 25)),
    # project_tagkey_values.py: enforce_rate_limit, IP and USER 10/s (10 in flight), ORG 20/s (5).
    RouteLimit(
        "project-tag-values", _GET, frozenset({Category.IP, Category.USER}), Limit(10, 1, 10)
    ),
    RouteLimit("project-tag-values", _GET, frozenset({Category.ORG}), Limit(20, 1, 5)),
)


@dataclass(frozen=True, slots=True)
class Policy:
    """What the limiter enforces.

    :ivar enabled: ``False`` is self-hosted Sentry: no limits and no headers.
    :ivar routes: per-route limits, later entries winning.
    :ivar callers: the category of particular tokens (others: by their prefix).
    :ivar spec: the policy as configured (``"off"``, ``"saas"`` or a mapping), for the admin API.
    """

    enabled: bool
    default: Limit = SAAS_DEFAULT
    routes: tuple[RouteLimit, ...] = ()
    enforce_concurrent: bool = False
    callers: Mapping[str, Category] = field(default_factory=dict)
    spec: Any = "off"

    def limit_for(self, route: str | None, method: str, category: Category) -> tuple[Limit, bool]:
        """The limit of a request, and whether its endpoint has limits of its own.

        An endpoint with limits of its own gets its own window (Sentry adds the view to the key
        when ``has_custom_limit()``), for every method and category, even where it falls back to
        the default limit.
        """
        custom = any(entry.route in ("*", route) for entry in self.routes)
        for entry in reversed(self.routes):
            if entry.applies(route, method, category):
                return entry.limit, custom
        return self.default, custom


OFF = Policy(enabled=False)
SAAS = Policy(enabled=True, default=SAAS_DEFAULT, routes=SAAS_ROUTES, spec="saas")


def parse_policy(spec: Any) -> Policy:
    """A policy from its scenario form (already valid against ``scenario-faults.json``).

    :param spec: ``None`` or ``"off"``, ``"saas"``, or a mapping with ``base``, ``default``,
        ``routes``, ``enforceConcurrent`` and ``callers``.
    :raises ValueError: for what the schema cannot say (a route entry's unknown route).
    """
    if spec is None or spec == "off":
        return OFF
    if spec == "saas":
        return SAAS
    if not isinstance(spec, Mapping):
        raise ValueError(f"rate limits must be 'off', 'saas' or a mapping, got {spec!r}")
    saas = spec.get("base", "saas") == "saas"
    default = SAAS_DEFAULT if saas else SENTRY_DEFAULT
    if "default" in spec:
        raw = spec["default"]
        default = Limit(raw["limit"], raw["window"], raw.get("concurrent", default.concurrent))
    routes = list(SAAS_ROUTES) if saas else []
    for i, raw in enumerate(spec.get("routes", ())):
        name = route_name(raw["route"])
        if name is None:
            raise ValueError(f"routes[{i}].route: no route {raw['route']!r}")
        categories = raw.get("category", list(Category))
        if isinstance(categories, str):
            categories = [categories]
        limit = Limit(raw["limit"], raw["window"], raw.get("concurrent", default.concurrent))
        routes.append(
            RouteLimit(
                name,
                method_set(raw.get("method", "*")),
                frozenset(Category(c) for c in categories),
                limit,
            )
        )
    return Policy(
        enabled=True,
        default=default,
        routes=tuple(routes),
        enforce_concurrent=bool(spec.get("enforceConcurrent", False)),
        callers={token: Category(c) for token, c in spec.get("callers", {}).items()},
        spec=dict(spec),
    )


def parse_option(text: str) -> Any:
    """The ``--rate-limits`` / ``MOCKSERVER_RATE_LIMITS`` syntax, as a scenario ``rateLimits``.

    ``off``, ``saas``, ``LIMIT/WINDOW`` or ``LIMIT/WINDOW/CONCURRENT`` (every endpoint, no
    per-route limits, e.g. ``10/1`` or ``100/60/5``), or a JSON object in the scenario's form.

    :raises ValueError: naming the accepted forms.
    """
    value = text.strip()
    if value.lower() in ("off", "saas"):
        return value.lower()
    if value.startswith("{"):
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not valid JSON: {exc}") from None
        return parsed
    parts = value.split("/")
    if len(parts) in (2, 3) and all(p.strip().isdigit() for p in parts):
        numbers = [int(p) for p in parts]
        default: dict[str, int] = {"limit": numbers[0], "window": numbers[1]}
        if len(numbers) == 3:
            default["concurrent"] = numbers[2]
        if default["window"] < 1:
            raise ValueError("the window is at least 1 second")
        return {"base": "none", "default": default}
    raise ValueError(
        f"{text!r}: use off, saas, LIMIT/WINDOW or LIMIT/WINDOW/CONCURRENT (e.g. 10/1, 100/60/5), "
        "or a JSON object as the scenario's rateLimits"
    )


def method_set(spec: Any) -> frozenset[str] | None:
    """``"*"`` → ``None`` (every method); a method or a list of them → a set."""
    if spec == "*":
        return None
    if isinstance(spec, str):
        return frozenset({spec.upper()})
    return frozenset(str(m).upper() for m in spec)


# --- the limiter -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Caller:
    """Who a request is counted for: Sentry's category and id."""

    category: Category
    ident: str


@dataclass(frozen=True, slots=True)
class Meta:
    """Sentry's ``RateLimitMeta`` for one request.

    :ivar limited: ``"none"``, ``"window"`` or ``"concurrent"`` (``RateLimitType``).
    :ivar concurrent_requests: requests in flight including this one; ``None`` when the window
        limited the request (the concurrent limiter did not run) or there is no concurrent limit.
    """

    key: str
    category: Category
    limited: str
    current: int
    remaining: int
    limit: int
    window: int
    reset: int
    concurrent_limit: int | None
    concurrent_requests: int | None

    @property
    def concurrent_remaining(self) -> int | None:
        """``concurrent_limit - concurrent_requests``, or ``None`` without both."""
        if self.concurrent_limit is None or self.concurrent_requests is None:
            return None
        return self.concurrent_limit - self.concurrent_requests

    def headers(self) -> list[tuple[str, str]]:
        """The five headers, in the order ``process_response`` sets them; ``None`` as Django
        writes it."""
        return [
            ("X-Sentry-Rate-Limit-Remaining", str(self.remaining)),
            ("X-Sentry-Rate-Limit-Limit", str(self.limit)),
            ("X-Sentry-Rate-Limit-Reset", str(self.reset)),
            ("X-Sentry-Rate-Limit-ConcurrentRemaining", str(self.concurrent_remaining)),
            ("X-Sentry-Rate-Limit-ConcurrentLimit", str(self.concurrent_limit)),
        ]

    def to_json(self) -> dict[str, Any]:
        """For the journal and the admin API."""
        return {
            "key": self.key,
            "category": str(self.category),
            "limited": self.limited,
            "current": self.current,
            "remaining": self.remaining,
            "limit": self.limit,
            "window": self.window,
            "reset": self.reset,
            "concurrentLimit": self.concurrent_limit,
            "concurrentRequests": self.concurrent_requests,
        }


class Limiter:
    """Fixed windows and in-flight sets, per app, behind one lock.

    :param clock: the app's clock (``Config.clock``): tests move it by hand, so windows are tested
        without sleeping.
    """

    def __init__(self, clock: Clock, policy: Policy = OFF) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._scenario_policy = policy
        self._baseline_policy: Policy | None = None
        self._runtime_policy: Policy | None = None
        self._windows: dict[str, tuple[int, int]] = {}
        self._in_flight: dict[str, set[str]] = {}

    @property
    def policy(self) -> Policy:
        """The policy in force: set at run time, else from the command line, else the scenario's."""
        return self._runtime_policy or self._baseline_policy or self._scenario_policy

    @property
    def source(self) -> str:
        """Where the policy in force comes from: ``runtime``, ``cli`` or ``scenario``."""
        if self._runtime_policy is not None:
            return "runtime"
        return "cli" if self._baseline_policy is not None else "scenario"

    def set_scenario_policy(self, policy: Policy) -> None:
        """The policy of a (re)loaded scenario; windows start afresh."""
        with self._lock:
            self._scenario_policy = policy
            self._clear()

    def set_baseline_policy(self, policy: Policy | None) -> None:
        """A policy from the command line (``MOCKSERVER_RATE_LIMITS``): beats the scenario's."""
        with self._lock:
            self._baseline_policy = policy
            self._clear()

    def set_runtime_policy(self, policy: Policy | None) -> None:
        """A policy set through the admin API; ``None`` goes back to the baseline."""
        with self._lock:
            self._runtime_policy = policy
            self._clear()

    def reset(self) -> None:
        """Forget every window and in-flight request (the policy stays)."""
        with self._lock:
            self._clear()

    def _clear(self) -> None:
        self._windows.clear()
        self._in_flight.clear()

    def check(self, key: str, category: Category, limit: Limit, uid: str) -> Meta:
        """Count a request, as ``above_rate_limit_check`` does.

        :param uid: the request's id, to take it out of the in-flight set in :meth:`finish`.
        """
        now = self._clock()
        bucket = int(now / limit.window)
        window_key = f"{key}:{limit.window}"
        concurrent_requests: int | None = None
        with self._lock:
            seen_bucket, count = self._windows.get(window_key, (bucket, 0))
            current = (count if seen_bucket == bucket else 0) + 1
            self._windows[window_key] = (bucket, current)
            limited = "window" if current > limit.limit else "none"
            if limited == "none" and limit.concurrent is not None:
                flights = self._in_flight.setdefault(key, set())
                if len(flights) < limit.concurrent:
                    flights.add(uid)
                else:
                    limited = "concurrent"
                concurrent_requests = len(flights)
        return Meta(
            key=key,
            category=category,
            limited=limited,
            current=current,
            remaining=0 if limited == "window" else limit.limit - current,
            limit=limit.limit,
            window=limit.window,
            reset=(bucket + 1) * limit.window,
            concurrent_limit=limit.concurrent,
            concurrent_requests=concurrent_requests,
        )

    def peek(self, key: str, category: Category, limit: Limit) -> Meta:
        """The meta of a request over its window, without counting it."""
        bucket = int(self._clock() / limit.window)
        return Meta(
            key=key,
            category=category,
            limited="window",
            current=limit.limit + 1,
            remaining=0,
            limit=limit.limit,
            window=limit.window,
            reset=(bucket + 1) * limit.window,
            concurrent_limit=limit.concurrent,
            concurrent_requests=None,
        )

    def finish(self, key: str, uid: str) -> None:
        """The request is answered: it is no longer in flight."""
        with self._lock:
            flights = self._in_flight.get(key)
            if flights is not None:
                flights.discard(uid)
                if not flights:
                    del self._in_flight[key]

    def snapshot(self) -> dict[str, Any]:
        """The current windows and in-flight counts, for the admin API."""
        now = self._clock()
        with self._lock:
            windows = [
                {
                    "key": window_key.rsplit(":", 1)[0],
                    "window": int(window_key.rsplit(":", 1)[1]),
                    "count": count,
                    "reset": (bucket + 1) * int(window_key.rsplit(":", 1)[1]),
                }
                for window_key, (bucket, count) in sorted(self._windows.items())
                if bucket == int(now / int(window_key.rsplit(":", 1)[1]))
            ]
            in_flight = {key: len(uids) for key, uids in sorted(self._in_flight.items())}
        return {"windows": windows, "inFlight": in_flight}


def identify(
    authorization: str | None,
    tokens: Mapping[str, Token],
    callers: Mapping[str, Category],
    remote_addr: str | None,
    org: str | None,
) -> Caller:
    """Sentry's ``get_rate_limit_key`` choice of category and id, before authentication.

    Sentry authenticates API tokens ahead of the limiter; a credential that would fail (unknown,
    expired, inactive user, malformed) leaves the request anonymous, counted by IP. A user token
    counts for its user (the token's ``username`` in the scenario: tokens of one user share
    windows), an org token for its address, and a token listed as ``org`` in ``callers`` for its
    organization (its first listed one, else the one in the URL).
    """
    parts = (authorization or "").split()
    token = None
    if len(parts) == 2 and parts[0].lower() == "bearer":
        found = tokens.get(parts[1])
        if found is not None and not found.expired and found.user_active:
            token = found
    address = remote_addr or "unknown"
    if token is None:
        return Caller(Category.IP, address)
    category = callers.get(token.token)
    if category is None:
        category = Category.IP if token.token.startswith(ORG_TOKEN_PREFIX) else Category.USER
    if category is Category.USER:
        return Caller(category, token.username)
    if category is Category.ORG:
        # The installation's organization; a token of several orgs is keyed by the first.
        orgs = sorted(token.organizations) if token.organizations else [org or "unknown"]
        return Caller(category, orgs[0])
    return Caller(category, address)


def rate_limit_key(caller: Caller, route: str | None, method: str, custom: bool) -> str:
    """``<category>:default:[<View>:]<METHOD>:<id>``."""
    declared = ROUTES.get(route or "")
    endpoint = declared.endpoint if declared is not None else (route or "CatchallEndpoint")
    view = f"{endpoint}:" if custom else ""
    return f"{caller.category}:{GROUP}:{view}{method}:{caller.ident}"


def too_many_requests(meta: Meta) -> Response:
    """The middleware's 429: ``orjson.dumps(message)`` in a plain ``HttpResponse``."""
    body = json.dumps(MESSAGE.format(limit=meta.limit, window=meta.window))
    return Response(body, status=429, content_type=CONTENT_TYPE_429)
