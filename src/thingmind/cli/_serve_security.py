"""The security stack of ``serve``: the gate, confirmations, audit, credentials; retention.

:func:`build_security` makes the gate (the default policy, or the ``security:``
section of ``--config``), the confirmations (PINs from the credentials), the audit
trail and the credentials, all in the service's store. History, the audit trail and
revoked tokens are purged after ``--retention-days`` (:func:`retention_loop`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
import logging
import time
from typing import TYPE_CHECKING

from thingmind.cli._console import redact_names

if TYPE_CHECKING:
    from thingmind.brain import Security
    from thingmind.registry import Home
    from thingmind.store import AuditLog, Credentials, Database, Store, UserData

DAY = 86_400.0  # seconds
DEFAULT_RETENTION_DAYS = 10.0
"""History and audit records older than this are purged (docs/security.md)."""
PURGE_EVERY = 3600.0  # seconds between retention purges

_LOGGER = logging.getLogger(__name__)


class SecurityStack:
    """The gate, confirmations, audit trail and credentials of one service."""

    def __init__(
        self,
        *,
        security: Security,
        audit: AuditLog,
        credentials: Credentials,
        db: Database,
    ) -> None:
        """Bundle the parts (see :func:`build_security`)."""
        self.security = security
        """What the Brain gets."""
        self.audit = audit
        """The audit trail (in the store's database)."""
        self.credentials = credentials
        """Tokens and PINs (in the store's database)."""
        self.db = db
        """The connection the audit trail and credentials share."""

    def close(self) -> None:
        """Disconnect."""
        self.db.close()


def build_security(
    home: Home, store: Store, *, config: Mapping[str, object]
) -> SecurityStack:
    """Build the security stack of a service over its store.

    Security keeps wall-clock time (a confirmation lasts ``confirm_seconds`` of real
    time even when a simulation runs faster).

    Args:
        home: The site.
        store: The open store (a file or PostgreSQL: the audit trail is durable).
        config: The ``--config`` sections; ``security:`` is the policy.

    Returns:
        The stack; close it after the service.

    Raises:
        InvalidInputError: When the ``security:`` section is not valid.
    """
    from thingmind.brain import Confirmations, Security  # noqa: PLC0415
    from thingmind.core import InvalidInputError, Problem  # noqa: PLC0415
    from thingmind.resolve import Gate, Policy, policy_from_dict  # noqa: PLC0415
    from thingmind.store import AuditLog, Credentials, database_for  # noqa: PLC0415

    section = config.get("security")
    try:
        policy = policy_from_dict(section) if isinstance(section, Mapping) else Policy()
    except (ValueError, TypeError) as err:
        source = "config"
        raise InvalidInputError(
            source, [Problem(path="security", message=str(err))]
        ) from err
    if section is not None and not isinstance(section, Mapping):
        source = "config"
        raise InvalidInputError(
            source, [Problem(path="security", message="must be a mapping")]
        )
    db = database_for(store)
    credentials = Credentials(db)
    audit = AuditLog(db)
    gate = Gate(home, policy)
    security = Security(
        gate=gate,
        confirmations=Confirmations(ttl=policy.confirm_seconds, pins=credentials),
        audit=audit,
    )
    redact_names(u.name for u in policy.users.values() if u.name)
    return SecurityStack(security=security, audit=audit, credentials=credentials, db=db)


def purge_once(
    store: Store,
    audit: AuditLog | None,
    *,
    days: float,
    credentials: Credentials | None = None,
) -> int:
    """Delete history, audit records and revoked tokens older than ``days`` (retention).

    Args:
        store: The history.
        audit: The audit trail (None: only history).
        days: How many days to keep.
        credentials: Tokens and PINs (None: revoked tokens are kept).

    Returns:
        The number of events, audit records and revoked tokens deleted.
    """
    before = time.time() - days * DAY
    deleted = store.purge(before)
    if audit is not None:
        deleted += audit.purge(before)
    if credentials is not None:
        deleted += credentials.purge_revoked(before)
    if deleted:
        _LOGGER.info("retention: purged %s records older than %s days", deleted, days)
    return deleted


async def retention_loop(
    store: Store,
    audit: AuditLog | None,
    *,
    days: float,
    every: float = PURGE_EVERY,
    credentials: Credentials | None = None,
) -> None:
    """Purge old history, audit records and revoked tokens now and every ``every`` s.

    Args:
        store: The history.
        audit: The audit trail.
        days: How many days to keep.
        every: Seconds between purges.
        credentials: Tokens and PINs, whose revoked tokens are purged too.
    """
    loop = asyncio.get_running_loop()
    while True:
        try:
            await loop.run_in_executor(
                None,
                lambda: purge_once(store, audit, days=days, credentials=credentials),
            )
        except Exception:  # a failed purge must not stop the service
            _LOGGER.exception("retention purge failed")
        await asyncio.sleep(every)


def user_data(stack: SecurityStack, store: Store) -> UserData:
    """Every user's data of a service, for export and erasure on request.

    Args:
        stack: The service's security stack (audit trail and credentials).
        store: Its history.

    Returns:
        The users' data, the corrections log included.
    """
    from thingmind.brain import CorrectionsOfUsers  # noqa: PLC0415
    from thingmind.cli._learning import corrections_file  # noqa: PLC0415
    from thingmind.store import UserData  # noqa: PLC0415

    return UserData(
        stack.db,
        store=store,
        audit=stack.audit,
        credentials=stack.credentials,
        others=[CorrectionsOfUsers(corrections_file())],
    )
