"""API tokens and PINs: hashed with argon2id, checked in constant time, rate-limited.

A token reads ``tm_<id>_<secret>``: the public ``id`` finds the row, the secret is
verified against its argon2id hash (argon2-cffi), so a token is never stored. Failed
checks back off exponentially per token id or per user (PINs), so guessing is slow
even before argon2's own cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
import hmac
import logging
import secrets
from typing import TYPE_CHECKING

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from thingmind.core import Clock, SystemClock

if TYPE_CHECKING:
    from thingmind.store._audit import Database

_LOGGER = logging.getLogger(__name__)

TOKEN_PREFIX = "tm"  # noqa: S105  (a format marker, not a secret)
FREE_FAILURES = 3
"""Failures allowed before the back-off starts."""
MAX_BACKOFF = 900.0
"""Longest lock-out after failures (seconds)."""
MAX_USER_ID = 64
"""The longest user id (characters)."""
MAX_LABEL = 200
"""The longest token label (characters)."""
_DUMMY_HASH = PasswordHasher().hash("thingmind-dummy-secret")
"""Verified against when no row matches, so timing does not tell ids apart."""


class CredentialKind(StrEnum):
    """What a credential is."""

    TOKEN = "token"  # noqa: S105
    PIN = "pin"


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenInfo:
    """A stored token, without its secret."""

    id: str
    """Its public id (part of the token)."""
    user: str
    """Whose it is."""
    label: str
    """What it is for ("dashboard")."""
    created: float
    """When it was made (Unix seconds)."""
    revoked: float | None
    """When it was revoked, or None."""


class RateLimiter:
    """Exponential back-off per key after a few failures."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        """Start with no failures."""
        self._clock = clock or SystemClock()
        self._failures: dict[str, int] = {}
        self._until: dict[str, float] = {}

    def blocked(self, key: str) -> float:
        """Return the seconds ``key`` must still wait (0 when it may try)."""
        return max(0.0, self._until.get(key, 0.0) - self._clock.now())

    def failed(self, key: str) -> None:
        """Count a failure; from the fourth on, wait 1, 2, 4 ... seconds (capped)."""
        count = self._failures.get(key, 0) + 1
        self._failures[key] = count
        if count > FREE_FAILURES:
            wait = min(MAX_BACKOFF, 2.0 ** (count - FREE_FAILURES - 1))
            self._until[key] = self._clock.now() + wait

    def succeeded(self, key: str) -> None:
        """Forget the key's failures."""
        self._failures.pop(key, None)
        self._until.pop(key, None)


class Credentials:
    """Tokens and PINs in the store's ``credentials`` table."""

    def __init__(
        self,
        db: Database,
        *,
        clock: Clock | None = None,
        hasher: PasswordHasher | None = None,
    ) -> None:
        """Use a connection (see :func:`thingmind.store.database_for`).

        Args:
            db: The database.
            clock: Time source.
            hasher: The argon2 hasher (defaults: argon2id, RFC 9106 low-memory).
        """
        self._db = db
        self._clock = clock or SystemClock()
        self._hasher = hasher or PasswordHasher()
        self.limiter = RateLimiter(clock=self._clock)

    # -- tokens ------------------------------------------------------------------

    def add_token(self, user: str, *, label: str = "") -> str:
        """Make a new token for a user and return it (shown once, never stored).

        Args:
            user: Whose it is.
            label: What it is for.

        Returns:
            The token, ``tm_<id>_<secret>``.

        Raises:
            ValueError: When the user id or the label is not acceptable.
        """
        check_user_id(user)
        if len(label) > MAX_LABEL or not label.isprintable():
            msg = f"a token label is printable text of at most {MAX_LABEL} characters"
            raise ValueError(msg)
        token_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(24)
        digest = self._hasher.hash(secret)
        with self._db.transaction() as run:
            run(
                "INSERT INTO credentials (id, user_id, kind, hash, label, created) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    token_id,
                    user,
                    CredentialKind.TOKEN.value,
                    digest,
                    label,
                    self._now(),
                ),
            )
        return f"{TOKEN_PREFIX}_{token_id}_{secret}"

    def tokens(self, *, user: str | None = None) -> list[TokenInfo]:
        """List tokens (revoked ones too), oldest first."""
        with self._db.transaction() as run:
            rows = run(
                "SELECT id, user_id, label, created, revoked FROM credentials "
                "WHERE kind = ? ORDER BY created, id",
                (CredentialKind.TOKEN.value,),
            )
        return [
            TokenInfo(
                id=str(r[0]),
                user=str(r[1]),
                label=str(r[2]),
                created=float(r[3]),
                revoked=None if r[4] is None else float(r[4]),
            )
            for r in rows
            if user is None or r[1] == user
        ]

    def revoke(self, token_id: str) -> bool:
        """Revoke a token; return False when there is no such live token."""
        with self._db.transaction() as run:
            live = run(
                "SELECT id FROM credentials WHERE id = ? AND kind = ? "
                "AND revoked IS NULL",
                (token_id, CredentialKind.TOKEN.value),
            )
            if not live:
                return False
            run(
                "UPDATE credentials SET revoked = ? WHERE id = ?",
                (self._now(), token_id),
            )
        return True

    def verify_token(self, token: str) -> str | None:
        """Return the user a token belongs to, or None (wrong, revoked, backing off).

        Args:
            token: The full token.

        Returns:
            The user, or None.
        """
        parts = token.split("_", 2) if len(token) < 256 else []
        if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
            self._hasher_burn()
            return None
        token_id, secret = parts[1], parts[2]
        key = f"token:{token_id}"
        if self.limiter.blocked(key):
            return None
        with self._db.transaction() as run:
            rows = run(
                "SELECT user_id, hash, revoked FROM credentials WHERE id = ? "
                "AND kind = ?",
                (token_id, CredentialKind.TOKEN.value),
            )
        if not rows or rows[0][2] is not None:
            self._hasher_burn()
            self.limiter.failed(key)
            return None
        if not self._verify(str(rows[0][1]), secret):
            self.limiter.failed(key)
            return None
        self.limiter.succeeded(key)
        return str(rows[0][0])

    def token(self, token_id: str) -> TokenInfo | None:
        """Return one token's metadata (revoked or not), or None."""
        with self._db.transaction() as run:
            rows = run(
                "SELECT id, user_id, label, created, revoked FROM credentials "
                "WHERE id = ? AND kind = ?",
                (token_id, CredentialKind.TOKEN.value),
            )
        if not rows:
            return None
        r = rows[0]
        return TokenInfo(
            id=str(r[0]),
            user=str(r[1]),
            label=str(r[2]),
            created=float(r[3]),
            revoked=None if r[4] is None else float(r[4]),
        )

    # -- PINs --------------------------------------------------------------------

    def set_pin(self, user: str, pin: str) -> None:
        """Set (or replace) a user's PIN: 4 to 12 digits.

        Raises:
            ValueError: When the PIN is not 4 to 12 digits.
        """
        if not (pin.isascii() and pin.isdigit() and 4 <= len(pin) <= 12):
            msg = "a PIN is 4 to 12 digits"
            raise ValueError(msg)
        digest = self._hasher.hash(pin)
        pin_id = f"pin:{user}"
        with self._db.transaction() as run:
            run("DELETE FROM credentials WHERE id = ?", (pin_id,))
            run(
                "INSERT INTO credentials (id, user_id, kind, hash, label, created) "
                "VALUES (?, ?, ?, ?, '', ?)",
                (pin_id, user, CredentialKind.PIN.value, digest, self._now()),
            )

    def verify_pin(self, user: str, pin: str) -> bool:
        """Return True when ``pin`` is the user's PIN (rate-limited per user)."""
        key = f"pin:{user}"
        if self.limiter.blocked(key) or len(pin) > 64:
            return False
        with self._db.transaction() as run:
            rows = run(
                "SELECT hash FROM credentials WHERE id = ? AND kind = ?",
                (key, CredentialKind.PIN.value),
            )
        ok = self._verify(str(rows[0][0]), pin) if rows else self._hasher_burn()
        if ok:
            self.limiter.succeeded(key)
        else:
            self.limiter.failed(key)
        return ok

    def pin_created(self, user: str) -> float | None:
        """Return when the user's PIN was set (Unix seconds), or None without one."""
        with self._db.transaction() as run:
            rows = run(
                "SELECT created FROM credentials WHERE id = ? AND kind = ?",
                (f"pin:{user}", CredentialKind.PIN.value),
            )
        return float(rows[0][0]) if rows else None

    # -- users -------------------------------------------------------------------

    def users(self) -> list[str]:
        """Return every user holding a token (live or revoked) or a PIN, sorted."""
        with self._db.transaction() as run:
            rows = run("SELECT DISTINCT user_id FROM credentials", ())
        return sorted(str(r[0]) for r in rows)

    def erase_user(self, user: str) -> tuple[int, int]:
        """Delete every token (revoked ones too) and the PIN of a user.

        Returns:
            How many tokens and PINs were deleted.
        """
        with self._db.transaction() as run:
            rows = run(
                "SELECT kind, count(*) FROM credentials WHERE user_id = ? GROUP BY kind",
                (user,),
            )
            run("DELETE FROM credentials WHERE user_id = ?", (user,))
        counts = {str(kind): int(n) for kind, n in rows}
        self.limiter.succeeded(f"pin:{user}")
        return (
            counts.get(CredentialKind.TOKEN.value, 0),
            counts.get(CredentialKind.PIN.value, 0),
        )

    def purge_revoked(self, before: float) -> int:
        """Delete tokens revoked before ``before`` (retention); return how many."""
        with self._db.transaction() as run:
            rows = run(
                "SELECT count(*) FROM credentials WHERE kind = ? AND revoked < ?",
                (CredentialKind.TOKEN.value, before),
            )
            run(
                "DELETE FROM credentials WHERE kind = ? AND revoked < ?",
                (CredentialKind.TOKEN.value, before),
            )
        return int(rows[0][0])

    # -- parts -------------------------------------------------------------------

    def _verify(self, digest: str, secret: str) -> bool:
        try:
            return bool(self._hasher.verify(digest, secret))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _hasher_burn(self) -> bool:
        """Spend the time of one verification, so misses and hits look alike."""
        self._verify(_DUMMY_HASH, "x")
        return False

    def _now(self) -> float:
        return float(self._clock.now())


def check_user_id(user: str) -> str:
    """Return a user id that is 1 to 64 printable ASCII characters.

    Raises:
        ValueError: Naming the id, when it is not.
    """
    if not (0 < len(user) <= MAX_USER_ID and user.isascii() and user.isprintable()):
        msg = (
            f"a user id is 1 to {MAX_USER_ID} printable ASCII characters, got {user!r}"
        )
        raise ValueError(msg)
    return user


def same_secret(a: str, b: str) -> bool:
    """Compare two secrets in constant time."""
    return hmac.compare_digest(a.encode(), b.encode())
