"""The admin API of the journal and the scenario, under ``/__admin/`` (WireMock's names where the
meaning is the same).

===============================================  ===================================================
``GET /__admin/``                                this list of endpoints
``GET /__admin/health``                          status, version, scenario, journal size
``GET /__admin/requests``                        entries, newest first (filters, ``limit``)
``DELETE /__admin/requests``                     remove the entries the filters select (all if none)
``POST /__admin/requests/find``                  entries matching a JSON filter
``GET|POST /__admin/requests/count``             ``{"count": n}``
``POST /__admin/requests/remove``                remove the entries a JSON filter selects
``GET /__admin/requests/unmatched``              requests no route served
``GET /__admin/requests/unmatched/near-misses``  the routes they were meant for
``GET /__admin/requests/har``                    the journal as HAR 1.2, oldest first
``GET /__admin/requests/{id}``                   one entry (by id, or by ``seq``)
``POST /__admin/near-misses/request``            near-misses of ``{"method", "url"}``
``POST /__admin/reset``                          back to the loaded scenario; journal cleared
``GET|POST /__admin/scenario``                   the loaded scenario; load another (JSON or YAML)
===============================================  ===================================================

Filters (query parameters, or the keys of a JSON object): ``method``, ``path`` (a path, a
route template or a route name), ``status`` (``404`` or ``4xx``), ``since`` (epoch seconds or
ISO 8601), ``unmatched=true``, ``violations=true``, and in JSON also ``query`` and ``json``.
Credentials are redacted in every answer unless ``?redact=false``. When ``Config.admin_token``
is set, every call needs ``Authorization: Bearer <admin token>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from typing import Literal

from flask import Blueprint
from flask import current_app
from flask import request
from werkzeug.wrappers import Response

from mockserver.admin.body import body_kind
from mockserver.admin.body import body_text
from mockserver.admin.body import json_object
from mockserver.admin.reset import reset as reset_state
from mockserver.admin.reset import scenario_info
from mockserver.admin.token import require_admin_token
from mockserver.contract.nearmiss import nearest
from mockserver.errors import ScenarioError
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response
from mockserver.journal import export
from mockserver.journal.journal import Entry
from mockserver.journal.query import FilterError
from mockserver.journal.query import JournalFilter
from mockserver.journal.redaction import Redactor
from mockserver.state import MockState
from mockserver.state import get_state
from mockserver.world.scenario import ScenarioText

bp = Blueprint("journal_admin", __name__, url_prefix="/__admin")
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


class _BadRequest(Exception):
    """An admin call with a bad filter, body or parameter; answered 400 problem+json."""


@bp.errorhandler(_BadRequest)
def _bad_request(error: _BadRequest) -> Response:
    return problem_response("Bad Request", str(error), 400)


@bp.errorhandler(FilterError)
def _bad_filter(error: FilterError) -> Response:
    return problem_response("Bad Request", str(error), 400)


bp.before_request(require_admin_token)


# --- helpers ---------------------------------------------------------------------------------


def _query_filter(extra: Mapping[str, Any] | None = None) -> JournalFilter:
    values: dict[str, Any] = {key: request.args.get(key) for key in request.args}
    values.update(extra or {})
    return JournalFilter.from_mapping(values)


def _body_filter() -> JournalFilter:
    return JournalFilter.from_mapping(json_object(empty=True))


def _redact() -> Redactor | Literal[False]:
    """The app's redactor (which knows the scenarios' tokens), or ``False`` for
    ``?redact=false``."""
    raw = request.args.get("redact", "true").strip().lower()
    if raw in ("true", "1", "yes", ""):
        return get_state().redactor
    if raw in ("false", "0", "no"):
        return False
    raise _BadRequest(f"redact must be true or false, got {raw!r}")


def _limit() -> int | None:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise _BadRequest(f"limit must be a positive integer, got {raw!r}")
    return int(raw)


def _listing(where: JournalFilter) -> Response:
    journal = get_state().journal
    matching = journal.entries(where)
    limit = _limit()
    newest_first = list(reversed(matching))[:limit] if limit else list(reversed(matching))
    redact = _redact()
    stats = journal.stats()
    return json_response(
        {
            "requests": [export.entry_json(e, redact=redact) for e in newest_first],
            "meta": {"total": len(matching), "returned": len(newest_first), **stats.to_json()},
            "requestJournalDisabled": not stats.enabled,
        }
    )


# --- journal ---------------------------------------------------------------------------------


@bp.get("/")
def index() -> Response:
    """The admin endpoints of this app (also those other modules add under ``/__admin/``)."""
    return json_response({"endpoints": _endpoints()})


def _endpoints() -> list[dict[str, Any]]:
    methods: dict[str, set[str]] = {}
    for rule in current_app.url_map.iter_rules():
        if rule.rule.startswith("/__admin/") and "<path:" not in rule.rule:
            methods.setdefault(rule.rule, set()).update(
                (rule.methods or set()) - {"HEAD", "OPTIONS"}
            )
    return [{"path": path, "methods": sorted(methods[path])} for path in sorted(methods)]


@bp.get("/health")
def health() -> Response:
    """WireMock's health answer, with the scenario and the journal's numbers."""
    state = get_state()
    return json_response(
        {
            "status": "healthy",
            "message": "mockserver is ok",
            "version": export.package_version(),
            "strict": state.config.strict,
            "responseValidation": {
                "enabled": state.config.validate_responses,
                "writesEvery": state.config.validate_writes_every,
            },
            "scenario": scenario_info(state.store.world),
            "journal": get_state().journal.stats().to_json(),
            "responseCache": _response_cache(),
        }
    )


def _response_cache() -> dict[str, Any]:
    cache = get_state().response_cache
    if cache is None:
        return {"enabled": False}
    return {"enabled": True, **cache.stats().to_json()}


@bp.get("/requests")
def list_requests() -> Response:
    """The entries the query filters select, newest first; ``limit`` keeps the newest N."""
    return _listing(_query_filter())


@bp.delete("/requests")
def delete_requests() -> Response:
    """Remove the entries the query filters select (every entry when there is none)."""
    where = _query_filter()
    journal = get_state().journal
    removed = journal.remove(where) if where != JournalFilter() else journal.clear()
    return json_response({"removed": removed})


@bp.post("/requests/find")
def find_requests() -> Response:
    """The entries a JSON filter selects, newest first."""
    return _listing(_body_filter())


@bp.route("/requests/count", methods=["GET", "POST"])
def count_requests() -> Response:
    """How many entries a filter (JSON body, or query parameters) selects."""
    where = _body_filter() if request.method == "POST" else _query_filter()
    return json_response({"count": get_state().journal.count(where)})


@bp.post("/requests/remove")
def remove_requests() -> Response:
    """Remove the entries a JSON filter selects."""
    return json_response({"removed": get_state().journal.remove(_body_filter())})


@bp.get("/requests/unmatched")
def unmatched_requests() -> Response:
    """The requests no route served (unknown path, or a method the route does not serve)."""
    return _listing(_query_filter({"unmatched": True}))


@bp.get("/requests/unmatched/near-misses")
def unmatched_near_misses() -> Response:
    """For each unmatched request, the routes it was probably meant for, nearest first."""
    redact = _redact()
    misses: list[dict[str, Any]] = []
    for entry in get_state().journal.entries(_query_filter({"unmatched": True})):
        request_json = export.entry_json(entry, redact=redact)
        for near in nearest(entry.method, entry.path):
            # The suggestion and the reasons quote the request's path.
            found = (
                redact.strings(near.to_json()) if isinstance(redact, Redactor) else near.to_json()
            )
            misses.append({"request": request_json, **found})
    return json_response({"nearMisses": misses})


@bp.get("/requests/har")
def har() -> Response:
    """The entries the query filters select, as a HAR 1.2 log (oldest first)."""
    entries = get_state().journal.entries(_query_filter())
    return json_response(export.har(entries, redact=_redact()))


@bp.get("/requests/<entry_id>")
def get_request(entry_id: str) -> Response:
    """One entry, by id (or by its ``seq``)."""
    entry: Entry | None = get_state().journal.get(entry_id)
    if entry is None:
        return problem_response(
            "Not Found", f"no journal entry {entry_id!r} (evicted, cleared, or never made)", 404
        )
    return json_response(export.entry_json(entry, redact=_redact()))


@bp.post("/near-misses/request")
def near_misses_for_request() -> Response:
    """The routes closest to ``{"method": "GET", "url": "/api/0/…"}``."""
    body = json_object(empty=True)
    method, url = body.get("method", "GET"), body.get("url", body.get("path"))
    if not isinstance(method, str) or not isinstance(url, str) or not url.startswith("/"):
        raise _BadRequest('send {"method": "GET", "url": "/api/0/…"} (url: a path)')
    path = url.split("?", 1)[0]
    return json_response({"nearMisses": [n.to_json() for n in nearest(method, path)]})


# --- state -----------------------------------------------------------------------------------


@bp.post("/reset")
def reset() -> Response:
    """Back to the loaded scenario (clients' changes and deliveries dropped); journal cleared
    (the plain call is answered before Flask, the same way: ``admin/reset.py``)."""
    return json_response(reset_state(get_state()))


@bp.get("/scenario")
def get_scenario() -> Response:
    """The scenario being served."""
    return json_response({"scenario": scenario_info(get_state().store.world)})


@bp.post("/scenario")
def load_scenario() -> Response:
    """Load another scenario: ``{"path": "scenarios/x.yaml"}`` (a file on the server's disk),
    ``{"scenario": {...}}`` (inline) or ``{"default": true}`` (the one the server started
    with); ``"seed"`` overrides its seed. Or the scenario itself as YAML (``Content-Type:
    application/yaml``, ``text/yaml`` or ``application/x-yaml``; ``?seed=N`` overrides its
    seed), read with the limits of a file. Invalid: 400 with the scenario error, and the old
    scenario stays. The journal is kept (``POST /__admin/reset`` clears it).
    """
    state = get_state()
    source: Path | Mapping[str, Any] | ScenarioText
    if body_kind(yaml=True) == "yaml":
        # The body is a scenario file's text: parsed like a file, its errors name the line.
        source, seed = ScenarioText(body_text()), _query_seed()
    else:
        body = json_object(empty=True)
        seed = body.get("seed")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise _BadRequest(f"seed must be an integer, got {seed!r}")
        source = _scenario_source(body, state)
    try:
        world = state.load(source, seed)
    except ScenarioError as exc:
        return problem_response("Invalid scenario", str(exc), 400)
    return json_response({"status": "loaded", "scenario": scenario_info(world)})


def _query_seed() -> int | None:
    raw = request.args.get("seed")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise _BadRequest(f"seed must be an integer, got {raw!r}") from None


def _scenario_source(body: Mapping[str, Any], state: MockState) -> Path | Mapping[str, Any]:
    given = [key for key in ("path", "scenario", "default") if body.get(key) not in (None, False)]
    if len(given) != 1:
        raise _BadRequest(
            'send exactly one of {"path": "<file on the server>"}, {"scenario": {...}} '
            'or {"default": true}'
        )
    key = given[0]
    value = body[key]
    if key == "path":
        if not isinstance(value, str) or not value or not value.isprintable():
            # A NUL (or another control character) names no file, and would reach open().
            raise _BadRequest(f"path must be a file path, got {value!r}")
        if Path(value).suffix not in (".yaml", ".yml"):
            # The admin API reads files on the server's disk: only scenario files, so that a
            # request can never make it parse (and quote from) some other file.
            raise _BadRequest(f"path must be a .yaml or .yml scenario file, got {value!r}")
        return Path(value)
    if key == "scenario":
        if not isinstance(value, dict):
            raise _BadRequest(f"scenario must be an object (an inline scenario), got {value!r}")
        return value
    if value is not True:
        raise _BadRequest(f"default must be true, got {value!r}")
    return state.config.scenario_source


@bp.route("/<path:unknown>", methods=_METHODS)
def unknown_endpoint(unknown: str) -> Response:
    """Anything else under ``/__admin/``: 404 with the list of endpoints."""
    listing = "; ".join(f"{' '.join(e['methods'])} {e['path']}" for e in _endpoints())
    return problem_response(
        "Not Found",
        f"no admin endpoint {request.method} /__admin/{unknown}; known: {listing}",
        404,
    )
