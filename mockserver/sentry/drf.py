"""Django REST Framework's field validation, with its exact messages.

Sentry validates request bodies with DRF serializers; a client that sends the wrong type gets
DRF's field-error dict. These helpers reproduce the fields Sentry uses on the endpoints we mock.
Each returns the cleaned value or raises :class:`FieldError` with DRF's message.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NULL_CHARACTERS = "Null characters are not allowed."
NON_FIELD_ERRORS = "non_field_errors"
MAX_ITEM_ERRORS = 100
"""The most item errors a list field reports (:func:`string_list`)."""
_SURROGATE = re.compile("[\ud800-\udfff]")
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
# Compiled on first use: with IGNORECASE over these unicode ranges the compile takes ~25 ms,
# which every start would pay (only a service hook's URL needs it).
_URL_PATTERN = (
    r"^(?:http|ftp)s?://"
    r"(?:[^\s:@/]+(?::[^\s@/]*)?@)?"
    r"(?:(?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,61}[a-z0-9\u00a1-\uffff])?"
    r"(?:\.(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-))*\.?(?:[a-z\u00a1-\uffff-]{2,63}|xn--[a-z0-9]{1,59})"
    r"|localhost)"
    r"|(?:\d{1,3}\.){3}\d{1,3}"
    r"|\[[0-9a-f:.]+\])"
    r"(?::\d{1,5})?"
    r"(?:[/?#][^\s]*)?$"
)


@functools.cache
def _url_regex() -> re.Pattern[str]:
    return re.compile(_URL_PATTERN, re.IGNORECASE)


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


# What CharField turns into text. A tuple, not ``str | int | float``: the union would be made
# again at each call.
_TEXT_LIKE = (str, int, float)


def char(
    value: Any,
    *,
    max_length: int | None = None,
    allow_blank: bool = False,
    allow_null: bool = False,
    validators: Iterable[Callable[[str], str | None]] = (),
) -> str | None:
    """``CharField``: strings, and numbers turned into strings; whitespace trimmed.

    Then its validators, every failure reported, as DRF does: the length, no NUL character, no
    lone surrogate, and ``validators`` (each returns its message, or ``None`` when satisfied).
    """
    if value is None:
        if allow_null:
            return None
        raise FieldError(NOT_NULL)
    if isinstance(value, bool) or not isinstance(value, _TEXT_LIKE):
        raise FieldError("Not a valid string.")
    text = str(value).strip()
    if not text and not allow_blank:
        raise FieldError(NOT_BLANK)
    errors: list[str] = []
    if max_length is not None and len(text) > max_length:
        errors.append(f"Ensure this field has no more than {max_length} characters.")
    if "\x00" in text:
        errors.append(NULL_CHARACTERS)
    surrogate = _SURROGATE.search(text)
    if surrogate is not None:
        errors.append(f"Surrogate characters are not allowed: U+{ord(surrogate.group()):X}.")
    if text:
        errors.extend(message for check in validators if (message := check(text)) is not None)
    if errors:
        raise FieldError(errors)
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
    if isinstance(value, bool) or not isinstance(value, _TEXT_LIKE):
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


def floating(
    value: Any, *, min_value: float | None = None, max_value: float | None = None
) -> float:
    """``FloatField``: numbers and numeric strings (``float()`` reads them).

    DRF lets ``nan`` and ``inf`` through; the mock refuses them as DRF refuses other
    non-numbers, since a stored ``nan`` could not be answered in JSON.
    """
    if value is None:
        raise FieldError(NOT_NULL)
    if isinstance(value, str) and len(value) > 1000:
        raise FieldError("String value too large.")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise FieldError("A valid number is required.") from None
    if not math.isfinite(number):
        raise FieldError("A valid number is required.")
    if min_value is not None and number < min_value:
        raise FieldError(f"Ensure this value is greater than or equal to {min_value}.")
    if max_value is not None and number > max_value:
        raise FieldError(f"Ensure this value is less than or equal to {max_value}.")
    return number


def json_value(value: Any, *, allow_null: bool = False) -> Any:
    """``JSONField``: any JSON value (``null`` only with ``allow_null``)."""
    if value is None and not allow_null:
        raise FieldError(NOT_NULL)
    return prohibit_surrogates(value)


def url(value: Any) -> str:
    """``URLField``: a CharField that Django's ``URLValidator`` accepts."""
    text = char(value, validators=(_url_error,))
    assert text is not None  # noqa: S101 - char() refuses None unless allow_null
    return text


def _url_error(text: str) -> str | None:
    if len(text) > 2048:
        return "Enter a valid URL."
    return _short_url_error(text)


@functools.lru_cache(maxsize=1024)
def _short_url_error(text: str) -> str | None:
    # Kept for the last 1,024 texts (2 MB at most: longer ones are refused before): Django's
    # URL regex costs ~5% of a POST of a hook, and a suite creates hooks for a few URLs.
    if not _url_regex().match(text) or _bad_port(text):
        return "Enter a valid URL."
    return None


def _bad_port(text: str) -> bool:
    if text.count(":") == 1:
        return False  # the scheme's colon only (the regex matched "scheme://"): no port
    try:
        port = urlsplit(text).port
    except ValueError:
        return True
    return port is not None and port > 65535


def string_list(
    value: Any, *, max_length: int | None = None, child: Callable[[Any], Any] | None = None
) -> list[str]:
    """``ListField(child=CharField())``: child errors are keyed by index, as DRF does, the
    first :data:`MAX_ITEM_ERRORS` of them (DRF reports every one: a body of a million wrong
    items would be answered with tens of megabytes).

    :param child: the child field (default: a ``CharField`` of ``max_length``).
    """
    if value is None:
        raise FieldError(NOT_NULL)
    if isinstance(value, str) or not isinstance(value, list):
        raise FieldError(f'Expected a list of items but got type "{type_name(value)}".')
    if child is None:
        plain = _plain_strings(value, max_length)
        if plain is not None:
            return plain
    items: list[Any] = []
    errors: dict[str, Any] = {}
    for i, item in enumerate(value):
        try:
            text = child(item) if child is not None else char(item, max_length=max_length)
        except FieldError as exc:
            errors[str(i)] = exc.detail
            if len(errors) == MAX_ITEM_ERRORS:
                break
            continue
        items.append(text)
    if errors:
        raise FieldError(errors)
    return items


def _plain_strings(value: list[Any], max_length: int | None) -> list[str] | None:
    """What :func:`char` makes of every item, when every item passes it: strings and numbers,
    none blank, too long, or holding a NUL or a lone surrogate. Checked with C-level
    ``map``, ``join`` and one regex search, so that a list as long as the body limit allows
    costs milliseconds; ``None`` sends the list item by item (for its errors)."""
    if not set(map(type, value)) <= {str, int, float}:
        return None
    texts = list(map(str.strip, map(str, value)))
    if not texts:
        return texts
    lengths = list(map(len, texts))
    if min(lengths) == 0 or (max_length is not None and max(lengths) > max_length):
        return None
    joined = "".join(texts)
    if "\x00" in joined or _SURROGATE.search(joined):
        return None
    return texts


def prohibit_surrogates(value: Any) -> Any:
    """Refuse a JSON value holding a lone surrogate anywhere, in a key or a string.

    DRF's ``CharField`` refuses them; a free-form field (``DictField``, ``JSONField``) passes them
    on, and Sentry then fails (500) to store or render the value. The mock answers the CharField's
    message instead, so that a stored value can always be answered.

    :raises FieldError: ``Surrogate characters are not allowed: U+XXXX.``
    """
    stack = [value]
    while stack:
        node = stack.pop()
        if isinstance(node, str):
            found = _SURROGATE.search(node)
            if found is not None:
                raise FieldError(f"Surrogate characters are not allowed: U+{ord(found.group()):X}.")
        elif isinstance(node, dict):
            stack.extend(node.keys())
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return value


def serializer_data(data: Any) -> dict[str, Any]:
    """The data a DRF ``Serializer`` accepts: a JSON object.

    :raises FieldError: with DRF's non-field message for ``null`` (``No data provided``) or any
        other non-object; callers answer it under :data:`NON_FIELD_ERRORS`.
    """
    if data is None:
        raise FieldError("No data provided")
    if not isinstance(data, dict):
        raise FieldError(f"Invalid data. Expected a dictionary, but got {type_name(data)}.")
    return data


def type_name(value: Any) -> str:
    """The Python type name DRF puts in "Expected a list of items but got type ..."."""
    return type(value).__name__ if value is not None else "NoneType"


def choice(value: Any, choices: Iterable[Any]) -> Any:
    """``ChoiceField``: the value (compared as a string, as DRF does) must be a choice."""
    for option in choices:
        if str(value) == str(option) and not isinstance(value, bool):
            return option
    raise FieldError(f'"{value}" is not a valid choice.')
