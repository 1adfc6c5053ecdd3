"""The security commands: ``audit``, ``tokens`` and ``user``.

``thingmind audit verify|show``, ``thingmind tokens add|list|revoke`` and
``thingmind user list|export|delete``.
"""

from __future__ import annotations

from enum import StrEnum
import json
from pathlib import Path
from typing import Annotated

import typer

from thingmind.cli._console import stdout
from thingmind.core import InvalidInputError, Problem, ThingmindError, utc_iso
from thingmind.store import (
    AuditLog,
    Credentials,
    UserData,
    check_user_id,
    database_for,
    open_store,
)

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


class UserAction(StrEnum):
    """What ``user`` does."""

    LIST = "list"
    EXPORT = "export"
    DELETE = "delete"


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
                erased = (
                    f" ({result.erased} erased on request)" if result.erased else ""
                )
                stdout().print(
                    f"audit trail intact: {result.checked} records{erased}, "
                    f"head {result.head}",
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
                stdout().print(
                    json.dumps(line, default=str),
                    markup=False,
                    highlight=False,
                    soft_wrap=True,  # one record per line, however long
                )
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
                try:
                    token = creds.add_token(str(target), label=label)
                except ValueError as err:
                    source = "tokens"
                    raise InvalidInputError(
                        source, [Problem(path=action.value, message=str(err))]
                    ) from err
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


CLI_OPERATOR = "owner"
"""Who a command run on the site's computer acts as: whoever can open its database
holds everything in it, so the command line has the owner's rights."""


def user(
    action: Annotated[
        UserAction, typer.Argument(help="list who has data, export it, or delete it")
    ],
    target: Annotated[
        str | None, typer.Argument(help="export, delete: the user's id")
    ] = None,
    store: Annotated[str, typer.Option(help=_STORE_HELP)] = DEFAULT_STORE,
    corrections: Annotated[
        Path | None,
        typer.Option(
            help="The corrections log (default: $THINGMIND_CORRECTIONS or the cache's)."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="export: write the JSON here (default: standard output)."),
    ] = None,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="delete: do not ask for confirmation.")
    ] = False,
) -> None:
    """List, export or delete what the site keeps about a user.

    ``export`` writes one JSON document: the user's tokens (metadata, never secrets),
    PIN (when set), audit records, own events and corrections. ``delete`` removes all
    of it; the audit records stay in the chain with their personal part erased, so
    ``thingmind audit verify`` still passes. Stop the service first (or use the API),
    so no new correction is written meanwhile.
    """
    from thingmind.brain import CorrectionsOfUsers  # noqa: PLC0415  (loads nlu)
    from thingmind.cli._learning import corrections_file  # noqa: PLC0415

    who = ""
    if action is not UserAction.LIST:
        try:
            who = check_user_id(target or "")
        except ValueError as err:
            source = "user"
            raise InvalidInputError(
                source, [Problem(path=action.value, message=str(err))]
            ) from err
    log = CorrectionsOfUsers(corrections or corrections_file())
    with open_store(store) as opened, UserData.for_store(opened, others=[log]) as data:
        if action is UserAction.LIST:
            for name in data.users():
                stdout().print(name, markup=False, highlight=False)
            return
        if action is UserAction.EXPORT:
            text = json.dumps(data.export(who), indent=2, ensure_ascii=False)
            if out is None:
                stdout().print(text, markup=False, highlight=False, soft_wrap=True)
            else:
                out.write_text(text + "\n", encoding="utf-8")
                stdout().print(f"exported {who}'s data to {out}", highlight=False)
            return
        if not yes and not typer.confirm(
            f"Delete everything kept about {who!r} (tokens, PIN, audit records' "
            "personal part, events, corrections)? This cannot be undone"
        ):
            raise typer.Abort
        erasure = data.erase(who, by=CLI_OPERATOR, source="cli")
    kept = (
        f"; {erasure.audit_kept} older audit records are kept whole until retention "
        "purges them"
        if erasure.audit_kept
        else ""
    )
    stdout().print(
        f"deleted {who}'s data: {erasure.tokens} tokens, {erasure.pins} PIN, "
        f"{erasure.audit_records} audit records erased, {erasure.events} events, "
        f"{erasure.other.get('corrections', 0)} corrections{kept}",
        markup=False,
        highlight=False,
    )


COMMANDS = {"audit": audit, "tokens": tokens, "user": user}
"""The commands this module adds to the app."""
