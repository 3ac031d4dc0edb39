"""Service hooks by index: realistic https URLs, ids and secrets."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING
from typing import Any

from mockserver.world.fakedata._common import _US
from mockserver.world.fakedata._common import DEFAULT_HOOK_SPREAD
from mockserver.world.fakedata._common import DEFAULT_LOCALE
from mockserver.world.fakedata._common import _ascii_slug
from mockserver.world.fakedata._common import _digest
from mockserver.world.fakedata._common import _Draw
from mockserver.world.fakedata._common import _from_micros
from mockserver.world.fakedata._common import _micros
from mockserver.world.fakedata._common import _stable_int
from mockserver.world.fakedata.fakers import make_faker
from mockserver.world.fakedata.users import _COMPANY_SUFFIXES
from mockserver.world.fakedata.users import _COMPANY_TLDS
from mockserver.world.model import HOOK_EVENTS
from mockserver.world.model import Hook
from mockserver.world.timespec import parse_duration

if TYPE_CHECKING:
    from faker import Faker

# --- hooks ----------------------------------------------------------------------------------------

_HOOK_SUBDOMAINS = (("", 4), ("api.", 3), ("hooks.", 2), ("webhooks.", 2), ("alerts.", 1))
_HOOK_PATHS = (
    "sentry-hook",
    "webhooks/sentry",
    "api/webhooks/sentry",
    "hooks/sentry",
    "integrations/sentry/events",
    "api/v1/hooks/sentry",
    "incoming/sentry",
)
_BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz"
_DEFAULT_HOOK_EVENTS = (
    (HOOK_EVENTS, 55),
    (("event.created",), 30),
    (("event.alert",), 15),
)


def _hook_url(draw: _Draw, company: str) -> str:
    service = draw.weighted((("own", 60), ("zapier", 15), ("site", 10), ("n8n", 10), ("pd", 5)))
    if service == "zapier":
        code = "".join(draw.choice(_BASE36) for _ in range(6))
        return f"https://hooks.zapier.com/hooks/catch/{1_000_000 + draw.below(18_000_000)}/{code}/"
    if service == "site":
        return f"https://webhook.site/{uuid.UUID(int=draw.word() << 64 | draw.word(), version=4)}"
    if service == "n8n":
        return f"https://{company}.app.n8n.cloud/webhook/sentry-{draw.below(10**6):06d}"
    if service == "pd":
        code = "".join(draw.choice(_BASE36) for _ in range(15))
        return f"https://eo{code}.m.pipedream.net"
    host = (
        f"{draw.weighted(_HOOK_SUBDOMAINS)}{company}{draw.weighted(_COMPANY_SUFFIXES)}"
        f".{draw.weighted(_COMPANY_TLDS)}"
    )
    return f"https://{host}/{draw.choice(_HOOK_PATHS)}"


def hook_factory(
    *,
    seed: int,
    owner: str,
    anchor: datetime,
    spec: Mapping[str, Any],
    first_internal_id: int,
) -> Callable[[int], Hook]:
    """Service hooks by index (the ``hooks`` generate block).

    Hook *i* has ``internal_id = first_internal_id + i``; since Sentry lists hooks by internal id,
    newest first, ``date_created`` grows with *i* (microsecond precision, as Sentry's), spread
    over ``spread`` and ending before ``anchor``. The id is a UUID4 hex, the secret 64 hex
    characters, the URL an https endpoint of a company's API or of a webhook service.

    :param seed: the scenario's seed.
    :param owner: the project, ``"<org slug>/<project slug>"``.
    :param anchor: the newest hook was created shortly before it.
    :param spec: the generate block: ``generate``, ``events``, ``status``, ``spread``.
    :param first_internal_id: the internal id of hook 0 (after the literal hooks').
    :returns: ``make(i)``, thread-safe and pure.
    :raises ValueError: if ``spread`` is not a duration or an event is unknown.
    """
    count = max(int(spec.get("generate", 0)), 1)
    spread_us = parse_duration(str(spec.get("spread", DEFAULT_HOOK_SPREAD))) * _US
    events = spec.get("events")
    fixed_events = tuple(sorted(set(events))) if events is not None else None
    if fixed_events is not None and not set(fixed_events) <= set(HOOK_EVENTS):
        raise ValueError(f"hook events must be among {', '.join(HOOK_EVENTS)}: {fixed_events}")
    status = spec.get("status", {"active": 9, "disabled": 1})
    if isinstance(status, str):
        statuses: tuple[tuple[str, int], ...] = ((status, 1),)
    else:
        # Weights may be fractions; a per-mille integer keeps the draw exact.
        statuses = tuple((name, round(float(w) * 1000)) for name, w in sorted(status.items()))
        if sum(w for _, w in statuses) <= 0:
            statuses = (("active", 1),)
    anchor_us = _micros(anchor)
    fakers: list[Faker] = []  # made by the first item, as a user factory's
    lock = threading.Lock()

    def make(index: int) -> Hook:
        if index < 0:
            raise IndexError(index)
        draw = _Draw(seed, owner, "hook", index)
        with lock:
            if not fakers:
                fakers.append(make_faker(DEFAULT_LOCALE))
            fakers[0].seed_instance(_stable_int(seed, owner, "hook-faker", index))
            company = _ascii_slug(fakers[0].last_name()) or "example"
        # Position i + 0.9u (u in [0, 1)) strictly increases with i: so does date_created.
        # The fine scale gives the microseconds a real creation time has.
        scale = 10**9
        position = scale * index + draw.below(scale * 9 // 10)
        before_anchor = spread_us * (scale * count - position) // (scale * count)
        secret = _digest(seed, owner, "hook-secret", index, size=32).hex()
        return Hook(
            id=uuid.UUID(bytes=_digest(seed, owner, "hook-id", index), version=4).hex,
            url=_hook_url(draw, company),
            events=draw.weighted(_DEFAULT_HOOK_EVENTS) if fixed_events is None else fixed_events,
            status=draw.weighted(statuses),
            secret=secret,
            date_created=_from_micros(anchor_us - before_anchor),
            internal_id=first_internal_id + index,
        )

    return make
