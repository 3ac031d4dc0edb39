"""Faker for the fake data: made on first use, with only the providers the data draws from.

``Faker(locale)`` adds every provider Faker has for the locale (addresses, banks, credit
cards, ...), importing a module for each, and ``import faker`` itself lists every provider and
locale on disk: together ~60 ms and a few MB that a server pays at start even when it never
generates a user. The fake data calls five methods of two providers (person: ``first_name``,
``last_name``, ``first_romanized_name``; internet: ``free_email_domain``, ``ipv4_public``), so a
factory's Faker holds those two and is made on its first item. A provider draws only from its
generator's ``random``, which ``seed_instance`` seeds, whatever other providers the generator
holds: the values are the ones a full ``Faker(locale)`` draws (tests/world/test_fakers.py
compares the two for every locale the scenario schema allows).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from faker import Faker

PROVIDERS = ("faker.providers.person", "faker.providers.internet")
"""The Faker providers the fake data draws from."""


def make_faker(locale: str) -> Faker:
    """A Faker of ``locale`` with only :data:`PROVIDERS` (imports Faker on first use)."""
    from faker import Faker

    return Faker(locale, providers=list(PROVIDERS))


@functools.cache
def _unidecode() -> Callable[[str], str]:
    from faker.decode import unidecode

    return unidecode


def unidecode(text: str) -> str:
    """Faker's transliteration of ``text`` to ASCII (imports Faker on first use)."""
    return _unidecode()(text)
