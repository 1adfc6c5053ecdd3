"""A small home and a tiny model trained on it, shared by the end-to-end tests.

The browser tests and `predict` run the whole public path on it: generator ->
fine-tuning -> int8 export -> runtime -> resolver -> devices.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from thingmind.nlu import TaggedExample
    from thingmind.registry import Home

HOME_YAML = """
floors:
  - {id: ground, name: Ground floor, aliases: [downstairs]}
  - {id: first, name: First floor, aliases: [upstairs]}
areas:
  - {id: kitchen, name: Kitchen, floor: ground}
  - {id: living_room, name: Living Room, aliases: [lounge], floor: ground}
  - {id: bedroom, name: Bedroom, floor: first}
  - {id: garden, name: Garden, outdoor: true}
devices:
  - {id: light.kitchen_ceiling, name: Kitchen ceiling light, area: kitchen, type: light,
     state: {"on": true, brightness: 80}}
  - {id: light.kitchen_counter, name: Kitchen counter lights, area: kitchen, type: light,
     state: {"on": true, brightness: 60}}
  - {id: switch.kettle, name: Kettle, area: kitchen, type: switch, state: {"on": false}}
  - {id: sensor.kitchen_temperature, name: Kitchen temperature, area: kitchen,
     type: sensor, device_class: temperature, state: {value: 21.5, unit: "°C"}}
  - {id: light.living_room_lamp, name: Living room lamp, aliases: [reading lamp],
     area: living_room, type: light, state: {"on": false, brightness: 0}}
  - {id: media_player.tv, name: TV, area: living_room, type: media_player,
     state: {playing: false, volume: 20, muted: false}}
  - {id: climate.thermostat, name: Thermostat, area: living_room, type: climate,
     state: {hvac_mode: heat, target_temperature: 20, current_temperature: 19.5, unit: C}}
  - {id: lock.front_door, name: Front door, area: living_room, type: lock,
     state: {locked: true}}
  - {id: light.bedroom, name: Bedroom light, area: bedroom, type: light,
     state: {"on": false, brightness: 0}}
  - {id: binary_sensor.bedroom_window, name: Bedroom window, area: bedroom,
     type: binary_sensor, device_class: window, state: {"on": false}}
  - {id: light.garden, name: Garden lights, area: garden, type: light,
     state: {"on": false, brightness: 0}}
"""
"""Two floors and a garden; the kitchen has two lights (both on at the start)."""


def train_tiny_model(out: Path) -> Path:
    """Train a tiny encoder on :data:`HOME_YAML` for a few hundred CPU steps.

    Args:
        out: The model folder to write.

    Returns:
        The folder, ready for ``OnnxTagger``.
    """
    from thingmind.registry import parse_home  # noqa: PLC0415
    from thingmind.train import (  # noqa: PLC0415
        FinetuneConfig,
        TinyEncoderConfig,
        base_encoder_path,
        build_model,
        finetune,
        make_encoder,
        write_model_folder,
    )
    from thingmind.train._data import generate, split  # noqa: PLC0415

    home = parse_home(HOME_YAML, source="web-test-home")
    examples = generate(home, n=1500, seed=0, include_generic=False)
    # The end-to-end tests make automations from sentences: a few hundred more of those
    # cost no training time (the run is capped in steps, not in sentences).
    examples += _automation_sentences(home, n=450)
    train, val, _ = split(examples, seed=0)
    tok = base_encoder_path() / "tokenizer.json"
    model = build_model(tiny=TinyEncoderConfig(hidden_size=64, layers=2, heads=2))
    result = finetune(
        model,
        train,
        val[:200],
        encode=make_encoder(str(tok)),
        config=FinetuneConfig(
            epochs=20, max_steps=500, eval_every=250, lr=3e-3, head_lr=1e-2, dropout=0.0
        ),
    )
    return write_model_folder(
        result.model,
        out,
        tokenizer_json=tok,
        train_config={"base": "tiny"},
        metrics=result.metrics.as_dict(),
    )


def _automation_sentences(home: Home, *, n: int) -> list[TaggedExample]:
    """Automation sentences for ``home``, drawn by the generator's own recipe."""
    import random  # noqa: PLC0415

    from thingmind.train._data._clauses import SiteGen  # noqa: PLC0415
    from thingmind.train._data._generate import _example  # noqa: PLC0415
    from thingmind.train._data._rules import automation  # noqa: PLC0415
    from thingmind.train._data._site import Site  # noqa: PLC0415

    rng = random.Random(1)  # noqa: S311 - training data, not secrets
    gen = SiteGen(Site(home))
    out: list[TaggedExample] = []
    while len(out) < n:
        segments = automation(gen, rng)
        if segments:
            out.append(_example(rng, segments))
    return out
