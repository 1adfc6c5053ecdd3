"""Bearer-token authentication, as one swappable dependency.

Users, roles and hashed tokens come later; whatever replaces :class:`TokenAuth` only
has to implement :class:`Authenticator`: given the token a request carries, say who it
is or refuse.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Protocol

from thingmind.api._errors import ApiError, ErrorCode

TOKEN_QUERY = "token"  # noqa: S105  (a parameter name, not a secret)
"""The query parameter a WebSocket carries its token in (browsers cannot set headers)."""


class Authenticator(Protocol):
    """Decides who a token belongs to."""

    def authenticate(self, token: str | None) -> str:
        """Return who the token belongs to.

        Args:
            token: The bearer token the request carried, or None.

        Returns:
            The user, e.g. ``owner``.

        Raises:
            ApiError: ``unauthorized`` when the token is missing or wrong.
        """
        ...


class TokenAuth:
    """One shared secret token; whoever holds it is the site's owner."""

    def __init__(self, token: str, *, user: str = "owner") -> None:
        """Accept one token.

        Args:
            token: The secret, at least 8 characters.
            user: Who holds it.

        Raises:
            ValueError: When the token is too short.
        """
        if len(token) < 8:
            msg = f"a token needs at least 8 characters, got {len(token)}"
            raise ValueError(msg)
        self._token = token.encode("utf-8")
        self._user = user

    @staticmethod
    def generate() -> str:
        """Return a new random token (URL-safe, 32 characters)."""
        return secrets.token_urlsafe(24)

    def authenticate(self, token: str | None) -> str:
        """Return the owner when ``token`` is the secret (compared in constant time).

        Raises:
            ApiError: ``unauthorized`` when the token is missing or wrong.
        """
        if not token:
            msg = "a bearer token is needed (header `Authorization: Bearer <token>`)"
            raise ApiError(
                401, ErrorCode.UNAUTHORIZED, msg, field="header.authorization"
            )
        if not hmac.compare_digest(token.encode("utf-8"), self._token):
            msg = "the token is not valid"
            raise ApiError(
                401, ErrorCode.UNAUTHORIZED, msg, field="header.authorization"
            )
        return self._user


def bearer_token(authorization: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, or None.

    Args:
        authorization: The header's value.

    Returns:
        The token, or None when the header is missing or of another scheme.
    """
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None
