"""The cross-site guard of the admin API: a web page cannot change the mock.

A page on any site a developer visits can make the browser send a "simple" request to
``http://127.0.0.1:8000`` without asking first (no CORS preflight): a ``POST`` with a
``text/plain``, form or multipart body, or none. The admin API answers no preflight, so every
other request from a page is stopped by the browser; these must be stopped here. So a
state-changing call (``POST``, ``PUT``, ``PATCH``, ``DELETE`` under ``/__admin/``) is refused:

- 403 when the browser says it comes from another site (``Sec-Fetch-Site: cross-site`` or
  ``same-site``), or names an ``Origin`` that is not the server's own;
- 415 when its body is one of the simple content types (``text/plain``,
  ``application/x-www-form-urlencoded``, ``multipart/form-data``), which only a page needs.

curl, scripts and :class:`~mockserver.testing.MockServer` send neither header (``curl -X POST
…/__admin/reset`` works as it is), a page served by the mock itself (``/__admin/ui/``) sends
its own origin, and reads (``GET``) stay open.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request
from werkzeug.wrappers import Response

from mockserver.http.pipeline import OWN_PREFIXES
from mockserver.http.responses import problem_response

#: The methods that change the mock's state.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The admin writes a form may make: the inspector's login and logout (no JavaScript needed).
#: Their Origin is still checked; they change nothing but the browser's own cookie.
FORM_PATHS = frozenset({"/__admin/ui/login", "/__admin/ui/logout"})
#: The content types a page can send to another origin without a preflight.
SIMPLE_TYPES = frozenset({"text/plain", "application/x-www-form-urlencoded", "multipart/form-data"})
_ADMIN = OWN_PREFIXES[0]
_HOW = (
    "call the admin API from curl, a script or mockserver.testing.MockServer (they send no "
    "Origin), or from a page this server serves"
)
_DEFAULT_PORTS = {"http": 80, "https": 443}


def refuse_cross_site() -> Response | None:
    """Refuse a state-changing admin call a web page of another site could have sent.

    Register it once, with ``app.before_request(refuse_cross_site)``: it covers every admin
    blueprint, those added later included.
    """
    if request.method not in STATE_CHANGING or not request.path.startswith(_ADMIN):
        return None
    site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if site in ("cross-site", "same-site"):
        return _forbidden(f"the browser sent it from another site (Sec-Fetch-Site: {site})")
    origin = request.headers.get("Origin")
    if origin is not None and _origin(origin) != _origin(request.host_url):
        own = request.host_url.rstrip("/")
        return _forbidden(f"it comes from the page of another origin ({origin!r}, not {own!r})")
    if request.mimetype in SIMPLE_TYPES and request.path not in FORM_PATHS:
        return problem_response(
            "Unsupported Media Type",
            f"{request.method} {request.path} refuses a {request.mimetype} body, which any web "
            "page can send to this server without asking: send JSON (Content-Type: "
            "application/json), or no body at all (curl -X POST "
            f"{request.host_url.rstrip('/')}/__admin/reset)",
            415,
        )
    return None


def _forbidden(why: str) -> Response:
    return problem_response(
        "Forbidden",
        f"cross-site request refused: {request.method} {request.path} changes the mock, and "
        f"{why}; {_HOW}",
        403,
    )


def _origin(url: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of an origin or URL, the port made explicit; ``None`` for what
    is not one (``null``, sent by sandboxed pages and files)."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not scheme or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme)
