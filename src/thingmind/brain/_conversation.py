"""The text pipeline: a sentence in, understood, resolved, carried out, answered."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
import logging
import time
from typing import TYPE_CHECKING, Protocol

from thingmind.core import ServiceError, StateValue
from thingmind.nlu import ParsedCommand
from thingmind.resolve import Context, Resolution, Resolver

if TYPE_CHECKING:
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


class Conversation:
    """Runs sentences through understanding, the resolver and the device layer."""

    def __init__(
        self,
        *,
        parser: Parser,
        registry: Registry,
        driver: DeviceDriver,
        security: Security | None = None,
    ) -> None:
        """Wire the pipeline.

        Args:
            parser: The language model (or a fallback cascade).
            registry: The site and its live state.
            driver: The device layer that carries out actions.
            security: The gate, confirmations and audit trail; without it every
                action is allowed (``predict``, tests, benchmarks).
        """
        self._parser = parser
        self._registry = registry
        self._driver = driver
        self._security = security
        self._resolver = (
            Resolver(registry)
            if security is None
            else Resolver(registry, gate=security.gate, clock=security.clock)
        )

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
        parsed = self._parser.parse(text)
        resolution = self._resolver.resolve(parsed, context=ctx)
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
