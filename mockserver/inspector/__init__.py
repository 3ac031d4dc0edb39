"""The inspector: the mock's own web pages, for a person with a browser.

``/__admin/ui/`` shows the journal live (newest first, with filters), one request in full
(headers, pretty bodies, contract violations, near misses, copy as curl), the webhook
deliveries, the faults and rate limits (switch them on and off) and the scenario (reset, load
another); ``/`` is a landing page linking to it, to ``/openapi.json`` and to the admin API's
words. Server-rendered, with a little JavaScript of its own for the live rows and the writes;
everything it needs ships in the package (``templates/``, ``static/``): no build step, no CDN.
"""

from __future__ import annotations

from flask import Flask

from mockserver.inspector.views import bp
from mockserver.inspector.views import landing


def register(app: Flask) -> None:
    """Add the inspector's pages and the landing page to the app."""
    app.register_blueprint(bp)
    app.register_blueprint(landing)
