"""Raw entries (journal/raw.py): the request's way keeps the pieces, the journal makes the entry
when first read, the same one the request would have given, and holds no object of the server."""

from __future__ import annotations

import gc
import io
import sys
import weakref
from typing import Any

from mockserver import create_app
from mockserver.config import Config
from mockserver.state import state_of
from tests.conftest import PROJECT
from tests.conftest import TOKEN
from tests.conftest import FakeClock


def environ(path: str, query: str, body: io.BytesIO) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "/mock",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.1.2.3",
        "HTTP_HOST": "mock.test:8000",
        "HTTP_AUTHORIZATION": f"Bearer {TOKEN}",
        "HTTP_X_TRACE": "a",
        "HTTP_ACCEPT": "application/json",
        "CONTENT_TYPE": "",
        "CONTENT_LENGTH": "",
        "wsgi.url_scheme": "http",
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }


def test_the_entry_made_when_read_is_the_requests_and_the_server_objects_are_not_held(
    clock: FakeClock,
) -> None:
    app = create_app(Config(clock=clock, response_cache=False))
    journal = state_of(app).journal
    body = io.BytesIO()
    gone = weakref.ref(body)
    statuses: list[str] = []
    sent = environ(PROJECT, "per_page=2&per_page=3&x=%FF", body)

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return None

    for _ in app.wsgi_app(sent, start_response):
        pass
    assert statuses == ["200 OK"]
    del sent, body
    gc.collect()
    assert gone() is None  # the input stream went with the request

    (entry,) = journal.entries()
    assert (entry.method, entry.scheme, entry.host, entry.root_path, entry.path) == (
        "GET",
        "http",
        "mock.test:8000",
        "/mock",
        PROJECT,
    )
    assert entry.url == f"http://mock.test:8000/mock{PROJECT}?per_page=2&per_page=3&x=%FF"
    # Django's QueryDict reading: every value in order, an invalid escape as U+FFFD.
    assert entry.query == (("per_page", "2"), ("per_page", "3"), ("x", "\ufffd"))
    assert tuple(entry.headers) == (
        ("Host", "mock.test:8000"),
        ("Authorization", f"Bearer {TOKEN}"),
        ("X-Trace", "a"),
        ("Accept", "application/json"),
    )
    assert (entry.client_ip, entry.http_version, entry.status, entry.seq) == (
        "10.1.2.3",
        "HTTP/1.1",
        200,
        1,
    )
    assert entry.id.endswith("-1")
    # Made once: every later read gives the same entry.
    assert journal.entries()[0] is entry
    assert journal.get(entry.id) is entry
