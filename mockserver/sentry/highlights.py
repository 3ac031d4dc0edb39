"""Issue highlights: a project's preset by platform, and the ``highlightContext`` field's checks.

Sentry's ``sentry/issues/highlights.py``: ``get_highlight_preset_for_project`` picks the preset
from the project's platform (mobile platforms, ``sentry/utils/platform_categories.py``
``MOBILE``, get theirs; every other platform, and none, the fallback), and the detailed project
serializer shows it as ``highlightPreset``, and as ``highlightTags``/``highlightContext`` until
the project sets its own (``sentry:highlight_tags``/``sentry:highlight_context``).
"""

from __future__ import annotations

import re
from typing import Any

from mockserver.sentry.drf import FieldError

# sentry/utils/platform_categories.py, MOBILE.
MOBILE = frozenset(
    {
        "android",
        "apple-ios",
        "cordova",
        "capacitor",
        "javascript-cordova",
        "javascript-capacitor",
        "ionic",
        "react-native",
        "flutter",
        "dart-flutter",
        "unity",
        "dotnet-maui",
        "dotnet-xamarin",
        "unreal",
        "java-android",
        "cocoa-objc",
        "cocoa-swift",
    }
)
_TAGS = ("handled", "level")
# A context type Sentry accepts as a key: Sentry's own test (ProjectUpdateTest.
# test_highlight_context) refuses "", "! {} #$%$?" and "bird \n words" and accepts "birdwords",
# "bird-words" and "bird words"; the mock follows the test.
_CONTEXT_KEY = re.compile(r"^[\w\- ]+$")


def highlight_preset(platform: str | None) -> dict[str, Any]:
    """The highlight preset of a project of ``platform`` (a fresh dict: callers may keep it)."""
    if platform in MOBILE:
        return {
            "tags": [*_TAGS, "mobile", "main_thread"],
            "context": {"trace": ["trace_id"], "profile": ["profile_id"], "app": ["name"]},
        }
    return {"tags": [*_TAGS, "url"], "context": {"trace": ["trace_id"]}}


def highlight_context(value: Any) -> dict[str, list[str]]:
    """Sentry's ``HighlightContextField``: a dict of context types to lists of keys, duplicates
    removed.

    Sentry removes duplicates through a ``set`` (the order then varies from run to run); the mock
    keeps each key's first place, so the same request gives the same answer.

    :raises FieldError: ``Expected a dictionary.``, ``Key '<key>' is invalid.`` or
        ``Value for '<key>' must be a list of strings.``
    """
    if not isinstance(value, dict):
        raise FieldError("Expected a dictionary.")
    cleaned: dict[str, list[str]] = {}
    for key, items in value.items():
        if not _CONTEXT_KEY.match(key):
            raise FieldError(f"Key '{key}' is invalid.")
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise FieldError(f"Value for '{key}' must be a list of strings.")
        cleaned[key] = list(dict.fromkeys(items))
    return cleaned
