"""Service-hook signatures, as Sentry computes them
(``src/sentry/sentry_apps/tasks/service_hooks.py``).

``X-ServiceHook-Signature`` is the lowercase hex HMAC-SHA256 of the exact body bytes, keyed with
the hook's secret. A receiver verifies it with :func:`verify`::

    from mockserver.signing import verify

    if not verify(secret, request.get_data(), request.headers["X-ServiceHook-Signature"]):
        abort(401)
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = ["sign", "verify"]


def sign(secret: str, body: bytes) -> str:
    """The signature Sentry sends for ``body``: hex HMAC-SHA256 keyed with ``secret``."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """Whether ``signature`` is Sentry's signature of ``body``, compared in constant time.

    :param secret: the hook's secret (64 hex characters).
    :param body: the raw request body, exactly as received (not re-encoded JSON).
    :param signature: the ``X-ServiceHook-Signature`` header; ``None`` never verifies.
    """
    if not signature:
        return False
    expected = sign(secret, body)
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode("utf-8"))
