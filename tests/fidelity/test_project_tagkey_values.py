"""Sentry's ``tests/sentry/api/endpoints/test_project_tagkey_values.py``, ported.

Sentry stores an event tagged ``foo=bar``, a second or fifteen days before now; the scenario
gives the tag the value ``bar``, first and last seen then.
"""

from __future__ import annotations

from urllib.parse import quote

from tests.conftest import Api
from tests.fidelity.conftest import Load
from tests.fidelity.conftest import iso
from tests.fidelity.conftest import path
from tests.fidelity.conftest import project
from tests.fidelity.conftest import scenario

DAY = 86400


def _foo_seen(load: Load, seconds_ago: int) -> str:
    seen = iso(seconds_ago)
    value = {"value": "bar", "count": 1, "firstSeen": seen, "lastSeen": seen}
    load(scenario(project(tags={"foo": [value]})))
    return path() + "tags/foo/values/"


def test_simple(api: Api, load: Load) -> None:
    """Sentry: ProjectTagKeyValuesTest.test_simple."""
    url = _foo_seen(load, 1)
    reply = api.get(url)
    assert reply.status == 200
    assert [value["value"] for value in reply.json] == ["bar"]
    assert reply.json[0] == {
        "key": "foo",
        "name": "bar",
        "value": "bar",
        "count": 1,
        "lastSeen": iso(1),
        "firstSeen": iso(1),
    }


def test_query(api: Api, load: Load) -> None:
    """Sentry: ProjectTagKeyValuesTest.test_query."""
    url = _foo_seen(load, 1)
    assert [value["value"] for value in api.get(url + "?query=bar").json] == ["bar"]
    reply = api.get(url + "?query=foo")
    assert (reply.status, reply.json) == (200, [])


def test_statperiod_query(api: Api, load: Load) -> None:
    """Sentry: ProjectTagKeyValuesTest.test_statperiod_query: a value seen fifteen days ago is
    outside the last 14 days, inside the last 30."""
    url = _foo_seen(load, 15 * DAY)
    reply = api.get(url + "?query=bar&statsPeriod=14d")
    assert (reply.status, reply.json) == (200, [])
    reply = api.get(url + "?query=bar&statsPeriod=30d")
    assert (reply.status, [value["value"] for value in reply.json]) == (200, ["bar"])


def test_start_end_query(api: Api, load: Load) -> None:
    """Sentry: ProjectTagKeyValuesTest.test_start_end_query."""
    url = _foo_seen(load, 15 * DAY)

    def window(start: int, end: int) -> str:
        return f"{url}?query=bar&start={quote(iso(start))}&end={quote(iso(end))}"

    reply = api.get(window(14 * DAY, 1))
    assert (reply.status, reply.json) == (200, [])
    reply = api.get(window(16 * DAY, 14 * DAY))
    assert (reply.status, [value["value"] for value in reply.json]) == (200, ["bar"])


def test_invalid_windows(api: Api, load: Load) -> None:
    """Follows get_date_range_from_params (no Sentry test): Sentry raises InvalidParams, which
    this endpoint does not catch (a 500); the mock answers its message with a 400."""
    url = _foo_seen(load, 1)
    for query, detail in (
        ("statsPeriod=soon", "Invalid statsPeriod: 'soon'"),
        ("start=2024-01-01T00:00:00Z", "start and end are both required"),
        ("start=2024-01-02&end=2024-01-01", "start must be before end"),
        ("start=yesterday&end=2024-01-01", "yesterday is not a valid ISO8601 date query"),
    ):
        reply = api.get(f"{url}?{query}")
        assert (reply.status, reply.json) == (400, {"detail": detail})
