"""The one redactor of everything the journal outputs: the admin API's JSON, the HAR export, the
pytest plugin's report and the messages of failed assertions.

Redaction replaces the credential, not the whole value, so a reader still sees *how* a client
authenticated (``Bearer [redacted]`` vs ``Token [redacted]``):

- the ``Authorization``, ``Proxy-Authorization``, ``Cookie``, ``Set-Cookie`` and
  ``X-Sentry-Auth`` headers;
- JSON keys and query parameters named like a secret (``secret``, ``securityToken``,
  ``api_key``, ...);
- anywhere else (URLs, paths, query strings, other headers, bodies, violation messages, errors),
  every token-shaped string: Sentry's prefixed tokens (``sntryu_`` user, ``sntrys_``
  organization, ``sntrya_`` user application, ``sntryi_`` integration and ``sntryag_`` agent
  tokens, as Sentry's ``AuthTokenType`` names them, and any other ``sntry…_`` prefix), 64-hex
  legacy tokens and hook secrets; and the token values of every scenario the app has served,
  whatever their shape (six characters or more).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

REDACTED = "[redacted]"
#: The shortest literal secret replaced wherever it appears.
MIN_SECRET = 6
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-sentry-auth"}
)
_SECRET_KEY = re.compile(r"(secret|token|password|passwd|api_?key|credentials?)$", re.IGNORECASE)
# No word boundary before a prefixed token: in a URL it may follow a percent-escape
# ("%20sntrys_…"). Its characters include base64's and the percent sign, so a token written
# percent-encoded is replaced whole (what follows it in the same path segment goes too). A
# 64-hex token starts at a word boundary or right after a percent-escape ("%20" is hex too).
# Any key _SECRET_KEY names contains one of these, lowercased.
_SECRET_WORDS = ("secret", "token", "passw", "apikey", "api_key", "credential")
_PREFIX = "sntry"
_HEX_LENGTH = 64
# Tried only where a run of hex digits starts, so that the 32-hex hashes of a page of users do
# not cost a match attempt per digit.
_HEX = re.compile(r"(?<![0-9a-fA-F])[0-9a-fA-F]{64}")
_SHAPED = r"sntry[a-z]{1,2}_[A-Za-z0-9_+/=.%-]+|(?:(?<=%[0-9A-Fa-f]{2})|\b)[0-9a-fA-F]{64}\b"


class Redacted(str):
    """Text that has been through the redactor already (a body): :meth:`Redactor.strings`
    leaves it as it is rather than scan kilobytes again."""

    __slots__ = ()


class Redactor:
    """Replaces credentials in text, headers, query parameters, JSON values and bodies.

    :param secrets: literal values to replace besides the token-shaped ones (a scenario's token
        values); each is also replaced percent-encoded, and only as a whole word. Those shorter
        than :data:`MIN_SECRET` are left to the header and key rules: a scenario's token ``t``
        would otherwise turn every "doesn't" into "doesn'[redacted]".
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self.secrets = frozenset(secret for secret in secrets if len(secret) >= MIN_SECRET)
        literals = {form for secret in self.secrets for form in (secret, quote(secret, safe=""))}
        # Those Sentry-shaped already are need no test of their own in text().
        self._literals = tuple(literal for literal in literals if _PREFIX not in literal)
        alternatives = [_SHAPED]
        if literals:
            ordered = sorted(literals, key=len, reverse=True)  # the longest wins at a position
            words = "|".join(re.escape(literal) for literal in ordered)
            alternatives.append(rf"(?<![A-Za-z0-9_])(?:{words})(?![A-Za-z0-9_])")
        self._pattern = re.compile("|".join(alternatives))
        self._shortest = min([len(_PREFIX) + 1, *map(len, literals)])

    def including(self, secrets: Iterable[str]) -> Redactor:
        """This redactor, also replacing ``secrets`` (``self`` when it already does)."""
        more = frozenset(secret for secret in secrets if len(secret) >= MIN_SECRET)
        return self if more <= self.secrets else Redactor(self.secrets | more)

    def text(self, text: str) -> str:
        """``text`` with every token-shaped substring and known secret replaced."""
        # Most strings hold none: substring tests (in C) spare them the pattern, which tries
        # every position (an export of 10,000 entries passes millions of strings).
        if len(text) < self._shortest:
            return text
        if (
            _PREFIX in text
            or (len(text) >= _HEX_LENGTH and _HEX.search(text) is not None)
            or any(literal in text for literal in self._literals)
        ):
            return self._pattern.sub(REDACTED, text)
        return text

    def header(self, name: str, value: str) -> str:
        """A header value with its credential replaced (an authorization scheme is kept)."""
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            scheme, space, _credential = value.strip().partition(" ")
            if space and lowered.endswith("authorization"):
                return f"{scheme} {REDACTED}"
            return REDACTED
        return self.text(value)

    def headers(self, headers: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Headers with their credentials replaced."""
        return [(self.text(name), self.header(name, value)) for name, value in headers]

    def query(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        """Query parameters with secret-named ones and token-looking values replaced."""
        return [
            (self.text(name), REDACTED if is_secret(name, value) else self.text(value))
            for name, value in pairs
        ]

    def json(self, value: Any) -> Any:
        """A JSON value with secret-named keys' values and token-looking strings replaced."""
        if isinstance(value, dict):
            return {
                self.text(str(key)): REDACTED if is_secret(str(key), item) else self.json(item)
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, raw: bytes) -> bytes:
        """A body with its credentials replaced (JSON re-encoded compactly when something was;
        other text by :meth:`text`; binary kept)."""
        if not raw:
            return raw
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw
        lowered = text.lower()
        if not any(word in lowered for word in _SECRET_WORDS):
            # No key can name a secret: the text rule alone decides, without parsing (a page
            # of users is tens of kilobytes of JSON).
            replaced = self.text(text)
            return raw if replaced is text else replaced.encode()
        try:
            parsed = json.loads(text)
            redacted = self.json(parsed)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to parse or walk
            return self.text(text).encode()
        # Re-encoded only when something was replaced: otherwise the body stays byte for byte.
        if redacted == parsed:
            return raw
        return json.dumps(redacted, separators=(",", ":")).encode()

    def strings(self, value: Any) -> Any:
        """Every string of a JSON-like value, keys included, through :meth:`text`: the last pass
        over an export, so that no field (a route parameter, a violation's message, an error)
        is left out."""
        if isinstance(value, dict):
            return {self.text(str(k)): self.strings(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.strings(item) for item in value]
        if isinstance(value, Redacted):
            return value
        if isinstance(value, str):
            return self.text(value)
        return value


def is_secret(key: str, value: Any) -> bool:
    """Whether ``key`` names a secret (and ``value`` holds one: an empty or null secret reveals
    nothing, and shows the client sent none)."""
    return bool(_SECRET_KEY.search(key)) and value not in (None, "")


#: The redactor of token-shaped values only, for output made without an app's scenario.
PATTERNS = Redactor()
