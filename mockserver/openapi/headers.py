"""The response headers the OpenAPI document describes: pagination, redirects, the
authentication challenge, and the rate limiter's (src/sentry/middleware/ratelimit.py)."""

from __future__ import annotations

from typing import Any

from mockserver.http.responses import WWW_AUTHENTICATE

LINK_PATTERN = (
    r'^<[^>]*>; rel="previous"; results="(?:true|false)"; cursor="[^"]*", '
    r'<[^>]*>; rel="next"; results="(?:true|false)"; cursor="[^"]*"$'
)
HEADERS: dict[str, dict[str, Any]] = {
    "Link": {
        "description": "The previous and next pages: "
        '`<url>; rel="previous"; results="true|false"; cursor="…", <url>; rel="next"; …`.',
        "schema": {"type": "string", "pattern": LINK_PATTERN},
    },
    "Location": {
        "description": "The same path (and query) with the project's new slug.",
        "schema": {"type": "string"},
    },
    "WWW-Authenticate": {
        "description": "Sentry's authentication challenge.",
        "schema": {"const": WWW_AUTHENTICATE},
    },
}
"""By name: the headers some responses carry (``required`` is added per response)."""
# The rate limiter's headers, on every answer while limits are on.
# A window-limited answer has no concurrent count, which Django writes as "None".
_COUNT = {"type": "integer", "minimum": 0}
_COUNT_OR_NONE = {"type": "string", "pattern": "^(?:[0-9]+|None)$"}
RATE_LIMIT_HEADERS: dict[str, dict[str, Any]] = {
    "X-Sentry-Rate-Limit-Remaining": {
        "description": "Requests left in this window (0 once limited).",
        "schema": _COUNT,
    },
    "X-Sentry-Rate-Limit-Limit": {
        "description": "Requests allowed per window.",
        "schema": _COUNT,
    },
    "X-Sentry-Rate-Limit-Reset": {
        "description": "When the next window starts, epoch seconds.",
        "schema": _COUNT,
    },
    "X-Sentry-Rate-Limit-ConcurrentRemaining": {
        "description": "Requests that may still be in flight at once (`None` when limited).",
        "schema": _COUNT_OR_NONE,
    },
    "X-Sentry-Rate-Limit-ConcurrentLimit": {
        "description": "Requests allowed in flight at once.",
        "schema": _COUNT_OR_NONE,
    },
}
"""By name: the rate limiter's headers, documented on every response while limits are on."""
RATE_LIMITED_MEDIA_TYPE = "text/html"
"""The 429 is a plain Django ``HttpResponse``: its JSON string body goes out as text/html."""
