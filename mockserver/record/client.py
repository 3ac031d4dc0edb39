"""A client of Sentry's project API for the recorder: JSON answers, every page of a list
through its cursors, Sentry's rate limits respected, and each failure one line.

Rate limits, as sentry.io announces them: an answer whose ``X-Sentry-Rate-Limit-Remaining`` is
``0`` makes the next request wait until ``X-Sentry-Rate-Limit-Reset`` (epoch seconds); a
``429`` waits ``Retry-After`` seconds (or until the reset) and is tried again, at most
:data:`RETRIES` times. A wait longer than ``max_wait`` is not waited: the recording stops with
a message saying so. The waits go through ``sleep``, which tests replace.
"""

from __future__ import annotations

import email.utils
import json
import re
import time
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mockserver.errors import MockServerError
from mockserver.record.http import DEFAULT_TIMEOUT
from mockserver.record.http import Answer
from mockserver.record.http import Upstream
from mockserver.record.http import UpstreamError
from mockserver.record.http import fetch

RETRIES = 3
"""How many times a ``429`` is tried again before the recording gives up."""
DEFAULT_MAX_WAIT = 300.0
"""The longest rate-limit wait, in seconds, before the recording gives up instead."""
PER_PAGE = 100
"""Sentry's largest page."""
MAX_PAGES = 100_000
"""Pages read of one list at most (a cursor that never ends is a broken upstream)."""
USER_AGENT = "sentry-mockserver-recorder"

Fetch = Callable[[str, str, Sequence[tuple[str, str]], bytes], Answer]
"""``fetch(method, target, headers, body)``: one exchange with the upstream."""
Sleep = Callable[[float], None]

_LINK = re.compile(
    r'<(?P<url>[^>]*)>\s*;\s*rel="(?P<rel>\w+)"\s*;\s*results="(?P<results>true|false)"'
    r'\s*;\s*cursor="(?P<cursor>[^"]*)"'
)


class RecordError(MockServerError):
    """The recording cannot go on: the upstream refused, failed or was unreachable. The
    message is one line and never holds the token."""


class Refused(Exception):
    """A list's first page answered an allowed error status (see :meth:`SentryClient.pages`).

    :ivar reply: that answer.
    """

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@dataclass(frozen=True, slots=True)
class Reply:
    """A successful answer: its status, its headers and its JSON body."""

    status: int
    answer: Answer
    data: Any


class SentryClient:
    """Reads a Sentry's project API with one token.

    :param fetch: one exchange with the upstream (:meth:`connect` makes the real one).
    :param token: the bearer token; sent, never shown.
    :param where: the upstream's base URL, for messages.
    :param max_wait: the longest rate-limit wait accepted, in seconds.
    :param sleep: how to wait (``time.sleep``; tests record the waits).
    :param clock: epoch seconds now, to read ``X-Sentry-Rate-Limit-Reset``.
    """

    def __init__(
        self,
        fetch: Fetch,
        token: str,
        *,
        where: str,
        max_wait: float = DEFAULT_MAX_WAIT,
        sleep: Sleep = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._fetch = fetch
        self._headers = (
            ("Authorization", f"Bearer {token}"),
            ("Accept", "application/json"),
            ("User-Agent", USER_AGENT),
        )
        self.where = where
        self.max_wait = max_wait
        self._sleep = sleep
        self._clock = clock
        self._not_before: float | None = None
        self.requests = 0
        self.waited = 0.0

    @classmethod
    def connect(
        cls, url: str, token: str, *, timeout: float = DEFAULT_TIMEOUT, **options: Any
    ) -> SentryClient:
        """A client of the Sentry at ``url`` over HTTP.

        :raises RecordError: for a URL that is not http(s).
        """
        try:
            upstream = Upstream.parse(url)
        except ValueError as exc:
            raise RecordError(str(exc)) from None

        def over_http(
            method: str, target: str, headers: Sequence[tuple[str, str]], body: bytes
        ) -> Answer:
            return fetch(upstream, method, target, headers, body, timeout=timeout)

        return cls(over_http, token, where=upstream.url, **options)

    def get(self, target: str, *, allow: Sequence[int] = ()) -> Reply:
        """``GET target`` (path and query), once the rate limit allows, again after a 429.

        :param allow: statuses besides 200 that are answers, not failures (a 403 for a
            feature the project lacks); their body is parsed when it is JSON.
        :raises RecordError: for another status, a body that is not JSON, an unreachable or
            too slow upstream, or a rate limit that would make it wait too long.
        """
        url = self.where + target
        for attempt in range(RETRIES + 1):
            self._wait_turn(url)
            try:
                answer = self._fetch("GET", target, self._headers, b"")
            except UpstreamError as exc:
                raise RecordError(str(exc)) from None
            self.requests += 1
            self._note_limits(answer)
            if answer.status != 429:
                break
            if attempt == RETRIES:
                raise RecordError(
                    f"{url} still answers 429 (rate limited) after {RETRIES} retries; "
                    "try again later"
                )
            self._wait(self._retry_after(answer), url, "429 Retry-After")
        if answer.status != 200 and answer.status not in allow:
            raise RecordError(_refusal(url, answer))
        return Reply(answer.status, answer, _json(url, answer, strict=answer.status == 200))

    def pages(
        self,
        path: str,
        query: Sequence[tuple[str, str]] = (),
        *,
        max_items: int | None = None,
        on_page: Callable[[int], None] | None = None,
        allow: Sequence[int] = (),
    ) -> list[Any]:
        """Every item of a paginated list, following ``Link``'s ``next`` cursor.

        :param max_items: stop once this many items were read (the rest are not asked for).
        :param on_page: called with the count of items read so far, after each page.
        :param allow: statuses of the first page that mean "no list here" (a 404 for a tag
            key without values, a 403 for a feature the project lacks).
        :raises Refused: when the first page answers one of ``allow``.
        :raises RecordError: as :meth:`get`, or for a page that is not a JSON array.
        """
        items: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            params = [*query, ("per_page", str(PER_PAGE))]
            if cursor is not None:
                params.append(("cursor", cursor))
            target = path + "?" + "&".join(f"{k}={_quote(v)}" for k, v in params)
            reply = self.get(target, allow=allow if cursor is None else ())
            if reply.status != 200:
                raise Refused(reply)
            if not isinstance(reply.data, list):
                raise RecordError(
                    f"{self.where}{target} answered a JSON {type(reply.data).__name__}, "
                    "not the list Sentry answers"
                )
            items += reply.data
            if on_page is not None:
                on_page(len(items))
            if max_items is not None and len(items) >= max_items:
                return items[:max_items]
            cursor = next_cursor(reply.answer.header("Link"))
            if cursor is None or cursor in seen:
                return items
            seen.add(cursor)
        raise RecordError(f"{self.where}{path} has more than {MAX_PAGES} pages; stopped")

    def _wait_turn(self, url: str) -> None:
        """Wait for the window the last answer announced, when it had none left."""
        if self._not_before is None:
            return
        wait = self._not_before - self._clock()
        self._not_before = None
        if wait > 0:
            self._wait(wait, url, "X-Sentry-Rate-Limit-Reset")

    def _wait(self, seconds: float, url: str, why: str) -> None:
        if seconds > self.max_wait:
            raise RecordError(
                f"{url}: the rate limit asks to wait {seconds:g} s ({why}), longer than "
                f"{self.max_wait:g} s; try again later"
            )
        self.waited += seconds
        self._sleep(seconds)

    def _note_limits(self, answer: Answer) -> None:
        remaining = answer.header("X-Sentry-Rate-Limit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            reset = _number(answer.header("X-Sentry-Rate-Limit-Reset"))
            self._not_before = reset if reset is not None else self._clock() + 1.0

    def _retry_after(self, answer: Answer) -> float:
        """Seconds a 429 asks to wait: ``Retry-After`` (seconds or a date), else until the
        window's reset, else one second."""
        self._not_before = None  # the 429's own wait replaces it
        value = answer.header("Retry-After")
        if value is not None:
            seconds = _number(value)
            if seconds is None:
                try:
                    seconds = email.utils.parsedate_to_datetime(value).timestamp() - self._clock()
                except (TypeError, ValueError):
                    seconds = None
            if seconds is not None:
                return max(0.0, seconds)
        reset = _number(answer.header("X-Sentry-Rate-Limit-Reset"))
        if reset is not None:
            return max(0.0, reset - self._clock())
        return 1.0


def next_cursor(link: str | None) -> str | None:
    """The ``next`` cursor of a ``Link`` header when it says there are results, else
    ``None``."""
    for found in _LINK.finditer(link or ""):
        if found["rel"] == "next" and found["results"] == "true":
            return found["cursor"]
    return None


def _quote(value: str) -> str:
    return quote(value, safe=":,")


def _number(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def _json(url: str, answer: Answer, *, strict: bool) -> Any:
    try:
        return json.loads(answer.body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        if not strict:
            return None
        kind = answer.header("Content-Type") or "no Content-Type"
        raise RecordError(
            f"{url} answered {answer.status} with a body that is not JSON ({kind}): "
            f"{_one_line(str(exc))}"
        ) from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _detail(answer: Answer) -> str:
    """What an error answer says: Sentry's ``detail``, else the start of the body."""
    try:
        body = json.loads(answer.body)
    except (ValueError, RecursionError):
        text = answer.body.decode("utf-8", "replace")
        return _one_line(text, 120) or answer.reason or "no body"
    detail = body.get("detail") if isinstance(body, dict) else None
    if isinstance(detail, dict):
        detail = detail.get("message")
    if isinstance(detail, str):
        return _one_line(detail, 120)
    return _one_line(json.dumps(body), 120)


def _refusal(url: str, answer: Answer) -> str:
    status = answer.status
    said = f"{url} answered {status} ({_detail(answer)})"
    if status == 401:
        return f"{said}: the token is refused; check --token or SENTRY_AUTH_TOKEN"
    if status == 403:
        return f"{said}: the token may not read this; it needs the project:read scope"
    if status == 404:
        return f"{said}: no such organization or project here; check --project"
    if 300 <= status < 400 and answer.header("Location"):
        return f"{said}: it moved to {answer.header('Location')} (a renamed project); use that"
    if status >= 500:
        return f"{said}: the upstream failed; try again later"
    return said


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 3] + "..."
