"""Echoes: the state report that answers a command."""

from __future__ import annotations

import asyncio

from thingmind.mqtt._echo import Echoes


async def test_an_echo_that_does_not_come_is_left_out() -> None:
    echoes = Echoes()
    echoes.expect("light.a", {"on": True})
    echoes.sent("light.a")
    assert await echoes.wait(["light.a"], within=0.01) == {}


async def test_only_a_report_showing_the_change_is_the_echo() -> None:
    echoes = Echoes()
    echoes.expect("light.a", {"on": True})
    echoes.sent("light.a")
    waiting = asyncio.create_task(echoes.wait(["light.a"], within=5.0))
    await asyncio.sleep(0)
    echoes.reported("light.a", {"on": False})  # in flight before the command
    echoes.reported("light.a", {"on": True, "brightness": 40})
    assert await waiting == {"light.a": {"on": True, "brightness": 40}}


async def test_an_echo_that_came_first_is_kept_for_the_answer() -> None:
    echoes = Echoes()
    echoes.expect("switch.b", {"on": False})
    echoes.sent("switch.b")
    echoes.reported("switch.b", {"on": False})
    assert await echoes.wait(["switch.b"], within=0.01) == {"switch.b": {"on": False}}
