"""``thingmind audit verify|show`` and ``thingmind tokens add|list|revoke``."""

from __future__ import annotations

from enum import StrEnum
import json
from typing import Annotated

import typer

from thingmind.cli._console import stdout
from thingmind.core import InvalidInputError, Problem, ThingmindError, utc_iso
from thingmind.store import AuditLog, Credentials, database_for, open_store

_STORE_HELP = "The store: sqlite:///path/to/thingmind.db or postgresql://..."
DEFAULT_STORE = "sqlite:///data/thingmind.db"


class AuditAction(StrEnum):
    """What ``audit`` does."""

    VERIFY = "verify"
    SHOW = "show"


class TokenAction(StrEnum):
    """What ``tokens`` does."""

    ADD = "add"
    LIST = "list"
    REVOKE = "revoke"


class AuditBrokenError(ThingmindError):
    """The audit trail failed verification."""


def audit(
    action: Annotated[AuditAction, typer.Argument(help="verify the chain, or show it")],
    store: Annotated[str, typer.Option(help=_STORE_HELP)] = DEFAULT_STORE,
    user: Annotated[str | None, typer.Option(help="Only this user's records.")] = None,
    last: Annotated[int, typer.Option(help="Show the last N records.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON per line.")] = False,
) -> None:
    """Verify the hash-chained audit trail, or show its latest records.

    ``verify`` exits with status 1 when any record was edited, inserted or deleted.
    """
    with open_store(store) as opened, AuditLog.for_store(opened) as log:
        if action is AuditAction.VERIFY:
            result = log.verify()
            if result.ok:
                stdout().print(
                    f"audit trail intact: {result.checked} records, head {result.head}",
                    highlight=False,
                )
                return
            for seq, problem in result.problems:
                stdout().print(f"record {seq}: {problem.value}", highlight=False)
            msg = (
                f"the audit trail was tampered with: {len(result.problems)} "
                f"problem(s) in {result.checked} records"
            )
            raise AuditBrokenError(msg)
        records = log.records(user=user)[-last:] if last > 0 else []
        for rec in records:
            if as_json:
                line = {"seq": rec.seq, "ts": rec.ts, **dict(rec.record)}
                stdout().print(json.dumps(line, default=str), highlight=False)
                continue
            data = rec.record
            stdout().print(
                f"{rec.seq:>6} {utc_iso(rec.ts)} {data.get('user', '?')}"
                f"@{data.get('source', '?')}: {data.get('text', '')!r} -> "
                f"done {len(data.get('actions') or [])}, "
                f"refused {len(data.get('refused') or [])}",
                markup=False,
                highlight=False,
            )


def tokens(
    action: Annotated[TokenAction, typer.Argument(help="add, list or revoke")],
    target: Annotated[
        str | None, typer.Argument(help="add: the user; revoke: the token id")
    ] = None,
    label: Annotated[str, typer.Option(help="What the token is for.")] = "",
    store: Annotated[str, typer.Option(help=_STORE_HELP)] = DEFAULT_STORE,
) -> None:
    """Manage API tokens (stored hashed with argon2id; shown once when made)."""
    if action is not TokenAction.LIST and not target:
        msg = "tokens"
        raise InvalidInputError(
            msg, [Problem(path=action.value, message="needs a user or a token id")]
        )
    with open_store(store) as opened:
        db = database_for(opened)
        try:
            creds = Credentials(db)
            if action is TokenAction.ADD:
                token = creds.add_token(str(target), label=label)
                stdout().print(token, markup=False, highlight=False)
            elif action is TokenAction.REVOKE:
                if not creds.revoke(str(target)):
                    msg = f"no live token {target!r}"
                    raise ThingmindError(msg)
                stdout().print(f"revoked {target}", highlight=False)
            else:
                for info in creds.tokens():
                    state = "revoked" if info.revoked is not None else "live"
                    stdout().print(
                        f"{info.id}  {info.user:<12} {state:<8} "
                        f"{utc_iso(info.created)}  {info.label}",
                        markup=False,
                        highlight=False,
                    )
        finally:
            db.close()


COMMANDS = {"audit": audit, "tokens": tokens}
"""The commands this module adds to the app."""
