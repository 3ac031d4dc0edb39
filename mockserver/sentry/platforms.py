"""Platform ids Sentry accepts for a project: the enum of ``schemas/platform.json``, the one
list that both the update validation and the OpenAPI document use."""

from __future__ import annotations

import json

from mockserver.resources import schemas_dir

PLATFORMS: frozenset[str] = frozenset(
    json.loads((schemas_dir() / "platform.json").read_text(encoding="utf-8"))["enum"]
)
