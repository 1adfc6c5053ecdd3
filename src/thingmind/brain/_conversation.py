"""The text pipeline: a sentence in, understood, resolved, carried out, answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Protocol

from thingmind.brain._fallback import FallbackReport
from thingmind.brain._history import live_questions
from thingmind.core import ServiceError, StateValue
from thingmind.nlu import ParsedCommand
from thingmind.resolve import Context, Resolution, Resolver
from thingmind.rules import AutomationDraft, sets_up_automation

if TYPE_CHECKING:
    from thingmind.brain._automation_turn import AutomationDesk, DeskTurn
    from thingmind.brain._fallback import GenerativeFallback
    from thingmind.brain._history import HistoryDesk
    from thingmind.brain._security import Security
    from thingmind.registry import DeviceDriver, Registry

_LOGGER = logging.getLogger(__name__)


class Parser(Protocol):
    """Anything that turns a sentence into a :class:`ParsedCommand`."""

    @property
    def version(self) -> str:
        """The model's version label."""
        ...

    def parse(self, text: str) -> ParsedCommand:
        """Understand one sentence."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class TurnResult:
    """Everything one sentence led to."""

    text: str
    """The sentence."""
    parsed: ParsedCommand
    """What the model understood."""
    resolution: Resolution
    """What the resolver decided."""
    changes: Mapping[str, Mapping[str, StateValue]]
    """Per device, the state keys that changed and their new values."""
    answer: str
    """What thingmind says back."""
    refused: bool
    """True when all or part of the request was declined."""
    clarify: bool
    """True when thingmind asked which device or place was meant and did nothing."""
    latency_ms: float
    """Wall time from the sentence to the devices' new state."""
    fallback: FallbackReport | None = None
    """What the generative fallback did, when it was asked."""
    draft: AutomationDraft | None = None
    """The automation a sentence set up (shown, waiting for "yes", or enabled)."""
    reads: tuple[str, ...] = ()
    """Devices whose stored history the answer used (questions over history)."""


class Conversation:
    """Runs sentences through understanding, the resolver and the device layer."""

    def __init__(
        self,
        *,
        parser: Parser,
        registry: Registry,
        driver: DeviceDriver,
        security: Security | None = None,
        fallback: GenerativeFallback | None = None,
    ) -> None:
        """Wire the pipeline.

        Args:
            parser: The language model (or a fallback cascade).
            registry: The site and its live state.
            driver: The device layer that carries out actions.
            security: The gate, confirmations and audit trail; without it every
                action is allowed (``predict``, tests, benchmarks).
            fallback: The generative fallback for what the parser is unsure of or
                the resolver cannot settle (None: the parser's reading stands).
        """
        self._parser = parser
        self._registry = registry
        self._driver = driver
        self._security = security
        self.fallback = fallback
        """The generative fallback (settable: the Brain wires it after building)."""
        self._resolver = (
            Resolver(registry)
            if security is None
            else Resolver(registry, gate=security.gate, clock=security.clock)
        )
        self.desk: AutomationDesk | None = None
        """Drafts automations from sentences (None: such sentences are refused)."""
        self.history: HistoryDesk | None = None
        """Answers questions over history from the store (None: no store)."""

    @property
    def resolver(self) -> Resolver:
        """The resolver every sentence goes through (with the gate, when secured)."""
        return self._resolver

    @property
    def registry(self) -> Registry:
        """The site."""
        return self._registry

    def handle(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out one sentence.

        Args:
            text: What the person said.
            context: Who speaks, from where.

        Returns:
            What was understood, done and answered.
        """
        t0 = time.perf_counter()
        ctx = context or Context()
        if self.desk is not None:
            replied = self.desk.reply(text, context=ctx)
            if replied is not None:
                return self._desk_result(text, None, replied, ctx, t0)
        if self._security is not None:
            from thingmind.brain._security import confirm_turn  # noqa: PLC0415

            answered = confirm_turn(
                self._security,
                text,
                ctx,
                driver=self._driver,
                registry=self._registry,
            )
            if answered is not None:
                return answered
        parsed = live_questions(self._parser.parse(text))
        if sets_up_automation(parsed):
            return self._automation(text, parsed, ctx, t0)
        if self.history is not None and self.history.wants(parsed):
            return self._history(text, parsed, ctx, t0)
        resolution = self._resolver.resolve(parsed, context=ctx)
        report: FallbackReport | None = None
        if self.fallback is not None:
            reviewed = self.fallback.review(
                text,
                parsed,
                resolution,
                resolve=lambda p: self._resolver.resolve(p, context=ctx),
                registry=self._registry,
                context=ctx,
            )
            parsed, resolution, report = (
                reviewed.parsed,
                reviewed.resolution,
                reviewed.report,
            )
            # the generative model may read an automation or a history question too;
            # nothing of it is carried out now, whatever the resolver made of it
            if sets_up_automation(parsed):
                return self._automation(text, parsed, ctx, t0)
            if self.history is not None and self.history.wants(parsed):
                return self._history(text, parsed, ctx, t0)
        before: dict[str, dict[str, StateValue]] = {}
        refused = resolution.refused
        problems: list[str] = []
        if not resolution.clarify:
            for action in resolution.actions:
                if action.device_id not in before:
                    before[action.device_id] = dict(
                        self._registry.state(action.device_id)
                    )
                try:
                    self._driver.call(action.device_id, action.service, action.params)
                except ServiceError as err:
                    refused = True
                    problems.append(str(err))
                    _LOGGER.info("service refused for %s: %s", action.device_id, err)
                    continue
        changes: dict[str, dict[str, StateValue]] = {}
        for device_id, old in before.items():
            new = self._registry.state(device_id)
            diff = {k: v for k, v in new.items() if old.get(k) != v}
            if diff:
                changes[device_id] = diff
        latency = (time.perf_counter() - t0) * 1000
        answer = resolution.answer
        if problems:
            answer = f"{answer} {' '.join(problems)}".strip()
        result = TurnResult(
            text=text,
            parsed=parsed,
            resolution=resolution,
            changes=changes,
            answer=answer,
            refused=refused,
            clarify=resolution.clarify,
            latency_ms=latency,
            fallback=report,
        )
        if self._security is not None:
            from thingmind.brain._security import turn_record  # noqa: PLC0415

            for action in resolution.pending[:1]:
                self._security.confirmations.hold(
                    ctx.user,
                    action,
                    source=ctx.source,
                    text=text,
                    pin_required=resolution.pin_required,
                )
            self._security.record(turn_record(result, ctx))
        return result

    # ------------------------------------------------------------------ other turns

    def _automation(
        self, text: str, parsed: ParsedCommand, ctx: Context, t0: float
    ) -> TurnResult:
        """A sentence that sets up an automation: drafted and shown, nothing done."""
        if self.desk is None:
            from thingmind.brain._automation_turn import DeskTurn  # noqa: PLC0415

            turn = DeskTurn(
                answer="I can't set up automations here.", draft=None, refused=True
            )
        else:
            turn = self.desk.turn(parsed, context=ctx)
        return self._desk_result(text, parsed, turn, ctx, t0)

    def _desk_result(
        self,
        text: str,
        parsed: ParsedCommand | None,
        turn: DeskTurn,
        ctx: Context,
        t0: float,
    ) -> TurnResult:
        if parsed is None:
            parsed = ParsedCommand(
                text=text, words=tuple(text.split()[:64]), clauses=(), confidence=1.0
            )
        result = TurnResult(
            text=text,
            parsed=parsed,
            resolution=Resolution(answer=turn.answer, refused=turn.refused),
            changes={},
            answer=turn.answer,
            refused=turn.refused,
            clarify=False,
            latency_ms=(time.perf_counter() - t0) * 1000,
            draft=turn.draft,
        )
        self._audit(result, ctx, automation=turn)
        return result

    def _history(
        self, text: str, parsed: ParsedCommand, ctx: Context, t0: float
    ) -> TurnResult:
        """A question over history: answered from the store."""
        assert self.history is not None  # noqa: S101 - checked by the caller
        got = self.history.answer(parsed, context=ctx)
        result = TurnResult(
            text=text,
            parsed=parsed,
            resolution=Resolution(
                answer=got.answer, reads=got.reads, refused=got.refused
            ),
            changes={},
            answer=got.answer,
            refused=got.refused,
            clarify=got.clarify,
            latency_ms=(time.perf_counter() - t0) * 1000,
            reads=got.reads,
        )
        self._audit(result, ctx)
        return result

    def _audit(
        self, result: TurnResult, ctx: Context, *, automation: DeskTurn | None = None
    ) -> None:
        if self._security is None:
            return
        from thingmind.brain._security import turn_record  # noqa: PLC0415

        record = turn_record(result, ctx)
        if automation is not None and automation.draft is not None:
            made = automation.draft.automation
            record = {
                **record,
                "automation": made.id if made is not None else None,
                "automation_enabled": automation.enabled,
            }
        self._security.record(record)
