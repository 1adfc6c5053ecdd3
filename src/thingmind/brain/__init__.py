"""The orchestrator: wires understanding, resolution, rules and the device layer."""

from thingmind.brain._brain import Brain, Learning
from thingmind.brain._conversation import Conversation, Parser, TurnResult
from thingmind.brain._gated import RULE_USER, FromSource, GatedExecutor, rule_source
from thingmind.brain._learning import LearningConversation, ModelSlot
from thingmind.brain._learning_log import (
    CorrectionLog,
    CorrectionRecord,
    CorrectionSource,
    MeantCommand,
    Redactor,
    correction_cue,
    inverse_calls,
)
from thingmind.brain._learning_retrain import (
    RetrainEvent,
    RetrainJob,
    RetrainPhase,
    RetrainPolicy,
    RetrainScheduler,
    RetrainTrigger,
    default_command,
    names_fingerprint,
)
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
    "RULE_USER",
    "AuditSink",
    "Brain",
    "Confirmations",
    "Conversation",
    "CorrectionLog",
    "CorrectionRecord",
    "CorrectionSource",
    "Executed",
    "FromSource",
    "GatedExecutor",
    "Learning",
    "LearningConversation",
    "MeantCommand",
    "ModelSlot",
    "Outcome",
    "Parser",
    "PendingConfirmation",
    "PinVerifier",
    "Redactor",
    "Reply",
    "RetrainEvent",
    "RetrainJob",
    "RetrainPhase",
    "RetrainPolicy",
    "RetrainScheduler",
    "RetrainTrigger",
    "Security",
    "TurnResult",
    "classify_reply",
    "correction_cue",
    "default_command",
    "inverse_calls",
    "names_fingerprint",
    "rule_source",
]
