"""Counters of the MQTT interface: what came in, what was applied, what was refused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
import logging
import time

from thingmind.mqtt._errors import RejectedError, Rejection

_LOGGER = logging.getLogger(__name__)

_LOUD_PER_MINUTE = (
    20  # rejections logged at WARNING per reason per minute; the rest at DEBUG
)


@dataclass(slots=True)
class MqttStats:
    """What the MQTT interface has seen since it started."""

    received: int = 0
    """Messages taken from the broker."""
    state_messages: int = 0
    """State messages that were applied (changed something or not)."""
    discovery_configs: int = 0
    """Discovery configs that bound an entity to a device of the site."""
    removals: int = 0
    """Entities removed by an empty config."""
    commands_sent: int = 0
    """Command messages published."""
    utterances: int = 0
    """Utterances answered."""
    commands: int = 0
    """Commands (``<root>/<site>/command``) answered."""
    duplicates: int = 0
    """Sentences and commands skipped: their idempotency key was claimed before."""
    rejected: Counter[Rejection] = field(default_factory=Counter)
    """Messages rejected, by reason."""
    _window: dict[Rejection, tuple[float, int]] = field(
        default_factory=dict, repr=False
    )

    @property
    def rejected_total(self) -> int:
        """Messages rejected, all reasons."""
        return sum(self.rejected.values())

    def reject(self, err: RejectedError, topic: str) -> None:
        """Count a rejection and log it (at WARNING, rate-limited per reason).

        Args:
            err: Why.
            topic: Where it came from.
        """
        reason = err.reason
        self.rejected[reason] += 1
        now = time.monotonic()
        start, count = self._window.get(reason, (now, 0))
        if now - start > 60.0:
            start, count = now, 0
        self._window[reason] = (start, count + 1)
        level = logging.WARNING if count < _LOUD_PER_MINUTE else logging.DEBUG
        _LOGGER.log(
            level, "mqtt: rejected %s on %r: %s", reason, topic[:200], err.detail
        )

    def as_dict(self) -> dict[str, int]:
        """Return the counters as a flat dict (``rejected.<reason>`` for each reason)."""
        out = {
            "received": self.received,
            "state_messages": self.state_messages,
            "discovery_configs": self.discovery_configs,
            "removals": self.removals,
            "commands_sent": self.commands_sent,
            "utterances": self.utterances,
            "commands": self.commands,
            "duplicates": self.duplicates,
            "rejected": self.rejected_total,
        }
        out.update({f"rejected.{r}": n for r, n in sorted(self.rejected.items())})
        return out
