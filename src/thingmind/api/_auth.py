"""Bearer-token authentication, as one swappable dependency.

An :class:`Authenticator` is given the token a request carries and says who it is, or
refuses. :class:`TokenAuth` knows one shared secret (the owner's bootstrap token);
:class:`CredentialsAuth` checks the users' tokens in the store's credentials (argon2id
hashes, rate-limited), with the bootstrap token beside them.
"""

from __future__ import annotations

from collections import OrderedDict
import hashlib
import hmac
import secrets
import threading
import time
from typing import TYPE_CHECKING, Protocol

from thingmind.api._errors import ApiError, ErrorCode

if TYPE_CHECKING:
    from collections.abc import Callable

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


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, ErrorCode.UNAUTHORIZED, message, field="header.authorization")


class TokenVerifier(Protocol):
    """Says whose a token is (``thingmind.store.Credentials``)."""

    def verify_token(self, token: str) -> str | None:
        """Return the token's user, or None (wrong, revoked, backing off)."""
        ...


class CredentialsAuth:
    """Users' tokens from the credentials store, and the owner's bootstrap token.

    Verifying a token costs one argon2id hash (tens of milliseconds), so a token that
    verified is remembered, by its SHA-256, for ``cache_s``: a revoked token stops
    working within that time. Failures are never cached; the store backs them off.
    """

    def __init__(
        self,
        credentials: TokenVerifier,
        *,
        bootstrap: str | None = None,
        bootstrap_user: str = "owner",
        cache_s: float = 30.0,
        cache_size: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Check tokens against the store.

        Args:
            credentials: The credentials store.
            bootstrap: A shared secret that stands for ``bootstrap_user`` (the
                ``--token`` of ``thingmind serve``); None: only stored tokens.
            bootstrap_user: Who the bootstrap token is.
            cache_s: How long a verified token is remembered, seconds (0: never).
            cache_size: How many verified tokens are remembered.
            clock: Monotonic seconds.

        Raises:
            ValueError: When the bootstrap token is shorter than 8 characters.
        """
        self._credentials = credentials
        self._bootstrap = (
            TokenAuth(bootstrap, user=bootstrap_user) if bootstrap else None
        )
        self._cache_s = cache_s
        self._cache_size = cache_size
        self._clock = clock
        self._cache: OrderedDict[bytes, tuple[str, float]] = OrderedDict()
        self._lock = threading.Lock()

    def authenticate(self, token: str | None) -> str:
        """Return who the token belongs to.

        Raises:
            ApiError: ``unauthorized`` when the token is missing, wrong or revoked.
        """
        if not token:
            msg = "a bearer token is needed (header `Authorization: Bearer <token>`)"
            raise _unauthorized(msg)
        if self._bootstrap is not None:
            try:
                return self._bootstrap.authenticate(token)
            except ApiError:
                pass  # not the bootstrap token; perhaps a user's
        key = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
        now = self._clock()
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None and hit[1] > now:
                return hit[0]
            self._cache.pop(key, None)
        user = self._credentials.verify_token(token)
        if user is None:
            msg = "the token is not valid"
            raise _unauthorized(msg)
        if self._cache_s > 0:
            with self._lock:
                self._cache[key] = (user, now + self._cache_s)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        return user

    def forget(self) -> None:
        """Drop every remembered token (after a revocation, say)."""
        with self._lock:
            self._cache.clear()


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
