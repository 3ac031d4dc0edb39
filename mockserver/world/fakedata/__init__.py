"""Seeded, realistic fake data by index: users, tag values and service hooks.

Each factory returns ``make(i)``, a pure function of the scenario's seed, the project (the
``owner``, ``"<org>/<project>"``), the spec and ``i``: the same on every machine and run, and
safe to call from several threads at once. Nothing is produced until asked for, so a factory of
a million users costs what one of ten does, and item 999,999 costs what item 0 does.

How item *i* stays a pure function of *i*:

- every random choice comes from a hash of ``(seed, owner, what, i)`` (``hashlib``; Python's
  ``hash()`` is salted per process);
- Faker (names, IPv4 addresses, free email providers) is one instance per factory, re-seeded
  with ``seed_instance`` from such a hash before each item, under the factory's lock. ``Faker.seed``
  (which reseeds every Faker in the process) is never called;
- uniqueness comes by construction, not by remembering what was produced: numbers inside email
  addresses, usernames, identifiers, short shas and URLs are bijections of *i*;
- orderings come from closed forms: the *i*-th user or tag value was last seen
  ``spread * g((i + jitter) / n)`` before the anchor, with ``g`` increasing, so that item *i* needs
  no other item.

The spec keys are documented in ``schemas/scenario-generate.json``.
"""

from __future__ import annotations

from mockserver.world.fakedata._common import DEFAULT_EVENTS_PER_HOUR
from mockserver.world.fakedata._common import DEFAULT_IDENTIFIERS
from mockserver.world.fakedata._common import DEFAULT_LOCALE
from mockserver.world.fakedata._common import ENVIRONMENTS
from mockserver.world.fakedata._common import LEVELS
from mockserver.world.fakedata._common import TAG_KINDS
from mockserver.world.fakedata.hooks import hook_factory
from mockserver.world.fakedata.tagvalues import tag_family_size
from mockserver.world.fakedata.tagvalues import tag_kind
from mockserver.world.fakedata.tagvalues import tag_value_factory
from mockserver.world.fakedata.users import user_factory
from mockserver.world.fakedata.users import user_tag_value

__all__ = [
    "DEFAULT_EVENTS_PER_HOUR",
    "DEFAULT_IDENTIFIERS",
    "DEFAULT_LOCALE",
    "ENVIRONMENTS",
    "LEVELS",
    "TAG_KINDS",
    "hook_factory",
    "tag_family_size",
    "tag_kind",
    "tag_value_factory",
    "user_factory",
    "user_tag_value",
]
