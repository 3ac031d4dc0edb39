"""Compact JSON as Sentry writes it (``mockserver.sentry.jsontext``)."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from mockserver.sentry import jsontext

VALUES: list[Any] = [
    {"id": "2", "name": "Pump Station", "isBookmarked": False, "team": None},
    {"nested": [{"a": [1, 2.5, -3e-7, 10**20]}, [], {}], "emoji": "café 🚀", "ctl": '\x00\n"'},
    ["a", 1, 1.0, True, None],
    "top-level text with \u2028",
    12,
    0.1,
]


@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("accelerated", [True, False])
def test_dumps_writes_what_json_dumps_writes_with_drfs_options(
    value: Any, accelerated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not accelerated:
        monkeypatch.setattr(jsontext, "_C_ENCODER", None)
    expected = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    assert jsontext.dumps(value) == expected


@pytest.mark.parametrize("accelerated", [True, False])
def test_dumps_refuses_what_json_cannot_hold(
    accelerated: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not accelerated:
        monkeypatch.setattr(jsontext, "_C_ENCODER", None)
    with pytest.raises(ValueError, match="Out of range float values are not JSON compliant"):
        jsontext.dumps({"x": [math.nan]})
    with pytest.raises(TypeError, match="is not JSON serializable"):
        jsontext.dumps({"x": {1, 2}})
