"""Actions that do not come from a sentence, through the same gate as sentences.

* :class:`GatedExecutor` is the rules engine's
  :class:`~thingmind.rules.ActionExecutor`: every service an automation calls passes
  :meth:`Security.execute` with the source ``rule:<automation id>``, so the gate knows
  who asks (an automation runs as a user of the site) and that nobody is there to
  confirm: dangerous actions are refused.
* :class:`FromSource` hands sentences that arrive over another channel (MQTT's ``say``
  topic) to the brain with that channel as their source, so a remote "yes" needs a PIN.
"""

from __future__ import annotations

import dataclasses
import logging
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from thingmind.brain._security import Reply, Security
from thingmind.registry import ServiceCallError, domain_spec
from thingmind.resolve import Context, ResolvedAction, Source, Verdict
from thingmind.rules import ExecResult

if TYPE_CHECKING:
    from collections.abc import Mapping

    from thingmind.brain._conversation import TurnResult
    from thingmind.core import StateValue
    from thingmind.registry import DeviceDriver, Registry

_LOGGER = logging.getLogger(__name__)

RULE_USER = "owner"
"""The user automations run as unless told otherwise."""


def rule_source(source: str) -> str:
    """Return ``source`` as an automation source (``rule:<id>``).

    Anything an executor is handed is an automation's request, whatever its label
    says: a label that does not read as an automation is prefixed, so it can never
    pass for a person at the site.

    Args:
        source: The label the rules engine gave (``rule:porch_light``).

    Returns:
        A label :class:`~thingmind.resolve.Source` reads as an automation.
    """
    if Source.of(source) is Source.AUTOMATION:
        return source
    return f"rule:{source}"


class GatedExecutor:
    """The rules engine's executor: every call passes the gate, then the device."""

    def __init__(
        self,
        security: Security,
        *,
        registry: Registry,
        driver: DeviceDriver,
        user: str = RULE_USER,
    ) -> None:
        """Act on the site's devices for automations.

        Args:
            security: The gate, confirmations and audit trail.
            registry: Device types and current state (for the type's own checks).
            driver: The device layer (the brain's, so its state follows at once).
            user: The user automations act as; their role bounds what rules may do.
        """
        self._security = security
        self._registry = registry
        self._driver = driver
        self.user = user

    def execute(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue],
        *,
        source: str,
    ) -> ExecResult:
        """Check one service call at the gate and carry it out when allowed.

        Args:
            device_id: The device.
            service: The service.
            params: Its parameters.
            source: The automation (``rule:<id>``).

        Returns:
            The result; a refusal (by the gate or the device) has ``ok=False`` and
            the gate's ``DenyReason`` or the device's ``ServiceFailure`` as reason.
        """
        home = self._registry.home
        if not home.has_device(device_id):
            return ExecResult(
                ok=False, reason="unknown_device", message=f"no device {device_id}"
            )
        spec = domain_spec(home.device(device_id).type)
        try:  # the type's own checks first: pure, and they name what is wrong
            spec.call(self._registry.state(device_id), service, params)
        except ServiceCallError as err:
            return ExecResult(ok=False, reason=str(err.reason), message=str(err))
        src = rule_source(source)
        done = self._security.execute(
            self.user,
            ResolvedAction(device_id=device_id, service=service, params=params),
            source=src,
            driver=self._driver,
            text=f"{src}: {service} {device_id}",
        )
        decision = done.decision
        if decision.verdict is Verdict.CONFIRM:  # the gate never asks a rule; be sure
            self._security.confirmations.answer(self.user, Reply.NO, remote=False)
            return ExecResult(
                ok=False, reason="cannot_confirm", message=decision.message
            )
        if not decision.allowed:
            reason = decision.reason.value if decision.reason else "not_permitted"
            _LOGGER.info("%s: %s.%s refused: %s", src, device_id, service, reason)
            return ExecResult(ok=False, reason=reason, message=decision.message)
        if done.error:
            return ExecResult(ok=False, reason="service_refused", message=done.error)
        return ExecResult(ok=True, changed=MappingProxyType(dict(done.changed)))


class TextHandler(Protocol):
    """Anything that answers sentences (the Brain)."""

    @property
    def registry(self) -> Registry:
        """The site."""
        ...

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out a sentence."""
        ...


class FromSource:
    """Hands sentences to the brain marked with the channel they came by."""

    def __init__(self, handler: TextHandler, *, source: str) -> None:
        """Wrap a handler.

        Args:
            handler: The Brain.
            source: The channel ("mqtt"); it replaces whatever the context says.
        """
        self._handler = handler
        self.source = source
        self.registry = handler.registry

    def handle_text(self, text: str, *, context: Context | None = None) -> TurnResult:
        """Understand and carry out a sentence that came by this channel.

        Args:
            text: The sentence.
            context: Who and where (its ``source`` is replaced).

        Returns:
            The turn's result.
        """
        ctx = dataclasses.replace(context or Context(), source=self.source)
        return self._handler.handle_text(text, context=ctx)
