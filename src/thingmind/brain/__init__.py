"""The orchestrator: wires understanding, resolution, rules and the device layer."""

from thingmind.brain._brain import Brain
from thingmind.brain._conversation import Conversation, Parser, TurnResult

__all__ = ["Brain", "Conversation", "Parser", "TurnResult"]
