"""Resolution: a parsed sentence plus the site -> actions to run, state read, an answer.

``Resolver(registry).resolve(parsed, context=Context(area=...))`` returns a
:class:`Resolution`. It never executes anything and never raises for an expected
failure: what cannot be done is listed in ``failures`` with a :class:`FailReason`.

All safety policy lives here: :class:`Gate` applies a :class:`Policy` (users, roles,
rules, dangerous actions that need confirmation, safe values) to every action,
whatever asked for it; ``Resolver(registry, gate=gate)`` passes each action through it.
"""

from thingmind.resolve._admit import Permission
from thingmind.resolve._confirm import Danger, danger_of
from thingmind.resolve._gate import (
    DenyReason,
    Gate,
    GateDecision,
    Source,
    Verdict,
)
from thingmind.resolve._model import (
    Context,
    FailReason,
    Failure,
    Resolution,
    ResolvedAction,
)
from thingmind.resolve._policy import (
    DEFAULT_LIMITS,
    DEFAULT_ROLE_RULES,
    ActionKind,
    Effect,
    Limit,
    Policy,
    Role,
    Rule,
    User,
    action_kind,
    policy_from_dict,
)
from thingmind.resolve._resolver import Resolver
from thingmind.resolve._say import label, state_word
from thingmind.resolve._text import parse_number

__all__ = [
    "DEFAULT_LIMITS",
    "DEFAULT_ROLE_RULES",
    "ActionKind",
    "Context",
    "Danger",
    "DenyReason",
    "Effect",
    "FailReason",
    "Failure",
    "Gate",
    "GateDecision",
    "Limit",
    "Permission",
    "Policy",
    "Resolution",
    "ResolvedAction",
    "Resolver",
    "Role",
    "Rule",
    "Source",
    "User",
    "Verdict",
    "action_kind",
    "danger_of",
    "label",
    "parse_number",
    "policy_from_dict",
    "state_word",
]
