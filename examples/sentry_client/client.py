"""``SentryClient``: typed functions over Sentry's project endpoints, with ``requests``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from sentry_client.models import EventUser
from sentry_client.models import Hook
from sentry_client.models import Project
from sentry_client.models import TagValue


class SentryApiError(Exception):
    """Sentry refused a request.

    :ivar status: the HTTP status.
    :ivar detail: Sentry's ``detail`` message, or the whole body when it has none.
    """

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"Sentry answered {status}: {detail}")
        self.status = status
        self.detail = detail


class SentryClient:
    """A client for one organization's projects.

    :param base_url: e.g. ``https://sentry.io`` (or the mock's URL in tests).
    :param token: an auth token with the ``project:*`` scopes the calls need.
    :param timeout: seconds per request.
    """

    def __init__(self, base_url: str, token: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def close(self) -> None:
        """Close the connections."""
        self.session.close()

    def __enter__(self) -> SentryClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _url(self, org: str, project: str, rest: str = "") -> str:
        return f"{self.base_url}/api/0/projects/{quote(org)}/{quote(project)}/{rest}"

    def _call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        response = self.session.request(method, url, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = response.text
            detail = body.get("detail", body) if isinstance(body, dict) else body
            raise SentryApiError(response.status_code, detail)
        return response

    def _pages(self, url: str, params: dict[str, Any]) -> Iterator[Any]:
        """Every item of a paginated list, following ``Link: <…>; rel="next"; results="true"``."""
        next_url: str | None = url
        while next_url is not None:
            response = self._call("GET", next_url, params=params)
            yield from response.json()
            params = {}  # the next link carries the query string
            link = response.links.get("next")
            next_url = link["url"] if link and link.get("results") == "true" else None

    def project(self, org: str, project: str) -> Project:
        """The project's details."""
        return Project.from_json(self._call("GET", self._url(org, project)).json())

    def stats(
        self,
        org: str,
        project: str,
        *,
        stat: str = "received",
        since: int | None = None,
        until: int | None = None,
        resolution: str | None = None,
    ) -> list[tuple[int, int]]:
        """Event counts as ``(timestamp, count)`` pairs, oldest first."""
        params: dict[str, Any] = {"stat": stat}
        for name, value in (("since", since), ("until", until), ("resolution", resolution)):
            if value is not None:
                params[name] = value
        body = self._call("GET", self._url(org, project, "stats/"), params=params).json()
        return [(int(ts), int(count)) for ts, count in body]

    def users(
        self, org: str, project: str, *, query: str | None = None, per_page: int = 100
    ) -> Iterator[EventUser]:
        """The users seen in the project's events, most recent first, every page."""
        params: dict[str, Any] = {"per_page": per_page}
        if query:
            params["query"] = query
        for item in self._pages(self._url(org, project, "users/"), params):
            yield EventUser.from_json(item)

    def tag_values(
        self, org: str, project: str, key: str, *, query: str | None = None
    ) -> list[TagValue]:
        """Every value of a tag key, most recently seen first."""
        params = {"query": query} if query else {}
        url = self._url(org, project, f"tags/{quote(key)}/values/")
        return [TagValue.from_json(item) for item in self._pages(url, params)]

    def create_hook(self, org: str, project: str, url: str, events: list[str]) -> Hook:
        """Register a service hook for the project."""
        body = {"url": url, "events": events}
        response = self._call("POST", self._url(org, project, "hooks/"), json=body)
        return Hook.from_json(response.json())

    def hooks(self, org: str, project: str) -> list[Hook]:
        """The project's service hooks, newest first."""
        return [Hook.from_json(item) for item in self._pages(self._url(org, project, "hooks/"), {})]
