"""An automation read from a sentence, shown to the user before it is enabled."""

from __future__ import annotations

from dataclasses import dataclass

from thingmind.rules._model import Automation


@dataclass(frozen=True, slots=True, kw_only=True)
class AutomationDraft:
    """What a sentence such as "when the front door opens turn on the hall light" became.

    Nothing runs until the user confirms: the draft is shown back in plain words and as
    YAML first.
    """

    text: str
    """The sentence as received."""
    automation: Automation | None
    """The record, or ``None`` when no automation could be made (see :attr:`problem`)."""
    summary: str = ""
    """The automation in plain words: "When Front door opens, after sunset: turn on Hall light"."""
    yaml: str = ""
    """The record in Home Assistant's YAML shape."""
    problem: str | None = None
    """Why no automation could be made, in words for the user."""

    @property
    def ok(self) -> bool:
        """True when there is an automation to confirm."""
        return self.automation is not None
