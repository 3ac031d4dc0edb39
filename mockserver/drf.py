"""Django REST Framework's field validation, with its exact messages.

Sentry validates request bodies with DRF serializers; a client that sends the wrong type gets
DRF's field-error dict. These helpers reproduce the fields Sentry uses on the endpoints we mock.
Each returns the cleaned value or raises :class:`FieldError` with DRF's message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
_TRUE = frozenset(
    {
        "t",
        "T",
        "y",
        "Y",
        "yes",
        "Yes",
        "YES",
        "true",
        "True",
        "TRUE",
        "on",
        "On",
        "ON",
        "1",
        1,
    }
)
_FALSE = frozenset(
    {
        "f",
        "F",
        "n",
        "N",
        "no",
        "No",
        "NO",
        "false",
        "False",
        "FALSE",
        "off",
        "Off",
        "OFF",
        "0",
        0,
    }
)
_DECIMAL = re.compile(r"\.0*\s*$")
# Django's URLValidator, simplified to what it accepts in practice: a scheme of http, https,
# ftp or ftps, a host (name, IPv4 or bracketed IPv6) and optional port and path.
_URL = re.compile(
    r"^(?:http|ftp)s?://"
    r"(?:[^\s:@/]+(?::[^\s@/]*)?@)?"
    r"(?:(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?"
    r"(?:\.(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-))*\.?(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})"
    r"|localhost)"
    r"|(?:\d{1,3}\.){3}\d{1,3}"
    r"|\[[0-9a-f:.]+\])"
    r"(?::\d{1,5})?"
    r"(?:[/?#][^\s]*)?$",
    re.IGNORECASE,
)


class FieldError(Exception):
    """A field's validation failed; ``detail`` is what DRF puts under the field name."""

    def __init__(self, detail: Any) -> None:
        self.detail = detail if isinstance(detail, list | dict) else [detail]
        super().__init__(str(self.detail))


def boolean(value: Any) -> bool:
    """``BooleanField``: DRF's accepted spellings of true and false."""
    try:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    except TypeError:  # unhashable (a list or a dict)
        pass
    if value is None:
        raise FieldError(NOT_NULL)
    raise FieldError("Must be a valid boolean.")


def char(
    value: Any,
    *,
    max_length: int | None = None,
    allow_blank: bool = False,
    allow_null: bool = False,
) -> str | None:
    """``CharField``: strings, and numbers turned into strings; whitespace trimmed."""
    if value is None:
        if allow_null:
            return None
        raise FieldError(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError("Not a valid string.")
    text = str(value).strip()
    if not text and not allow_blank:
        raise FieldError(NOT_BLANK)
    if max_length is not None and len(text) > max_length:
        raise FieldError(f"Ensure this field has no more than {max_length} characters.")
    return text


def integer(
    value: Any,
    *,
    min_value: int | None = None,
    max_value: int | None = None,
    allow_null: bool = False,
) -> int | None:
    """``IntegerField``: ints, integral floats and numeric strings."""
    if value is None or (allow_null and value == ""):
        if allow_null:
            return None
        raise FieldError(NOT_NULL)
    if isinstance(value, str) and len(value) > 1000:
        raise FieldError("String value too large.")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise FieldError("A valid integer is required.")
    try:
        number = int(_DECIMAL.sub("", str(value)))
    except ValueError:
        raise FieldError("A valid integer is required.") from None
    if min_value is not None and number < min_value:
        raise FieldError(f"Ensure this value is greater than or equal to {min_value}.")
    if max_value is not None and number > max_value:
        raise FieldError(f"Ensure this value is less than or equal to {max_value}.")
    return number


def url(value: Any) -> str:
    """``URLField``: a CharField that Django's ``URLValidator`` accepts."""
    text = char(value)
    assert text is not None  # noqa: S101 - char() refuses None unless allow_null
    if len(text) > 2048 or not _URL.match(text) or _bad_port(text):
        raise FieldError("Enter a valid URL.")
    return text


def _bad_port(text: str) -> bool:
    try:
        port = urlsplit(text).port
    except ValueError:
        return True
    return port is not None and port > 65535


def string_list(value: Any, *, max_length: int | None = None) -> list[str]:
    """``ListField(child=CharField())``: child errors are keyed by index, as DRF does."""
    if value is None:
        raise FieldError(NOT_NULL)
    if isinstance(value, str) or not isinstance(value, list):
        raise FieldError(f'Expected a list of items but got type "{type_name(value)}".')
    items: list[str] = []
    errors: dict[str, Any] = {}
    for i, item in enumerate(value):
        try:
            text = char(item, max_length=max_length)
        except FieldError as exc:
            errors[str(i)] = exc.detail
            continue
        assert text is not None  # noqa: S101 - char() refuses None
        items.append(text)
    if errors:
        raise FieldError(errors)
    return items


def type_name(value: Any) -> str:
    """The Python type name DRF puts in "Expected a list of items but got type ..."."""
    return type(value).__name__ if value is not None else "NoneType"


def choice(value: Any, choices: Iterable[Any]) -> Any:
    """``ChoiceField``: the value (compared as a string, as DRF does) must be a choice."""
    for option in choices:
        if str(value) == str(option) and not isinstance(value, bool):
            return option
    raise FieldError(f'"{value}" is not a valid choice.')
