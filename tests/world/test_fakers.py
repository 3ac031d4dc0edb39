"""The fake data's Faker (two providers, made on first use) draws what a full Faker draws."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC
from datetime import datetime
from typing import Any

import pytest
from faker import Faker

from mockserver.resources import schemas_dir
from mockserver.world import fakedata
from mockserver.world.fakedata import users
from mockserver.world.fakedata.fakers import make_faker

# Every locale a scenario may ask for (the users block's enum).
LOCALES: list[str] = json.loads((schemas_dir() / "scenario-generate.json").read_text())["$defs"][
    "users"
]["properties"]["locale"]["enum"]
SEEDS = (0, 1, 7, 2**63 + 11, 123_456_789_012)


def _draws(faker: Any, seed: int) -> list[str]:
    """What users.py and hooks.py draw for one item, in their order (both branches of each)."""
    faker.seed_instance(seed)
    drawn = []
    if hasattr(faker, "first_romanized_name"):
        drawn += [faker.first_romanized_name(), faker.last_romanized_name()]
    drawn += [faker.first_name(), faker.last_name(), faker.free_email_domain()]
    drawn += [faker.last_name(), faker.ipv4_public()]
    return drawn


@pytest.mark.slow
# Faker's own deprecation of a locale the schema still allows (the mock warns the same).
@pytest.mark.filterwarnings("ignore:fr_QC locale is deprecated")
def test_every_locale_draws_the_same_values_as_a_full_faker() -> None:
    assert len(LOCALES) > 100  # the enum was found
    for locale in LOCALES:
        full, light = Faker(locale), make_faker(locale)
        assert hasattr(light, "first_romanized_name") == hasattr(full, "first_romanized_name")
        for seed in SEEDS:
            assert _draws(light, seed) == _draws(full, seed), (locale, seed)


@pytest.mark.parametrize("method", ["address", "company", "credit_card_number", "paragraph"])
def test_the_light_faker_holds_only_the_providers_drawn_from(method: str) -> None:
    # The point of it: no address, company, bank or lorem provider is made (nor imported).
    assert not hasattr(make_faker("en_US"), method)
    assert callable(getattr(Faker("en_US"), method))


def test_generated_users_match_those_drawn_with_a_full_faker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def build(make: Callable[[str], Any]) -> list[Any]:
        monkeypatch.setattr(users, "make_faker", make)
        factory = fakedata.user_factory(
            seed=5,
            owner="acme/web",
            anchor=datetime(2024, 1, 15, tzinfo=UTC),
            spec={"generate": 50, "locale": "ja_JP"},
        )
        return [factory(i) for i in range(50)]

    assert build(make_faker) == build(Faker)
