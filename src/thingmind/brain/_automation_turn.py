"""Automations said in a sentence: drafted, shown back, and enabled on "yes".

"When the front door opens after sunset, turn on the hall light" is not carried out: it
becomes a draft (:class:`~thingmind.rules.AutomationDraft`) that the conversation reads
back in plain words, and that waits for the same speaker's "yes". Only then is it handed
to the automation engine (the *sink*, wired by whoever runs one). A "no", another
sentence, or the wait running out drops it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
import logging
import threading
import time
from typing import TYPE_CHECKING, Protocol

from thingmind.resolve import Resolution
from thingmind.rules import AutomationDraft, Composer, sets_up_automation

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import tzinfo

    from thingmind.core import Clock
    from thingmind.nlu import ParsedCommand
    from thingmind.resolve import Context, Resolver
    from thingmind.rules import Automation

_LOGGER = logging.getLogger(__name__)

DRAFT_TTL_S = 300.0
"""How long a draft waits for its "yes"."""


class AutomationSink(Protocol):
    """Takes a confirmed automation into service (the automation engine's manager)."""

    def __call__(self, automation: Automation, *, user: str) -> None:
        """Add and enable it; raise ``ValueError`` with a message when it cannot be."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskTurn:
    """What one automation sentence, or the answer to its question, led to."""

    answer: str
    """What thingmind says back."""
    draft: AutomationDraft | None
    """The draft shown (or confirmed), when there is one."""
    refused: bool
    """True when no automation was or will be made."""
    enabled: bool = False
    """True when this turn put the automation into service."""


@dataclass(frozen=True, slots=True)
class _Held:
    draft: AutomationDraft
    until: float


class AutomationDesk:
    """Drafts automations from sentences and enables them when the speaker agrees."""

    def __init__(
        self,
        resolver: Resolver,
        *,
        clock: Clock | None = None,
        zone: tzinfo = UTC,
        sink: AutomationSink | None = None,
        ttl_s: float = DRAFT_TTL_S,
        parse: Callable[[str], ParsedCommand] | None = None,
    ) -> None:
        """Prepare for a site.

        Args:
            resolver: The site's resolver with its gate: every action of a draft is
                checked for the speaker as if said now.
            clock: The site's clock (epoch seconds; default: the wall clock).
            zone: The site's time zone, for one-off times.
            sink: Where confirmed automations go (None: drafts can be shown, but
                not enabled; the answer says so).
            ttl_s: How long a draft waits for its "yes".
            parse: The language model, to read again a command the model left
                inside a trigger part.
        """
        self._composer = Composer(resolver, zone=zone, parse=parse)
        self._clock = clock
        self.sink = sink
        """Where confirmed automations go (settable: the engine is wired later)."""
        self._ttl = ttl_s
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def set_zone(self, zone: tzinfo) -> None:
        """Use the site's time zone for one-off times."""
        self._composer.zone = zone

    def now(self) -> float:
        """The site's time, epoch seconds."""
        return self._clock.now() if self._clock is not None else time.time()

    @staticmethod
    def wants(parsed: ParsedCommand) -> bool:
        """True when a sentence sets up an automation rather than acting now."""
        return sets_up_automation(parsed)

    def draft(self, parsed: ParsedCommand, *, context: Context) -> AutomationDraft:
        """Make a draft from a sentence without holding it.

        Args:
            parsed: The sentence as understood.
            context: Who speaks and where.

        Returns:
            The draft; its ``problem`` says why there is no automation, if none.
        """
        made = self._composer.draft(parsed, context=context, now=self.now())
        if made is None:
            return AutomationDraft(
                text=parsed.text,
                automation=None,
                problem="That does not say when something should happen.",
            )
        return made

    def turn(self, parsed: ParsedCommand, *, context: Context) -> DeskTurn:
        """Draft an automation from a sentence, hold it, and ask the speaker.

        Args:
            parsed: The sentence as understood.
            context: Who speaks and where.

        Returns:
            The answer: the automation in plain words and a question, or why none
            could be made.
        """
        made = self.draft(parsed, context=context)
        with self._lock:
            self._held.pop(context.user, None)
        if made.automation is None:
            answer = f"I could not make that into an automation: {made.problem}"
            return DeskTurn(answer=answer, draft=made, refused=True)
        if self.sink is None:
            answer = (
                f"{made.summary} (Automations are not running here, so I cannot "
                "enable it.)"
            )
            return DeskTurn(answer=answer, draft=made, refused=True)
        with self._lock:
            self._held[context.user] = _Held(made, self.now() + self._ttl)
        return DeskTurn(
            answer=f"{made.summary} Shall I set it up?", draft=made, refused=False
        )

    def pending(self, user: str) -> AutomationDraft | None:
        """The draft waiting for this user's answer, if any (expired ones dropped)."""
        with self._lock:
            held = self._held.get(user)
            if held is None:
                return None
            if self.now() > held.until:
                del self._held[user]
                return None
            return held.draft

    def reply(self, text: str, *, context: Context) -> DeskTurn | None:
        """Answer a held draft's question; None when the sentence is no such answer.

        Args:
            text: What the person said.
            context: Who speaks (only the user who asked can confirm).

        Returns:
            The turn for a yes or a no to a held draft, else None (and any held draft
            of this user is dropped when a new request comes instead).
        """
        from thingmind.brain._security import Reply, classify_reply  # noqa: PLC0415

        draft = self.pending(context.user)
        if draft is None:
            return None
        kind = classify_reply(text)
        if kind not in {Reply.YES, Reply.NO}:
            with self._lock:
                self._held.pop(context.user, None)
            return None
        with self._lock:
            self._held.pop(context.user, None)
        if kind is Reply.NO:
            return DeskTurn(answer="OK, I won't set it up.", draft=draft, refused=True)
        return self.enable(draft, context=context)

    def enable(self, draft: AutomationDraft, *, context: Context) -> DeskTurn:
        """Put a draft's automation into service through the sink.

        Args:
            draft: A draft with an automation.
            context: Who confirmed it.

        Returns:
            The turn: done, or why not.
        """
        if draft.automation is None:
            return DeskTurn(answer=draft.problem or "", draft=draft, refused=True)
        if self.sink is None:
            answer = "Automations are not running here, so I cannot enable it."
            return DeskTurn(answer=answer, draft=draft, refused=True)
        try:
            self.sink(draft.automation, user=context.user)
        except ValueError as err:
            _LOGGER.info("automation %s not enabled: %s", draft.automation.id, err)
            return DeskTurn(
                answer=f"I could not set it up: {err}", draft=draft, refused=True
            )
        _LOGGER.info("automation %s enabled by %s", draft.automation.id, context.user)
        answer = (
            "Done: it's set up."
            if not draft.automation.once
            else "Done: it's scheduled."
        )
        return DeskTurn(answer=answer, draft=draft, refused=False, enabled=True)


def desk_resolution(turn: DeskTurn) -> Resolution:
    """The resolution a desk turn reports: nothing carried out now, the answer."""
    return Resolution(answer=turn.answer, refused=turn.refused)
