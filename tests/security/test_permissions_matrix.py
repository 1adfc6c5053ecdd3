"""The permissions matrix: every role against every action kind on every device type."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import TYPE_CHECKING

import pytest

from security._world import HOME_YAML
from thingmind.registry import Device, parse_home
from thingmind.resolve import (
    ActionKind,
    Danger,
    Gate,
    Policy,
    ResolvedAction,
    Role,
    User,
    Verdict,
    action_kind,
)

if TYPE_CHECKING:
    from thingmind.core import Domain

HOME = parse_home(HOME_YAML, source="matrix")
POLICY = Policy(users={r.value: User(id=r.value, role=r) for r in Role})
GATE = Gate(HOME, POLICY)
NOON = dt.datetime(2025, 6, 1, 12, 0, tzinfo=dt.UTC)

# (device, service, params) standing for each action kind
SAMPLES: dict[ActionKind, tuple[str, str, dict[str, float]]] = {
    ActionKind.TURN_ON: ("light.kitchen", "turn_on", {}),
    ActionKind.TURN_OFF: ("light.kitchen", "turn_off", {}),
    ActionKind.SET: ("climate.thermostat", "set_temperature", {"temperature": 21}),
    ActionKind.MEDIA: ("media_player.tv", "media_play", {}),
    ActionKind.OPEN: ("cover.garage_door", "open_cover", {}),
    ActionKind.CLOSE: ("cover.garage_door", "close_cover", {}),
    ActionKind.LOCK: ("lock.front_door", "lock", {}),
    ActionKind.UNLOCK: ("lock.front_door", "unlock", {}),
    ActionKind.ARM: ("alarm_control_panel.house", "alarm_arm_away", {}),
    ActionKind.DISARM: ("alarm_control_panel.house", "alarm_disarm", {}),
    ActionKind.SCENE: ("scene.leave_open", "turn_on", {}),
}

A = Verdict.ALLOW
C = Verdict.CONFIRM
D = Verdict.DENY
EXPECTED: dict[Role, dict[ActionKind, Verdict]] = {
    Role.OWNER: {
        ActionKind.TURN_ON: A,
        ActionKind.TURN_OFF: A,
        ActionKind.SET: A,
        ActionKind.MEDIA: A,
        ActionKind.OPEN: C,
        ActionKind.CLOSE: A,
        ActionKind.LOCK: A,
        ActionKind.UNLOCK: C,
        ActionKind.ARM: A,
        ActionKind.DISARM: C,
        ActionKind.SCENE: C,
    },
    Role.RESIDENT: {
        ActionKind.TURN_ON: A,
        ActionKind.TURN_OFF: A,
        ActionKind.SET: A,
        ActionKind.MEDIA: A,
        ActionKind.OPEN: C,
        ActionKind.CLOSE: A,
        ActionKind.LOCK: A,
        ActionKind.UNLOCK: C,
        ActionKind.ARM: A,
        ActionKind.DISARM: C,
        ActionKind.SCENE: C,
    },
    Role.GUEST: {
        ActionKind.TURN_ON: A,
        ActionKind.TURN_OFF: A,
        ActionKind.SET: D,
        ActionKind.MEDIA: A,
        ActionKind.OPEN: D,
        ActionKind.CLOSE: D,
        ActionKind.LOCK: D,
        ActionKind.UNLOCK: D,
        ActionKind.ARM: D,
        ActionKind.DISARM: D,
        ActionKind.SCENE: D,
    },
    Role.CHILD: {
        ActionKind.TURN_ON: A,
        ActionKind.TURN_OFF: A,
        ActionKind.SET: A,
        ActionKind.MEDIA: A,
        ActionKind.OPEN: D,
        ActionKind.CLOSE: A,
        ActionKind.LOCK: A,
        ActionKind.UNLOCK: D,
        ActionKind.ARM: A,
        ActionKind.DISARM: D,
        ActionKind.SCENE: D,
    },
    Role.SERVICE: dict.fromkeys(ActionKind, D),
}
CASES = [
    (role, kind)
    for role, kind in itertools.product(Role, ActionKind)
    if kind is not ActionKind.READ
]


@pytest.mark.parametrize(("role", "kind"), CASES, ids=[f"{r}-{k}" for r, k in CASES])
def test_matrix(role: Role, kind: ActionKind) -> None:
    device_id, service, params = SAMPLES[kind]
    action = ResolvedAction(device_id=device_id, service=service, params=params)
    assert action_kind(HOME.device(device_id), service, params) is kind
    decision = GATE.check(role.value, action, source="speech", now=NOON)
    assert decision.verdict is EXPECTED[role][kind]


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_role_reads_what_it_should(role: Role) -> None:
    readable = {d.id for d in HOME.devices if GATE.can_read(role.value, d.id)}
    if role is Role.GUEST:
        assert "lock.front_door" not in readable
        assert "alarm_control_panel.house" not in readable
    else:
        assert "lock.front_door" in readable


TYPES_SEEN = sorted({d.type for d in HOME.devices})


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
@pytest.mark.parametrize("domain", TYPES_SEEN, ids=[t.value for t in TYPES_SEEN])
def test_every_service_of_every_type_is_decided(role: Role, domain: Domain) -> None:
    from thingmind.registry import domain_spec  # noqa: PLC0415

    device: Device = next(d for d in HOME.devices if d.type is domain)
    for service in domain_spec(domain).services:
        action = ResolvedAction(device_id=device.id, service=service, params={})
        decision = GATE.check(role.value, action, source="api", now=NOON)
        assert decision.verdict in {A, C, D}
        if role is Role.SERVICE:
            assert decision.verdict is D


def test_unknown_users_are_refused_everything() -> None:
    action = ResolvedAction(device_id="light.kitchen", service="turn_on")
    decision = GATE.check("mallory", action, source="speech", now=NOON)
    assert decision.verdict is D


def test_remote_confirmation_needs_a_pin() -> None:
    action = ResolvedAction(device_id="lock.front_door", service="unlock")
    decision = GATE.check("owner", action, source="api", now=NOON)
    assert (decision.verdict, decision.pin_required, decision.danger) == (
        C,
        True,
        Danger.UNLOCK,
    )
