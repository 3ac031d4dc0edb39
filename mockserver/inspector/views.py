"""The inspector's pages under ``/__admin/ui/``, and the landing page at ``/``.

Server-rendered (Flask's Jinja templates, autoescaped), read-only without JavaScript; a little
script (``static/inspector.js``) polls :func:`feed` for new journal entries and makes the
writes, through the admin API itself, as same-origin JSON (which its cross-site guard lets
through). With an admin token set, every page needs it: the login form sets a session cookie
(:func:`mockserver.admin.token.session_value`) that the admin API accepts as well.
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import send_from_directory
from flask import url_for
from werkzeug.wrappers import Response

from mockserver.admin.faults import describe_limits
from mockserver.admin.token import has_admin_token
from mockserver.admin.token import require_admin_token
from mockserver.admin.token import session_cookie_name
from mockserver.admin.token import session_value
from mockserver.faults.model import CATALOGUE
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response
from mockserver.http.routes import ROUTES
from mockserver.inspector import present
from mockserver.journal.query import FilterError
from mockserver.journal.query import JournalFilter
from mockserver.state import MockState
from mockserver.state import get_state

bp = Blueprint(
    "inspector",
    __name__,
    url_prefix="/__admin/ui",
    template_folder="templates",
    static_folder="static",
)
landing = Blueprint("landing", __name__)

ROWS = 200
"""Journal rows a page (and one poll) shows at most: the newest."""
POLL_MS = 500
"""How often the journal page asks for new entries (a request appears within this and the
time to draw it)."""
FILTERS = ("method", "status", "route", "violations")
STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")
METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH")
_OPEN = frozenset({"inspector.login"})


@landing.get("/")
def home() -> str:
    """The landing page: where the inspector, the OpenAPI document and the admin API are."""
    return render_template("inspector/landing.html")


@landing.get("/favicon.ico")
def favicon() -> Response:
    """The mock's icon, for every page (and for browsers that ask for it by this name): a tab
    open on the mock does not put a 404 for it in the journal."""
    assert bp.static_folder is not None  # noqa: S101 - given above
    return send_from_directory(
        bp.static_folder, "favicon.svg", mimetype="image/svg+xml", max_age=3600
    )


@bp.before_request
def _guard() -> Response | str | None:
    """The admin API's guard; without the token, the login page (or 401 JSON for the feed).
    The static files need it too: the login and landing pages carry their own style."""
    if request.endpoint in _OPEN:
        return None
    refused = require_admin_token()
    if refused is None:
        return None
    if request.endpoint == "inspector.feed" or refused.status_code != 401:
        return refused
    page = render_template("inspector/login.html", next=request.full_path, wrong=False)
    return Response(page, status=401, content_type="text/html; charset=utf-8")


def _render(template: str, **context: Any) -> str:
    state = get_state()
    return render_template(
        f"inspector/{template}",
        state=state,
        world=state.store.world,
        token_required=state.config.admin_token is not None,
        **context,
    )


# --- the journal -------------------------------------------------------------------------------


def _filters() -> dict[str, str]:
    return {key: request.args.get(key, "") for key in FILTERS}


def _where(filters: dict[str, str]) -> JournalFilter:
    values: dict[str, Any] = {}
    if filters["method"]:
        values["method"] = filters["method"]
    if filters["status"]:
        values["status"] = filters["status"]
    if filters["route"] == "unmatched":
        values["unmatched"] = True
    elif filters["route"]:
        values["route"] = filters["route"]
    if filters["violations"]:
        values["violations"] = True
    return JournalFilter.from_mapping(values)


def _rows(state: MockState, filters: dict[str, str], after: int = 0) -> list[dict[str, Any]]:
    where = _where(filters)
    world, redactor = state.store.world, state.redactor
    newest = [e for e in reversed(state.journal.entries()) if e.seq > after]
    rows: list[dict[str, Any]] = []
    for entry in newest:
        if where.matches(entry):
            rows.append(present.row(entry, world, redactor))
            if len(rows) == ROWS:
                break
    return rows


@bp.get("/")
def journal() -> Response | str:
    """The journal, newest first, with its filters; live with JavaScript."""
    filters = _filters()
    try:
        rows = _rows(get_state(), filters)
    except FilterError as exc:
        return problem_response("Bad Request", str(exc), 400)
    stats = get_state().journal.stats()
    return _render(
        "journal.html",
        rows=rows,
        filters=filters,
        newest=max((r["seq"] for r in rows), default=0),
        last_seq=stats.recorded,
        routes=sorted(ROUTES),
        methods=METHODS,
        status_classes=STATUS_CLASSES,
        poll_ms=POLL_MS,
        stats=stats.to_json(),
    )


@bp.get("/feed")
def feed() -> Response:
    """The rows recorded after ``after`` (a ``seq``) that the filters select, newest first;
    ``reset`` when the journal was cleared since (its newest entry is older than ``after``)."""
    raw = request.args.get("after", "0")
    if not raw.isdigit():
        return problem_response("Bad Request", f"after must be a seq (0 or more), got {raw!r}", 400)
    after = int(raw)
    state = get_state()
    entries = state.journal.entries()
    newest = entries[-1].seq if entries else 0
    reset = newest < after
    try:
        rows = _rows(state, _filters(), 0 if reset else after)
    except FilterError as exc:
        return problem_response("Bad Request", str(exc), 400)
    return json_response({"rows": rows, "newest": newest, "reset": reset})


@bp.get("/requests/<entry_id>")
def entry(entry_id: str) -> Response | str:
    """One request in full."""
    state = get_state()
    found = state.journal.get(entry_id)
    if found is None:
        page = _render("missing.html", entry_id=entry_id)
        return Response(page, status=404, content_type="text/html; charset=utf-8")
    return _render("request.html", d=present.detail(found, state.store.world, state.redactor))


# --- deliveries, faults, scenario, the admin API's words ---------------------------------------


@bp.get("/deliveries")
def deliveries() -> str:
    """Every webhook delivery attempt, newest first, with its signature headers and the
    receiver's answer."""
    attempts = [d.to_json() for d in reversed(get_state().deliverer.deliveries())]
    for attempt in attempts:
        attempt["prettyBody"] = present.pretty(attempt["body"])
    return _render("deliveries.html", deliveries=attempts)


@bp.get("/faults")
def faults() -> str:
    """The fault rules and rate limits in force; switches for presets and rules."""
    state = get_state()
    state.faults.sync(state)
    described = state.faults.describe()
    active = {rule["name"] for rule in described["rules"]}
    presets = [
        {"name": name, "description": CATALOGUE[name].summary if name in CATALOGUE else ""}
        for name in described["builtin"]
    ] + [
        {"name": name, "description": preset.get("description") or ""}
        for name, preset in described["presets"].items()
    ]
    for preset in presets:
        preset["rule"] = f"inspector-{preset['name']}"
        preset["on"] = preset["rule"] in active
    limits = describe_limits()
    # The policy's callers are keyed by token: shown by their kind only.
    limits["callers"] = {present.mask(t): c for t, c in limits.get("callers", {}).items()}
    return _render(
        "faults.html",
        rules=described["rules"],
        presets=presets,
        routes=sorted(ROUTES),
        methods=METHODS,
        limits=state.redactor.strings(limits),
    )


@bp.get("/scenario")
def scenario() -> str:
    """The scenario served: name, seed, organizations, projects, tokens masked."""
    return _render("scenario.html", s=present.scenario(get_state().store.world))


@bp.get("/api")
def api_docs() -> str:
    """The admin API's endpoints, each with the words of its view."""
    endpoints: dict[str, dict[str, Any]] = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith("/__admin/") or rule.rule.startswith("/__admin/ui"):
            continue
        if "<path:" in rule.rule:
            continue
        doc = (current_app.view_functions[rule.endpoint].__doc__ or "").strip()
        found = endpoints.setdefault(rule.rule, {"path": rule.rule, "methods": set(), "docs": []})
        found["methods"].update((rule.methods or set()) - {"HEAD", "OPTIONS"})
        if doc and doc not in found["docs"]:
            found["docs"].append(doc)
    listed = [{**e, "methods": sorted(e["methods"])} for _, e in sorted(endpoints.items())]
    return _render("api.html", endpoints=listed)


# --- the admin token -----------------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | str:
    """The login form (a plain form: no JavaScript needed). A right token sets the session
    cookie and goes back to the page asked for."""
    target = request.values.get("next", "")
    if not target.startswith("/__admin/ui/") or "//" in target or "\\" in target:
        target = url_for("inspector.journal")
    state = get_state()
    token = state.config.admin_token
    if request.method != "POST":
        if token is None or has_admin_token():
            return redirect(target, 303)
        page = render_template("inspector/login.html", next=target, wrong=False)
        return Response(page, status=401, content_type="text/html; charset=utf-8")
    given = request.form.get("token", "")
    if token is None:
        return redirect(target, 303)
    answer = redirect(target, 303)
    if not has_admin_token() and not hmac.compare_digest(given.strip().encode(), token.encode()):
        page = render_template("inspector/login.html", next=target, wrong=True)
        return Response(page, status=401, content_type="text/html; charset=utf-8")
    answer.set_cookie(
        session_cookie_name(),
        session_value(token),
        httponly=True,
        samesite="Strict",
        path="/__admin/",
    )
    return answer


@bp.post("/logout")
def logout() -> Response:
    """Forget the session cookie."""
    answer = redirect(url_for("inspector.journal"), 303)
    answer.delete_cookie(session_cookie_name(), path="/__admin/")
    return answer
