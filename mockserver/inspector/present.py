"""What the inspector shows, made from the mock's own objects: journal rows, one request in
full, a copy-as-curl command, the scenario's summary. Everything here is redacted by the app's
redactor (the scenario's tokens too): the inspector shows a token by its label, never itself.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import Any

from mockserver.contract.nearmiss import nearest
from mockserver.journal import export
from mockserver.journal.entry import Entry
from mockserver.journal.redaction import Redactor
from mockserver.world.model import World

ANONYMOUS = "anonymous"
UNKNOWN_TOKEN = "unknown token"  # noqa: S105 - a label, not a credential
#: Response headers the curl command leaves out: the client sets them itself.
_CURL_SKIP = frozenset({"host", "content-length", "connection", "accept-encoding", "user-agent"})


def token_label(world: World, authorization: str | None) -> str:
    """A token by its place in the scenario and its kind, never its value: ``#1 sntrys_…``."""
    if not authorization:
        return ANONYMOUS
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        return f"{scheme.split()[0][:16]} credentials" if scheme else ANONYMOUS
    value = value.strip()
    if value not in world.tokens:
        return UNKNOWN_TOKEN
    # A label for the page, not an authentication: the position in the scenario.
    return f"#{list(world.tokens).index(value) + 1} {mask(value)}"


def mask(token: str) -> str:
    """A token's kind without its secret: ``sntrys_…`` (``…`` for a token with no prefix)."""
    prefix, underscore, _ = token.partition("_")
    if underscore and prefix.startswith("sntry") and len(prefix) <= 8:
        return f"{prefix}_…"
    return "…"


def row(entry: Entry, world: World, redactor: Redactor) -> dict[str, Any]:
    """One line of the journal: what the list and its live updates show."""
    return {
        "id": entry.id,
        "seq": entry.seq,
        "time": export.iso_time(entry.time),
        "method": entry.method,
        "target": export.target(entry, redact=redactor),
        "route": entry.route_name or "",
        "status": entry.status,
        "statusClass": f"s{entry.status // 100}xx" if entry.status else "s0xx",
        "durationMs": round(entry.duration_ms, 1),
        "token": token_label(world, entry.header("Authorization")),
        "violations": len(entry.errors),
        "warnings": len(entry.violations) - len(entry.errors),
        "faults": [str(f.get("fault") or f.get("rule") or "delay") for f in entry.faults],
    }


def detail(entry: Entry, world: World, redactor: Redactor) -> dict[str, Any]:
    """One request in full: the journal's JSON (redacted), pretty bodies, near misses for an
    unmatched request, and a curl command that repeats it."""
    data = export.entry_json(entry, redact=redactor)
    near = []
    if not entry.matched:
        near = [redactor.strings(n.to_json()) for n in nearest(entry.method, entry.path)]
    return {
        "row": row(entry, world, redactor),
        "entry": data,
        "requestBody": pretty(data["request"].get("body")),
        "responseBody": pretty(data["response"].get("body")),
        "nearMisses": near,
        "curl": curl(data),
    }


def pretty(text: str | None) -> str:
    """A body as it is best read: JSON indented, anything else as it came."""
    if not text:
        return ""
    try:
        return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except ValueError:
        return text


def curl(data: Mapping[str, Any]) -> str:
    """A curl command for a journal entry's JSON (its credentials stay redacted: put yours)."""
    request = data["request"]
    parts = ["curl", "-i"]
    if request["method"] != "GET":
        parts += ["-X", request["method"]]
    parts.append(shlex.quote(request["absoluteUrl"]))
    for name, value in request["headers"].items():
        if name.lower() not in _CURL_SKIP:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = request.get("body")
    if body:
        parts += ["--data-binary", shlex.quote(body)]
    return " ".join(parts)


def scenario(world: World) -> dict[str, Any]:
    """The scenario served: its name, seed, organizations and projects, tokens masked."""
    return {
        "name": world.name,
        "description": world.description,
        "source": world.source,
        "seed": world.seed,
        "organizations": [
            {
                "id": org.id,
                "slug": org.slug,
                "name": org.name,
                "projects": [
                    {"id": p.id, "slug": p.slug, "name": p.name, "platform": p.platform}
                    for p in org.projects
                ],
            }
            for org in world.organizations
        ],
        "tokens": [
            {
                "label": f"#{number} {mask(value)}",
                "scopes": sorted(token.scopes),
                "user": token.username,
                "organizations": (
                    "all" if token.organizations is None else ", ".join(sorted(token.organizations))
                ),
                "expired": token.expired,
            }
            for number, (value, token) in enumerate(world.tokens.items(), start=1)
        ],
    }
