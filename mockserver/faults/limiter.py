"""Sentry's API rate limiter, as ``RatelimitMiddleware`` (``src/sentry/middleware/ratelimit.py``)
applies it.

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

This module holds the windows and who is counted; the policies are in
:mod:`mockserver.faults.limits`, and :mod:`mockserver.faults.stage` puts the limiter in the request
pipeline (first, before authentication) and answers its 429. Each app has its own limiter
(``MockState.limiter``).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mockserver.faults.limits import OFF
from mockserver.faults.limits import Category
from mockserver.faults.limits import Limit
from mockserver.faults.limits import Policy
from mockserver.http.auth import ORG_TOKEN_PREFIX
from mockserver.http.routes import ROUTES
from mockserver.timefmt import Clock
from mockserver.world.model import Token

GROUP = "default"


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

    @property
    def runtime_policy(self) -> Policy | None:
        """The policy set at run time (admin API, ``MockServer.fault``), if any."""
        return self._runtime_policy

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
