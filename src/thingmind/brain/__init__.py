"""The orchestrator: wires understanding, resolution, rules and the device layer."""

from thingmind.brain._brain import Brain
from thingmind.brain._conversation import Conversation, Parser, TurnResult
from thingmind.brain._security import (
    AuditSink,
    Confirmations,
    Executed,
    Outcome,
    PendingConfirmation,
    PinVerifier,
    Reply,
    Security,
    classify_reply,
)

__all__ = [
    "AuditSink",
    "Brain",
    "Confirmations",
    "Conversation",
    "Executed",
    "Outcome",
    "Parser",
    "PendingConfirmation",
    "PinVerifier",
    "Reply",
    "Security",
    "TurnResult",
    "classify_reply",
]
