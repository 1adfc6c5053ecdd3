"""Automations (trigger / condition / action) and streaming anomaly detection.

Automations are data in the shape of Home Assistant's automation YAML::

    automations = parse_automations(text, source="automations.yaml")
    engine = RuleEngine(automations, registry=registry, executor=executor,
                        clock=clock, site=site, persistence=store)
    for event in events:
        engine.process(event)
    engine.traces("porch_light")
"""

from thingmind.rules._anomaly import (
    AlertPhase,
    AnomalyConfig,
    AnomalyMonitor,
    DetectorKind,
    PhysicalLimit,
    Severity,
    physical_limit,
)
from thingmind.rules._check import check_automations
from thingmind.rules._compose import ComposeError, Composer, find_devices, state_value
from thingmind.rules._draft import AutomationDraft
from thingmind.rules._dump import dump_automation
from thingmind.rules._engine import RuleEngine
from thingmind.rules._model import (
    DEFAULT_MAX_RUNS_PER_MINUTE,
    Action,
    ActionKind,
    AndCondition,
    Automation,
    Condition,
    ConditionKind,
    DelayAction,
    EventTrigger,
    NotCondition,
    NotifyAction,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    RunMode,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    SunCondition,
    SunEvent,
    SunTrigger,
    TimeCondition,
    TimeTrigger,
    Trigger,
    TriggerKind,
    Weekday,
)
from thingmind.rules._parse import (
    load_automations,
    parse_automation_data,
    parse_automations,
)
from thingmind.rules._parts import sets_up_automation
from thingmind.rules._ports import (
    ActionExecutor,
    DriverExecutor,
    ExecResult,
    JsonValue,
    KeyValueStore,
    LogNotifier,
    MemoryKeyValueStore,
    Notifier,
)
from thingmind.rules._states import MAIN_KEY, canon, expected_value, state_key
from thingmind.rules._stats import DecayedHistogram, SeasonalBaseline
from thingmind.rules._sun import SiteLocation
from thingmind.rules._timers import TIMERS_KEY
from thingmind.rules._trace import ActionResult, ConditionResult, RunOutcome, Trace

__all__ = [
    "DEFAULT_MAX_RUNS_PER_MINUTE",
    "MAIN_KEY",
    "TIMERS_KEY",
    "Action",
    "ActionExecutor",
    "ActionKind",
    "ActionResult",
    "AlertPhase",
    "AndCondition",
    "AnomalyConfig",
    "AnomalyMonitor",
    "Automation",
    "AutomationDraft",
    "ComposeError",
    "Composer",
    "Condition",
    "ConditionKind",
    "ConditionResult",
    "DecayedHistogram",
    "DelayAction",
    "DetectorKind",
    "DriverExecutor",
    "EventTrigger",
    "ExecResult",
    "JsonValue",
    "KeyValueStore",
    "LogNotifier",
    "MemoryKeyValueStore",
    "NotCondition",
    "Notifier",
    "NotifyAction",
    "NumericStateCondition",
    "NumericStateTrigger",
    "OrCondition",
    "PhysicalLimit",
    "RuleEngine",
    "RunMode",
    "RunOutcome",
    "SceneAction",
    "SeasonalBaseline",
    "ServiceAction",
    "Severity",
    "SiteLocation",
    "StateCondition",
    "StateTrigger",
    "SunCondition",
    "SunEvent",
    "SunTrigger",
    "TimeCondition",
    "TimeTrigger",
    "Trace",
    "Trigger",
    "TriggerKind",
    "Weekday",
    "canon",
    "check_automations",
    "dump_automation",
    "expected_value",
    "find_devices",
    "load_automations",
    "parse_automation_data",
    "parse_automations",
    "physical_limit",
    "sets_up_automation",
    "state_key",
    "state_value",
]
