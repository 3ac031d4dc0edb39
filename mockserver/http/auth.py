"""Authentication and the scope check, as Sentry's DRF authenticators and permissions do them
(``src/sentry/api/authentication.py``, ``src/sentry/api/permissions.py``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping

from mockserver.errors import ApiError
from mockserver.http.responses import WWW_AUTHENTICATE
from mockserver.world.model import Token

ORG_TOKEN_PREFIX = "sntrys_"  # noqa: S105 - a prefix, not a secret
NOT_PROVIDED = "Authentication credentials were not provided."


def unauthorized(message: str) -> ApiError:
    """A 401 with Sentry's ``WWW-Authenticate`` header (DRF's first authenticator's header)."""
    return ApiError.detail(401, message, {"WWW-Authenticate": WWW_AUTHENTICATE})


def authenticate(header: str | None, tokens: Mapping[str, Token]) -> Token | None:
    """The token of an ``Authorization`` header, or ``None`` for an anonymous request.

    :raises ApiError: 401 with Sentry's message for a malformed or unknown credential.
    """
    if not header:
        return None
    # Django hands DRF the header as bytes and Sentry splits on whitespace (bytes.split()).
    parts = header.split()
    if not parts:
        return None
    scheme = parts[0].lower()
    if scheme == "bearer":
        return _bearer(parts, tokens)
    if scheme == "basic":
        _basic(parts)
    # Token, DSN and any other scheme: no authenticator accepts it, the request is anonymous.
    return None


def _bearer(parts: list[str], tokens: Mapping[str, Token]) -> Token:
    if len(parts) == 1:
        raise unauthorized("Invalid token header. No credentials provided.")
    if len(parts) > 2:
        raise unauthorized("Invalid token header. Token string should not contain spaces.")
    value = parts[1]
    token = tokens.get(value)
    if token is None:
        if value.startswith(ORG_TOKEN_PREFIX):
            raise unauthorized("Invalid org token")
        raise unauthorized("Invalid token")
    if token.expired:
        raise unauthorized("Token expired")
    if not token.user_active:
        raise unauthorized("User inactive or deleted")
    return token


def _basic(parts: list[str]) -> None:
    # Legacy API keys: the mock knows none, so every well-formed key is refused the way
    # Sentry refuses an unknown one (DRF BasicAuthentication messages for malformed ones).
    if len(parts) == 1:
        raise unauthorized("Invalid basic header. No credentials provided.")
    if len(parts) > 2:
        raise unauthorized("Invalid basic header. Credentials string should not contain spaces.")
    try:
        decoded = base64.b64decode(parts[1], validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise unauthorized(
            "Invalid basic header. Credentials not correctly base64 encoded."
        ) from None
    _key, colon, password = decoded.partition(":")
    if not colon:
        raise unauthorized("Invalid basic header. Credentials not correctly base64 encoded.")
    if password:
        # ApiKeyAuthentication only takes "<key>:" with an empty password; anything else
        # is left to the next authenticator, none accepts it, and the request is anonymous.
        return None
    raise unauthorized("API key is not valid")


def check_scopes(token: Token | None, method: str, scope_map: Mapping[str, frozenset[str]]) -> None:
    """``ScopedPermission.has_permission``, run before the project is looked up.

    :raises ApiError: 401 when anonymous, 403 when the token has none of the method's scopes
        (a method absent from the scope map, such as PATCH or HEAD, has none).
    """
    if token is None:
        raise unauthorized(NOT_PROVIDED)
    if not token.scopes & scope_map.get(method, frozenset()):
        raise ApiError.permission_denied()
