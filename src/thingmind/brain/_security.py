"""The confirmation turn and the audit hook of the text pipeline.

A dangerous action (the gate's ``CONFIRM``) is held as one
:class:`PendingConfirmation` per user. It is carried out only when *the same user*
answers "yes" (or gives their PIN, for remote sources) before it expires; the answer
consumes it, so replaying "yes" does nothing. Another user's "yes", a "yes" after the
expiry, or a wrong PIN never acts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
import datetime as dt
from enum import StrEnum
import json
import logging
import math
import os
from pathlib import Path
import re
import secrets
import tempfile
import time
from typing import TYPE_CHECKING, Any, Protocol
import unicodedata

from thingmind.brain._conversation import TurnResult
from thingmind.core import Clock, ServiceError, StateValue, SystemClock, redact
from thingmind.nlu import ParsedCommand
from thingmind.resolve import (
    Context,
    Gate,
    GateDecision,
    Resolution,
    ResolvedAction,
    Source,
    Verdict,
)

if TYPE_CHECKING:
    from thingmind.registry import DeviceDriver, Registry

_LOGGER = logging.getLogger(__name__)

MAX_PIN_FAILURES = 3
"""Wrong PINs after which a pending confirmation is dropped."""

_YES = frozenset({"yes", "y", "yeah", "yep", "sure", "ok", "okay", "confirm", "do it"})
_NO = frozenset({"no", "n", "nope", "cancel", "stop", "don't", "do not", "abort"})
_PIN = re.compile(r"^\d{4,12}$")
_INVISIBLE = frozenset({"Cf", "Cc", "Zl", "Zp"})


class Reply(StrEnum):
    """What a short answer to a confirmation question is."""

    YES = "yes"
    NO = "no"
    PIN = "pin"
    OTHER = "other"


def classify_reply(text: str) -> Reply:
    """Classify an answer: yes, no, a PIN, or anything else.

    Invisible and format characters are dropped and compatibility forms folded
    (NFKC), so a full-width "yes" is a yes, and a "yes" spelled with a look-alike
    Cyrillic letter is not.

    Args:
        text: What the person answered.

    Returns:
        The kind of reply.
    """
    if len(text) > 64:  # an answer is short; anything longer is a new request
        return Reply.OTHER
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(c for c in folded if unicodedata.category(c) not in _INVISIBLE)
    folded = folded.strip().strip(".!?,").strip().casefold()
    if _PIN.match(folded):
        return Reply.PIN
    if not folded.isascii():
        return Reply.OTHER
    if folded in _YES:
        return Reply.YES
    if folded in _NO:
        return Reply.NO
    return Reply.OTHER


class Outcome(StrEnum):
    """What became of an answer to a confirmation."""

    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    WRONG_PIN = "wrong_pin"
    PIN_NEEDED = "pin_needed"
    NOTHING_PENDING = "nothing_pending"


@dataclass(frozen=True, slots=True, kw_only=True)
class PendingConfirmation:
    """A dangerous action waiting for its user's confirmation."""

    id: str
    """A random id (for confirming through the API)."""
    user: str
    """Who asked; only they can confirm."""
    action: ResolvedAction
    """The one action it holds."""
    source: str
    """Where it was asked from."""
    text: str
    """The sentence that asked for it."""
    expires: float
    """Unix seconds after which it is void."""
    pin_required: bool
    """True when only a PIN confirms it."""


class PinVerifier(Protocol):
    """Checks a user's PIN (the credentials store, rate-limited)."""

    def verify_pin(self, user: str, pin: str) -> bool:
        """Return True when the PIN is the user's."""
        ...


class AuditSink(Protocol):
    """Where every action and refusal is written (the store's audit log)."""

    def append(self, record: Mapping[str, object]) -> object:
        """Append one record."""
        ...


class Confirmations:
    """Pending confirmations, at most one per user, with expiry and replay protection."""

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        ttl: float = 60.0,
        pins: PinVerifier | None = None,
    ) -> None:
        """Start with nothing pending.

        Args:
            clock: Time source (seconds).
            ttl: How long a confirmation stays valid (seconds).
            pins: Checks PINs; without one, a PIN never confirms.

        Raises:
            ValueError: When ``ttl`` is not positive.
        """
        if not ttl > 0:
            msg = f"ttl must be > 0 seconds, got {ttl}"
            raise ValueError(msg)
        self._clock = clock or SystemClock()
        self._ttl = ttl
        self._pins = pins
        self._pending: dict[str, PendingConfirmation] = {}
        self._failures: dict[str, int] = {}

    def hold(
        self,
        user: str,
        action: ResolvedAction,
        *,
        source: str,
        text: str,
        pin_required: bool,
    ) -> PendingConfirmation:
        """Hold an action for the user's confirmation (replacing what they had)."""
        pending = PendingConfirmation(
            id=secrets.token_urlsafe(12),
            user=user,
            action=action,
            source=source,
            text=text,
            expires=self._clock.now() + self._ttl,
            pin_required=pin_required,
        )
        self._pending[user] = pending
        self._failures.pop(user, None)
        return pending

    def pending(self, user: str) -> PendingConfirmation | None:
        """Return the user's live pending confirmation, or None."""
        found = self._pending.get(user)
        if found is not None and self._clock.now() >= found.expires:
            del self._pending[user]
            return None
        return found

    def answer(
        self,
        user: str,
        reply: Reply,
        *,
        remote: bool,
        pin: str = "",
        confirmation_id: str | None = None,
    ) -> tuple[Outcome, PendingConfirmation | None]:
        """Apply a user's answer to *their own* pending confirmation.

        Args:
            user: Who answers.
            reply: Their answer, classified.
            remote: True when the answer comes from a remote source (PIN needed).
            pin: The PIN, when ``reply`` is a PIN.
            confirmation_id: When given, it must be the pending one's id.

        Returns:
            The outcome and, when confirmed, the pending confirmation (consumed).
        """
        found = self._pending.get(user)
        if found is None or (
            confirmation_id is not None
            and not secrets.compare_digest(confirmation_id, found.id)
        ):
            return Outcome.NOTHING_PENDING, None
        if self._clock.now() >= found.expires:
            del self._pending[user]
            return Outcome.EXPIRED, None
        if reply is Reply.NO:
            del self._pending[user]
            return Outcome.CANCELLED, None
        needs_pin = found.pin_required or remote
        if reply is Reply.YES and not needs_pin:
            del self._pending[user]
            return Outcome.CONFIRMED, found
        if reply is Reply.PIN:
            if self._pins is not None and self._pins.verify_pin(user, pin):
                del self._pending[user]
                return Outcome.CONFIRMED, found
            failures = self._failures.get(user, 0) + 1
            self._failures[user] = failures
            if failures >= MAX_PIN_FAILURES:
                del self._pending[user]
            return Outcome.WRONG_PIN, None
        return Outcome.PIN_NEEDED, None


_OUTCOME_TEXT: Mapping[Outcome, str] = {
    Outcome.CONFIRMED: "Done.",
    Outcome.CANCELLED: "OK, I won't.",
    Outcome.EXPIRED: "That confirmation has expired; please ask again.",
    Outcome.WRONG_PIN: "That PIN is not right.",
    Outcome.PIN_NEEDED: "Please give your PIN to confirm.",
    Outcome.NOTHING_PENDING: "There is nothing to confirm.",
}


def outcome_text(outcome: Outcome) -> str:
    """Say what became of an answer."""
    return _OUTCOME_TEXT[outcome]


class Security:
    """What the text pipeline needs for security: the gate, confirmations, the audit."""

    def __init__(
        self,
        *,
        gate: Gate,
        confirmations: Confirmations | None = None,
        audit: AuditSink | None = None,
        clock: Clock | None = None,
    ) -> None:
        """Bundle the parts.

        Args:
            gate: The one gate every action passes.
            confirmations: Pending confirmations (a fresh book when None).
            audit: Where each turn is recorded (nowhere when None).
            clock: The site's clock.
        """
        self.gate = gate
        self.clock = clock or SystemClock()
        self.confirmations = confirmations or Confirmations(
            clock=self.clock, ttl=gate.policy.confirm_seconds
        )
        self.audit = audit
        self.names = tuple(u.name for u in gate.policy.users.values() if u.name)
        """The users' display names: masked in every sentence the audit keeps."""

    def record(self, record: Mapping[str, object]) -> None:
        """Write one audit record; a failing audit is logged, never silent.

        Its sentences (``text``, ``answer``, refusal details) are redacted first:
        e-mail addresses, phone numbers and the users' names never reach the trail.
        """
        if self.audit is None:
            return
        try:
            self.audit.append(redact_record(record, names=self.names))
        except Exception:
            _LOGGER.exception("the audit record could not be written")
            raise

    def now(self) -> dt.datetime:
        """The site's local time, for the gate's limits with hours."""
        return dt.datetime.fromtimestamp(self.clock.now(), tz=dt.UTC).astimezone()

    def execute(
        self,
        user: str,
        action: ResolvedAction,
        *,
        source: str,
        driver: DeviceDriver,
        text: str = "",
    ) -> Executed:
        """Check one service call at the gate, then carry it out or hold it.

        This is the entry point for actions that do not come from a sentence (the
        HTTP API's service calls, MQTT command topics, automations).

        Args:
            user: Who asks.
            action: The service call.
            source: Where from ("api", "mqtt", "rule:<id>").
            driver: The device layer.
            text: A description for the audit trail.

        Returns:
            The decision, what changed, and the pending confirmation when one is held.
        """
        decision = self.gate.check(user, action, source=source, now=self.now())
        changed: dict[str, StateValue] = {}
        pending: PendingConfirmation | None = None
        error = ""
        if decision.verdict is Verdict.CONFIRM:
            pending = self.confirmations.hold(
                user,
                action,
                source=source,
                text=text,
                pin_required=decision.pin_required,
            )
        elif decision.allowed:
            try:
                changed = driver.call(action.device_id, action.service, action.params)
            except ServiceError as err:
                error = str(err)
        self.record(
            {
                "user": user,
                "source": source,
                "text": text,
                "actions": [_action_json(action)]
                if decision.allowed and not error
                else [],
                "refused": [] if decision.allowed else [decision.message],
                "decision": decision.verdict.value,
                "reason": (decision.reason.value if decision.reason else error or None),
            }
        )
        return Executed(
            decision=decision, changed=changed, pending=pending, error=error
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Executed:
    """What became of one service call passed through :meth:`Security.execute`."""

    decision: GateDecision
    """The gate's decision."""
    changed: Mapping[str, StateValue]
    """The device's keys that changed."""
    pending: PendingConfirmation | None = None
    """The confirmation held, when the decision was CONFIRM."""
    error: str = ""
    """The device's refusal, when it refused."""


def _action_json(action: ResolvedAction) -> dict[str, object]:
    return {
        "device_id": action.device_id,
        "service": action.service,
        "params": dict(action.params),
    }


def confirm_turn(
    security: Security,
    text: str,
    context: Context,
    *,
    driver: DeviceDriver,
    registry: Registry,
) -> TurnResult | None:
    """Handle a sentence that answers a confirmation question; None for any other.

    Args:
        security: The gate, confirmations and audit.
        text: What the person said.
        context: Who, from where.
        driver: The device layer.
        registry: The site's live state.

    Returns:
        The turn's result when the sentence was a yes, a no or a PIN.
    """
    t0 = time.perf_counter()
    reply = classify_reply(text)
    if reply is Reply.OTHER:
        return None
    source = Source.of(context.source)
    outcome, found = security.confirmations.answer(
        context.user,
        reply,
        remote=source.remote,
        pin=text.strip() if reply is Reply.PIN else "",
    )
    actions: tuple[ResolvedAction, ...] = ()
    changes: dict[str, dict[str, StateValue]] = {}
    answer = outcome_text(outcome)
    refused = outcome is not Outcome.CONFIRMED
    if found is not None:
        # Check again: the policy may have changed since the question was asked.
        decision = security.gate.check(
            context.user,
            found.action,
            source=found.source,
            now=security.now(),
            confirmed=True,
        )
        if decision.allowed:
            action = found.action
            before = dict(registry.state(action.device_id))
            try:
                driver.call(action.device_id, action.service, action.params)
            except ServiceError as err:
                refused = True
                answer = str(err)
            else:
                actions = (action,)
            after = registry.state(action.device_id)
            diff = {k: v for k, v in after.items() if before.get(k) != v}
            if diff:
                changes[action.device_id] = diff
        else:
            refused = True
            answer = decision.message
    parsed = ParsedCommand(
        text=text, words=tuple(text.split()[:64]), clauses=(), confidence=1.0
    )
    resolution = Resolution(actions=actions, answer=answer, refused=refused)
    result = TurnResult(
        text=text,
        parsed=parsed,
        resolution=resolution,
        changes=changes,
        answer=answer,
        refused=refused,
        clarify=False,
        latency_ms=(time.perf_counter() - t0) * 1000,
    )
    security.record(
        {
            **turn_record(result, context),
            "confirmation": outcome.value,
        }
    )
    return result


_FREE_TEXT = ("text", "answer")


def redact_record(
    record: Mapping[str, object], *, names: Sequence[str] = ()
) -> dict[str, object]:
    """Return an audit record with its free text redacted.

    Args:
        record: The record.
        names: People's names to mask besides e-mail addresses and phone numbers.

    Returns:
        A copy: ``text``, ``answer`` and each refusal's text or ``detail`` redacted.
    """
    out = dict(record)
    for key in _FREE_TEXT:
        value = out.get(key)
        if isinstance(value, str):
            out[key] = redact(value, names=names)
    refused = out.get("refused")
    if isinstance(refused, list | tuple):
        out["refused"] = [_redact_refusal(r, names) for r in refused]
    return out


def _redact_refusal(refusal: object, names: Sequence[str]) -> object:
    if isinstance(refusal, str):
        return redact(refusal, names=names)
    if isinstance(refusal, Mapping) and isinstance(refusal.get("detail"), str):
        return {**refusal, "detail": redact(str(refusal["detail"]), names=names)}
    return refusal


def turn_record(result: TurnResult, context: Context) -> dict[str, object]:
    """Describe one turn for the audit trail (the sentence redacted)."""
    return {
        "user": context.user,
        "source": context.source,
        "area": context.area,
        "device": context.device,
        "text": redact(result.text),
        "intents": [c.intent.value for c in result.parsed.clauses],
        "confidence": (
            result.parsed.confidence
            if math.isfinite(result.parsed.confidence)
            else None
        ),
        "model_version": result.parsed.model_version,
        "actions": [_action_json(a) for a in result.resolution.actions],
        "pending": [_action_json(a) for a in result.resolution.pending],
        "refused": [
            {"reason": f.reason.value, "detail": f.detail}
            for f in result.resolution.failures
        ],
        "answer": redact(result.answer),
    }


# ============================================================================ user data


class CorrectionsOfUsers:
    """The corrections log as one user's data: exported and erased on request.

    A correction is one JSON line of the log (``CorrectionLog``); it belongs to the
    user named by its ``user`` field. Erasing rewrites the file without the user's
    lines, atomically (a new file moved into place), so a reader sees the old file or
    the new one. A correction appended by the running service between the read and
    the move would be lost: erase while the service is stopped, or through its API.
    """

    name = "corrections"
    """The export document's key."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        """Use the log at ``path`` (it need not exist yet).

        Args:
            path: The JSON-lines file.
        """
        self.path = Path(path)

    def _lines(self) -> list[tuple[str, dict[str, Any] | None]]:
        if not self.path.is_file():
            return []
        out: list[tuple[str, dict[str, Any] | None]] = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                rec = json.loads(line)
            except ValueError:
                rec = None
            out.append((line, rec if isinstance(rec, dict) else None))
        return out

    def users(self) -> set[str]:
        """Return the users with corrections in the log."""
        return {
            str(rec["user"])
            for _, rec in self._lines()
            if rec is not None and isinstance(rec.get("user"), str)
        }

    def export(self, user: str) -> list[Any]:
        """Return the user's corrections, oldest first."""
        return [
            rec
            for _, rec in self._lines()
            if rec is not None and rec.get("user") == user
        ]

    def erase(self, user: str) -> int:
        """Delete the user's corrections from the log; return how many."""
        lines = self._lines()
        kept = [line for line, rec in lines if rec is None or rec.get("user") != user]
        removed = len(lines) - len(kept)
        if not removed:
            return 0
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.writelines(f"{line}\n" for line in kept)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return removed
