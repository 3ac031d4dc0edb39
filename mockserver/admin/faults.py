"""Admin API for faults and rate limits at run time (``/__admin/faults``,
``/__admin/rate-limits``).

Bodies use the scenario's forms (``schemas/scenario-faults.json``); errors are the mock's own
problem+json, never Sentry's shapes.

- ``GET /__admin/faults``: the rules in force (with how many requests each matched and fired
  on), the scenario's presets and the built-in fault names.
- ``POST /__admin/faults``: add a rule (a scenario rule object); 201 with the rule.
- ``DELETE /__admin/faults``: remove every rule, the scenario's too; ``DELETE
  /__admin/faults/<name>``: remove one.
- ``POST /__admin/faults/reset``: back to the scenario's (and the command line's) rules, every
  count and random draw from the start.
- ``GET /__admin/rate-limits``: the policy in force, where it comes from, and the current
  windows and in-flight counts.
- ``POST /__admin/rate-limits``: set the policy (``"off"``, ``"saas"`` or a scenario
  ``rateLimits`` object); windows start afresh.
- ``DELETE /__admin/rate-limits``: drop the policy set at run time (back to the command line's
  or the scenario's); ``POST /__admin/rate-limits/reset``: forget the windows only.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint
from werkzeug.wrappers import Response

from mockserver.admin.body import json_body
from mockserver.admin.token import require_admin_token
from mockserver.faults.controller import rule_json
from mockserver.faults.model import FaultSpecError
from mockserver.faults.parsing import parse_rate_limits
from mockserver.faults.parsing import schema_problems
from mockserver.http.responses import json_response
from mockserver.http.responses import problem_response
from mockserver.state import get_state

bp = Blueprint("faults_admin", __name__, url_prefix="/__admin")


bp.before_request(require_admin_token)


@bp.get("/faults")
def list_faults() -> Response:
    """The rules in force, the scenario's presets and the built-in faults."""
    ctl = get_state().faults
    ctl.sync(get_state())
    return json_response(ctl.describe())


@bp.post("/faults")
def add_fault() -> Response:
    """Add a rule at run time, after every other rule."""
    body = json_body()
    ctl = get_state().faults
    ctl.sync(get_state())
    problem = schema_problems(get_state().registry, "rule", body)
    if problem:
        return problem_response("Bad Request", f"not a fault rule: {problem}", 400)
    try:
        rule = ctl.add(body)
    except FaultSpecError as exc:
        status = 409 if "exists" in exc.problem else 400
        return problem_response("Conflict" if status == 409 else "Bad Request", str(exc), status)
    return json_response({"rule": rule_json(rule, 0, 0)}, 201)


@bp.delete("/faults")
def clear_faults() -> Response:
    """Remove every rule (``POST /__admin/faults/reset`` brings the scenario's back)."""
    return json_response({"removed": get_state().faults.clear()})


@bp.delete("/faults/<name>")
def remove_fault(name: str) -> Response:
    """Remove one rule by name."""
    if not get_state().faults.remove(name):
        return problem_response("Not Found", f"no fault rule named {name!r}", 404)
    return json_response({"removed": 1})


@bp.post("/faults/reset")
def reset_faults() -> Response:
    """Back to the scenario's and the command line's rules, counts and draws from the start."""
    ctl = get_state().faults
    ctl.reset(get_state())
    return json_response(ctl.describe())


def describe_limits() -> dict[str, Any]:
    """The rate-limit policy in force, its source and the live windows (the admin API's JSON,
    also the inspector's)."""
    limiter = get_state().limiter
    policy = limiter.policy
    return {
        "enabled": policy.enabled,
        "source": limiter.source,
        "policy": policy.spec,
        "default": policy.default.to_json() if policy.enabled else None,
        "routes": [
            {
                "route": entry.route,
                "method": "*" if entry.methods is None else sorted(entry.methods),
                "category": sorted(str(c) for c in entry.categories),
                **entry.limit.to_json(),
            }
            for entry in policy.routes
        ],
        "enforceConcurrent": policy.enforce_concurrent,
        "callers": {token: str(c) for token, c in policy.callers.items()},
        **limiter.snapshot(),
    }


@bp.get("/rate-limits")
def get_rate_limits() -> Response:
    """The policy in force, its source, and the live windows."""
    get_state().faults.sync(get_state())
    return json_response(describe_limits())


@bp.post("/rate-limits")
def set_rate_limits() -> Response:
    """Set the policy: ``"off"``, ``"saas"`` or a scenario ``rateLimits`` object."""
    body = json_body()
    get_state().faults.sync(get_state())
    problem = schema_problems(get_state().registry, "rateLimits", body)
    if problem:
        return problem_response("Bad Request", f"not a rate-limit policy: {problem}", 400)
    try:
        policy = parse_rate_limits(body, get_state().store.world.tokens)
    except FaultSpecError as exc:
        return problem_response("Bad Request", str(exc), 400)
    get_state().limiter.set_runtime_policy(policy)
    return json_response(describe_limits())


@bp.delete("/rate-limits")
def clear_rate_limits() -> Response:
    """Drop the policy set at run time; windows start afresh."""
    get_state().limiter.set_runtime_policy(None)
    return json_response(describe_limits())


@bp.post("/rate-limits/reset")
def reset_rate_limits() -> Response:
    """Forget every window and in-flight count; the policy stays."""
    get_state().limiter.reset()
    return json_response(describe_limits())
