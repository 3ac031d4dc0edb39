"""``--anonymize``: emails, usernames, IP addresses and names replaced by seeded Faker values,
the same original always by the same fake, everywhere it appears.

A user's email in ``users/`` and in the ``user`` tag's ``email:…`` value become the same fake
email, so the recording keeps Sentry's cross-endpoint consistency: the ``user`` tag's values
are still the users' ``tagValue``. Each fake is drawn from a Faker instance seeded
(``seed_instance``, never the global ``Faker.seed``) by a hash of the seed, the kind and the
original, so it does not depend on the order in which values are met; two originals that draw
the same fake are told apart by drawing again. Values of other tag keys that are an IP
address, or the email of a user, are replaced too. The fields Sentry computes from them
(``tagValue``, ``hash``, ``avatarUrl``, ``name``, ``query``) are computed again, as the mock
computes them.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Callable
from typing import Any

from faker import Faker

from mockserver.record.capture import Capture
from mockserver.sentry import serializers
from mockserver.timefmt import from_epoch
from mockserver.world.model import EventUser

LOCALE = "en_US"
# An address whose domain ends in a word: a release's "package@1.2.3" is not one.
_EMAIL = re.compile(r"[^@\s]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_ATTEMPTS = 100


class Anonymizer:
    """Consistent fakes for one recording.

    :param seed: the same seed gives the same fakes.
    """

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._faker = Faker(LOCALE)
        self._fakes: dict[tuple[str, str], str] = {}
        self._taken: set[tuple[str, str]] = set()

    def email(self, value: str) -> str:
        """A fake email address (``example.com``, ``.net`` or ``.org``) for ``value``."""
        return self._fake("email", value, lambda f: f.email(safe=True))

    def username(self, value: str) -> str:
        """A fake username."""
        return self._fake("username", value, lambda f: f.user_name())

    def name(self, value: str) -> str:
        """A fake person's name."""
        return self._fake("name", value, lambda f: f.name())

    def ip(self, value: str) -> str:
        """A fake address of the same family (public IPv4, or IPv6)."""
        try:
            version = ipaddress.ip_address(value).version
        except ValueError:
            version = 4
        make: Callable[[Faker], str] = (
            (lambda f: f.ipv6()) if version == 6 else (lambda f: f.ipv4_public())
        )
        return self._fake("ip", value, make)

    def text(self, value: str, *, emails: bool = True) -> str:
        """``value`` unless it is an email or an IP address, which are replaced.

        :param emails: replace any email; else only those already replaced (a user's).
        """
        if (emails and _EMAIL.fullmatch(value)) or ("email", value) in self._fakes:
            return self.email(value)
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return value
        return self.ip(value)

    def user(self, body: Any) -> Any:
        """A user of ``users/`` with its personal fields replaced and its computed ones
        computed again."""
        if not isinstance(body, dict):
            return body
        out = dict(body)
        replace = {
            "identifier": self.text,
            "username": self.username,
            "email": self.email,
            "ipAddress": self.ip,
        }
        for key, fake in replace.items():
            if isinstance(out.get(key), str) and out[key]:
                out[key] = fake(out[key])
        name = body.get("name")
        if isinstance(name, str) and name:
            if name == body.get("email"):
                out["name"] = out["email"]
            elif name == body.get("username"):
                out["name"] = out["username"]
            else:
                out["name"] = self.name(name)
        computed = serializers.event_user(
            EventUser(
                identifier=_text_or_none(out.get("identifier")),
                username=_text_or_none(out.get("username")),
                email=_text_or_none(out.get("email")),
                ip_address=_text_or_none(out.get("ipAddress")),
                last_seen=from_epoch(0),
            )
        )
        for key in ("tagValue", "hash", "avatarUrl"):
            if key in out:
                out[key] = computed[key]
        return out

    def tag_value(self, key: str, body: Any) -> Any:
        """A tag value with the personal data in it replaced (``email:…`` of the ``user`` key
        as the user's email is)."""
        if not isinstance(body, dict) or not isinstance(body.get("value"), str):
            return body
        out = dict(body)
        value = body["value"]
        if key == "user":
            prefix, sep, rest = value.partition(":")
            fake = {
                "id": self.text,
                "username": self.username,
                "email": self.email,
                "ip": self.ip,
            }.get(prefix)
            if sep and fake is not None:
                rest = fake(rest)
                out["value"] = f"{prefix}:{rest}"
                if "name" in out:
                    out["name"] = rest
                if "query" in out:
                    escaped = rest.replace('"', '\\"')
                    out["query"] = f'user.{prefix}:"{escaped}"'
            return out
        out["value"] = self.text(value, emails=False)
        if out.get("name") == value:
            out["name"] = out["value"]
        return out

    def capture(self, capture: Capture) -> None:
        """Anonymize every user and tag value of a capture, in place (the users first, so
        that their emails are known in every tag)."""
        for project in capture.projects.values():
            project.users = {i: self.user(u) for i, u in project.users.items()}
        for project in capture.projects.values():
            for key, values in project.tags.items():
                renamed = (self.tag_value(key, body) for body in values.values())
                project.tags[key] = {
                    body["value"] if isinstance(body, dict) else str(i): body
                    for i, body in enumerate(renamed)
                }

    def _fake(self, kind: str, value: str, make: Callable[[Faker], str]) -> str:
        known = self._fakes.get((kind, value))
        if known is not None:
            return known
        fake = value
        for attempt in range(_ATTEMPTS):
            self._faker.seed_instance(_stable_int(self.seed, kind, value, attempt))
            fake = make(self._faker)
            if (kind, fake) not in self._taken and fake != value:
                break
        else:  # pragma: no cover - a hundred collisions in a row
            fake = f"{attempt}{fake}"
        self._taken.add((kind, fake))
        self._fakes[(kind, value)] = fake
        return fake


def _stable_int(*parts: object) -> int:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big")


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
