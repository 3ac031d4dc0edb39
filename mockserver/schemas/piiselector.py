"""Relay's PII selectors (``safeFields``, and the keys of a PII config's ``applications``).

Sentry checks each of a project's ``safeFields`` with Relay's ``validate_pii_selector``
(``sentry/relay/datascrubbing.py``, ``validate_pii_selectors``), which parses it with the grammar
of Relay's ``relay-pii/src/selector.pest``:

- a path is items joined by ``.``: ``$type`` (a value type such as ``$string`` or ``$user``),
  ``**`` (a deep wildcard, at most once per path), ``*``, an index (digits), a key (a letter or
  ``_``, then letters, digits, ``-`` or ``_``) or a quoted key (``'any text'``, ``''`` for a quote);
- paths combine with ``&&`` (or ``&``), ``||`` (or ``|``), ``!`` (or ``~``) and parentheses;
  spaces are allowed between tokens, not inside them;
- ``freeform``, ``email``, ``sensitive``, ``text``, ``databag`` and ``container`` are legacy names
  accepted as they are.

:func:`selector_error` answers Relay's message for a selector it refuses (the same text Sentry
shows, before it adds the line number), and the schemas' ``relay-pii-selector`` format uses it.
"""

from __future__ import annotations

LEGACY = frozenset({"freeform", "email", "sensitive", "text", "databag", "container"})
# Relay's ValueType names (relay-event-schema/src/processor/attrs.rs), as `$name` accepts them.
VALUE_TYPES = frozenset(
    {
        "string",
        "binary",
        "number",
        "boolean",
        "bool",
        "datetime",
        "array",
        "list",
        "object",
        "event",
        "attachments",
        "replay",
        "error",
        "exception",
        "stack",
        "stacktrace",
        "frame",
        "http",
        "request",
        "user",
        "logentry",
        "message",
        "thread",
        "breadcrumb",
        "log",
        "trace_metric",
        "span",
        "sdk",
        "minidump",
        "heap_memory",
        "stack_memory",
    }
)
_U64_MAX = 2**64 - 1


class _Syntax(Exception):
    """The text is not a selector (Relay's parse error)."""


class _Parser:
    """A recursive descent over the grammar of ``selector.pest`` (PEG: first match wins)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        # Relay parses the whole text first, then walks the tree: the first refusal in document
        # order is reported only when the text parses.
        self.refusal: str | None = None

    def refuse(self, message: str) -> None:
        if self.refusal is None:
            self.refusal = message

    def skip(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    def take(self, *tokens: str) -> bool:
        self.skip()
        for token in tokens:
            if self.text.startswith(token, self.pos):
                self.pos += len(token)
                return True
        return False

    def parse(self) -> None:
        self.or_selector()
        self.skip()
        if self.pos != len(self.text):
            raise _Syntax

    def or_selector(self) -> None:
        self.and_selector()
        while self.take("||", "|"):
            self.and_selector()

    def and_selector(self) -> None:
        self.maybe_not()
        while self.take("&&", "&"):
            self.maybe_not()

    def maybe_not(self) -> None:
        self.take("~", "!")
        self.parenthesis_or_path()

    def parenthesis_or_path(self) -> None:
        if self.take("("):
            self.or_selector()
            if not self.take(")"):
                raise _Syntax
            return
        self.path()

    def path(self) -> None:
        items = [self.path_item()]
        while self.take("."):
            items.append(self.path_item())
            if items[-1] == "**" and items.count("**") == 2:
                self.refuse("deep wildcard used more than once")
        if items == ["*"]:
            self.refuse("wildcard must be part of a path")

    def path_item(self) -> str:
        self.skip()
        text, start = self.text, self.pos
        if text.startswith("$", start):
            end = start + 1
            while end < len(text) and ("a" <= text[end] <= "z" or text[end] == "_"):
                end += 1
            if end == start + 1:
                raise _Syntax
            self.pos = end
            if text[start + 1 : end] not in VALUE_TYPES:
                self.refuse("unknown value")
            return "$"
        if text.startswith("**", start):
            self.pos += 2
            return "**"
        if text.startswith("*", start):
            self.pos += 1
            return "*"
        end = start
        while end < len(text) and "0" <= text[end] <= "9":
            end += 1
        if end > start:
            self.pos = end
            if int(text[start:end]) > _U64_MAX:
                self.refuse("invalid index")
            return "index"
        return self.key()

    def key(self) -> str:
        text, start = self.text, self.pos
        if start < len(text) and (_ascii_alpha(text[start]) or text[start] == "_"):
            end = start + 1
            while end < len(text) and (
                _ascii_alpha(text[end]) or "0" <= text[end] <= "9" or text[end] in "-_"
            ):
                end += 1
            self.pos = end
            return "key"
        if text.startswith("'", start):
            end = start + 1
            length = 0
            while end < len(text):
                if text[end] != "'":
                    end += 1
                    length += 1
                elif text.startswith("''", end):
                    end += 2
                    length += 1
                else:
                    break
            if length == 0 or end >= len(text):
                raise _Syntax
            self.pos = end + 1
            return "key"
        raise _Syntax


def _ascii_alpha(char: str) -> bool:
    return "a" <= char <= "z" or "A" <= char <= "Z"


def selector_error(text: str) -> str | None:
    """Relay's message for a selector it refuses, or ``None`` when the selector is valid.

    The messages are Relay's (``relay_validate_pii_selector``): ``invalid syntax near "<text>"``
    (the selector quoted as Rust's ``{:?}`` does), ``deep wildcard used more than once``,
    ``wildcard must be part of a path``, ``invalid index`` or ``unknown value``.
    """
    if text in LEGACY:
        return None
    parser = _Parser(text)
    try:
        parser.parse()
    except _Syntax:
        return f"invalid syntax near {rust_debug(text)}"
    return parser.refusal


def rust_debug(text: str) -> str:
    """A string as Rust's ``{:?}`` prints it: double quotes, with ``\\``, ``"`` and control
    characters escaped."""
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}
    parts = []
    for char in text:
        if char in escapes:
            parts.append(escapes[char])
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            parts.append(f"\\u{{{ord(char):x}}}")
        else:
            parts.append(char)
    return '"' + "".join(parts) + '"'
