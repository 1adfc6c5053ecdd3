"""Check automations against a site: devices exist and can do what is asked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Problem
from thingmind.registry import domain_spec
from thingmind.rules._model import (
    AndCondition,
    Automation,
    Condition,
    NotCondition,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
)
from thingmind.rules._states import state_key

if TYPE_CHECKING:
    from collections.abc import Iterable

    from thingmind.registry import Registry


def check_automations(
    automations: Iterable[Automation], registry: Registry
) -> list[Problem]:
    """Check automations against a site: devices exist and can do what is asked.

    Args:
        automations: The automations.
        registry: The site.

    Returns:
        Every problem, with paths like ``automations[0] "Porch": actions[1]``.
    """
    home = registry.home
    problems: list[Problem] = []
    for index, automation in enumerate(automations):
        prefix = f'automations[{index}] "{automation.name}"'

        def add(path: str, message: str, prefix: str = prefix) -> None:
            problems.append(Problem(path=f"{prefix}: {path}", message=message))

        def check_watch(
            path: str, entities: tuple[str, ...], attribute: str | None
        ) -> None:
            for entity_id in entities:
                if not home.has_device(entity_id):
                    add(f"{path}.entity_id", f"no device {entity_id}")
                    continue
                device = home.device(entity_id)
                try:
                    key = state_key(device.type, attribute)
                except ValueError as err:
                    add(f"{path}.attribute", f"{entity_id}: {err}")
                    continue
                if key not in registry.state(entity_id):
                    add(f"{path}.attribute", f"{entity_id} has no {key!r}")

        for t_index, trigger in enumerate(automation.triggers):
            if isinstance(trigger, StateTrigger | NumericStateTrigger):
                check_watch(
                    f"triggers[{t_index}]", trigger.entity_ids, trigger.attribute
                )

        def check_condition(path: str, condition: Condition) -> None:
            if isinstance(condition, AndCondition | OrCondition | NotCondition):
                for c_index, part in enumerate(condition.conditions):
                    check_condition(f"{path}.conditions[{c_index}]", part)
            elif isinstance(condition, StateCondition | NumericStateCondition):
                check_watch(path, condition.entity_ids, condition.attribute)

        for c_index, condition in enumerate(automation.conditions):
            check_condition(f"conditions[{c_index}]", condition)
        for a_index, action in enumerate(automation.actions):
            path = f"actions[{a_index}]"
            if isinstance(action, SceneAction) and not home.has_device(action.scene_id):
                add(path, f"no scene {action.scene_id}")
            if not isinstance(action, ServiceAction):
                continue
            for entity_id in action.entity_ids:
                if not home.has_device(entity_id):
                    add(path, f"no device {entity_id}")
                    continue
                spec = domain_spec(home.device(entity_id).type)
                service = spec.services.get(action.service_name)
                if service is None:
                    add(path, f"{entity_id} has no service {action.service_name}")
                    continue
                state = registry.state(entity_id)
                for need in service.needs:
                    if need not in state:
                        add(
                            path,
                            f"{entity_id} cannot {action.service_name} (no {need!r})",
                        )
                for param in action.data:
                    if service.key_for(param) not in state:
                        add(f"{path}.data.{param}", f"{entity_id} has no {param!r}")
    return problems
