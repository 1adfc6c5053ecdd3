"""Fixture sites for the resolver, with the traps of the benchmark homes.

The house: Study lamp stands in the kids' room (the study has its own ceiling light),
"TV plug" (a switch) is not the TV (a media player), "Front door" is the lock and
"Front door contact" the door sensor, the living-room thermostat is in °C and the
bedroom AC in °F, two lights share the name "Bathroom light", and one light can only
switch on and off. The plant: pumps, conveyors and extractors named by number.
"""

from __future__ import annotations

from dataclasses import dataclass

from resolve._compact import compact
from thingmind.core import StateValue
from thingmind.registry import LocalDriver, Registry, parse_home
from thingmind.resolve import Context, Resolution, Resolver

HOUSE_YAML = """
floors:
  - {id: ground, name: Ground floor, aliases: [downstairs]}
  - {id: first, name: First floor, aliases: [upstairs]}
areas:
  - {id: living_room, name: Living Room, aliases: [lounge], floor: ground}
  - {id: kitchen, name: Kitchen, floor: ground}
  - {id: hallway, name: Hallway, aliases: [hall], floor: ground}
  - {id: study, name: Study, aliases: [office], floor: ground}
  - {id: guest_bathroom, name: Guest Bathroom, floor: ground}
  - {id: main_bedroom, name: Main Bedroom, aliases: [bedroom], floor: first}
  - {id: kids_bedroom, name: Kids' Bedroom, aliases: [kids room, Emma's room], floor: first}
  - {id: bathroom, name: Bathroom, floor: first}
  - {id: garden, name: Garden, outdoor: true}
devices:
  - {id: light.living_room_ceiling, name: Living room ceiling light, aliases: [big light],
     area: living_room, type: light, state: {"on": true, brightness: 80, color: warm white}}
  - {id: light.floor_lamp, name: Floor lamp, area: living_room, type: light,
     state: {"on": false, brightness: 0, color: warm white}}
  - {id: media_player.tv, name: Living room TV, aliases: [TV, telly], area: living_room,
     type: media_player, device_class: tv, state: {playing: true, volume: 30, muted: false}}
  - {id: switch.tv_plug, name: TV plug, area: living_room, type: switch,
     device_class: outlet, state: {"on": true}}
  - {id: climate.thermostat, name: Living room thermostat, aliases: [heating],
     area: living_room, type: climate,
     state: {hvac_mode: heat, target_temperature: 20, current_temperature: 19.5, unit: C}}
  - {id: cover.living_room_blinds, name: Living room blinds, area: living_room, type: cover,
     device_class: blind, state: {position: 60, open: true}}
  - {id: vacuum.robbie, name: Robbie, area: living_room, type: vacuum,
     state: {status: docked}}
  - {id: light.kitchen_ceiling, name: Kitchen ceiling light, area: kitchen, type: light,
     state: {"on": true, brightness: 100}}
  - {id: light.kitchen_island, name: Island lights, area: kitchen, type: light,
     state: {"on": true, brightness: 70}}
  - {id: switch.coffee_maker, name: Coffee maker, aliases: [coffee machine], area: kitchen,
     type: switch, device_class: outlet, state: {"on": false}}
  - {id: switch.kettle_plug, name: Kettle plug, aliases: [kettle], area: kitchen,
     type: switch, device_class: outlet, state: {"on": false}}
  - {id: switch.fridge, name: Fridge, area: kitchen, type: switch, device_class: outlet,
     state: {"on": true}}
  - {id: sensor.kitchen_temperature, name: Kitchen temperature, area: kitchen, type: sensor,
     device_class: temperature, state: {value: 21.5, unit: "°C"}}
  - {id: binary_sensor.kitchen_window, name: Kitchen window, area: kitchen,
     type: binary_sensor, device_class: window, state: {"on": true}}
  - {id: light.hallway, name: Hallway light, area: hallway, type: light,
     state: {"on": true, brightness: 50}}
  - {id: lock.front_door, name: Front door, aliases: [front door lock], area: hallway,
     type: lock, state: {locked: true}}
  - {id: binary_sensor.front_door_contact, name: Front door contact, area: hallway,
     type: binary_sensor, device_class: door, state: {"on": true}}
  - {id: lock.back_door, name: Back door, area: hallway, type: lock, state: {locked: false}}
  - {id: alarm_control_panel.alarm, name: House alarm, aliases: [alarm], area: hallway,
     type: alarm_control_panel, state: {state: armed_home}}
  - {id: light.study_ceiling, name: Study ceiling light, area: study, type: light,
     state: {"on": true, brightness: 60}}
  - {id: fan.desk_fan, name: Desk fan, area: study, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: sensor.study_co2, name: Study CO2, area: study, type: sensor,
     device_class: carbon_dioxide, state: {value: 950, unit: ppm}}
  - {id: light.guest_bathroom, name: Bathroom light, area: guest_bathroom, type: light,
     state: {"on": false}}
  - {id: light.bedroom_lamp, name: Bedroom lamp, area: main_bedroom, type: light,
     state: {"on": true, brightness: 40, color: warm white}}
  - {id: light.bedroom_ceiling, name: Bedroom ceiling light, area: main_bedroom,
     type: light, state: {"on": false, brightness: 0}}
  - {id: climate.bedroom_ac, name: Bedroom AC, aliases: [aircon, air con], area: main_bedroom,
     type: climate,
     state: {hvac_mode: cool, target_temperature: 72, current_temperature: 75, unit: F}}
  - {id: fan.ceiling_fan, name: Ceiling fan, area: main_bedroom, type: fan,
     state: {"on": true, percentage: 50}}
  - {id: cover.bedroom_blinds, name: Bedroom blinds, area: main_bedroom, type: cover,
     device_class: blind, state: {position: 100, open: true}}
  - {id: media_player.bedroom_speaker, name: Bedroom speaker, area: main_bedroom,
     type: media_player, device_class: speaker,
     state: {playing: true, volume: 40, muted: false}}
  - {id: light.kids_ceiling, name: Kids ceiling light, area: kids_bedroom, type: light,
     state: {"on": true, brightness: 100, color: white}}
  - {id: light.kids_lamp, name: Kids bedroom lamp, aliases: [night light],
     area: kids_bedroom, type: light, state: {"on": true, brightness: 30, color: blue}}
  - {id: light.study_lamp, name: Study lamp, area: kids_bedroom, type: light,
     state: {"on": true, brightness: 70}}
  - {id: sensor.kids_temperature, name: Kids room temperature, area: kids_bedroom,
     type: sensor, device_class: temperature, state: {value: 20.5, unit: "°C"}}
  - {id: light.bathroom, name: Bathroom light, area: bathroom, type: light,
     state: {"on": false, brightness: 0}}
  - {id: binary_sensor.bathroom_window, name: Bathroom window, area: bathroom,
     type: binary_sensor, device_class: window, state: {"on": true}}
  - {id: light.patio, name: Patio lights, area: garden, type: light,
     state: {"on": false, brightness: 0, color: warm white}}
  - {id: valve.garden_watering, name: Garden watering, aliases: [sprinklers], area: garden,
     type: valve, device_class: water, state: {position: 0, open: false}}
  - {id: sensor.outdoor_temperature, name: Outside temperature, area: garden, type: sensor,
     device_class: temperature, state: {value: 12.5, unit: "°C"}}
"""

PLANT_YAML = """
areas:
  - {id: line_1, name: Line 1, aliases: [line one]}
  - {id: line_2, name: Line 2, aliases: [line two]}
  - {id: boiler_room, name: Boiler Room, aliases: [plant room]}
  - {id: loading_dock, name: Loading Dock, aliases: [dock]}
devices:
  - {id: switch.conveyor_1, name: Conveyor 1, area: line_1, type: switch, state: {"on": true}}
  - {id: switch.pump_1, name: Pump 1, aliases: [pump one], area: line_1, type: switch,
     state: {"on": true}}
  - {id: valve.line_1_coolant, name: Line 1 coolant valve, area: line_1, type: valve,
     state: {position: 60, open: true}}
  - {id: fan.line_1_extractor, name: Line 1 extractor, area: line_1, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: sensor.line_1_pressure, name: Line 1 pressure, area: line_1, type: sensor,
     device_class: pressure, state: {value: 4.2, unit: bar}}
  - {id: sensor.line_1_temperature, name: Line 1 temperature, area: line_1, type: sensor,
     device_class: temperature, state: {value: 38.5, unit: "°C"}}
  - {id: binary_sensor.line_1_fault, name: Line 1 fault, area: line_1,
     type: binary_sensor, device_class: problem, state: {"on": false}}
  - {id: switch.conveyor_2, name: Conveyor 2, area: line_2, type: switch,
     state: {"on": false}}
  - {id: switch.pump_2, name: Pump 2, aliases: [pump two], area: line_2, type: switch,
     state: {"on": true}}
  - {id: fan.line_2_extractor, name: Line 2 extractor, area: line_2, type: fan,
     state: {"on": true, percentage: 60}}
  - {id: sensor.line_2_pressure, name: Line 2 pressure, area: line_2, type: sensor,
     device_class: pressure, state: {value: 3.6, unit: bar}}
  - {id: binary_sensor.line_2_fault, name: Line 2 fault, area: line_2,
     type: binary_sensor, device_class: problem, state: {"on": true}}
  - {id: switch.feed_pump, name: Boiler feed pump, aliases: [feed pump],
     area: boiler_room, type: switch, state: {"on": true}}
  - {id: valve.boiler_gas, name: Boiler gas valve, aliases: [gas valve], area: boiler_room,
     type: valve, device_class: gas, state: {position: 100, open: true}}
  - {id: fan.boiler_extractor, name: Boiler room extractor, area: boiler_room, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: cover.dock_door_1, name: Dock door 1, aliases: [roller door 1], area: loading_dock,
     type: cover, device_class: shutter, state: {position: 0, open: false}}
  - {id: cover.dock_door_2, name: Dock door 2, aliases: [roller door 2], area: loading_dock,
     type: cover, device_class: shutter, state: {position: 100, open: true}}
  - {id: binary_sensor.dock_side_door, name: Dock side door, area: loading_dock,
     type: binary_sensor, device_class: door, state: {"on": true}}
"""

FLAT_YAML = """
areas:
  - {id: hall, name: Hall}
  - {id: living_room, name: Living Room, aliases: [lounge]}
  - {id: kitchen, name: Kitchen}
  - {id: bedroom, name: Bedroom}
  - {id: bathroom, name: Bathroom}
devices:
  - {id: binary_sensor.front_door, name: Front door, area: hall, type: binary_sensor,
     device_class: door, state: {"on": true}}
  - {id: lock.front_door, name: Front door lock, area: hall, type: lock,
     state: {locked: false}}
  - {id: light.hall, name: Hall light, area: hall, type: light,
     state: {"on": false, brightness: 0}}
  - {id: alarm_control_panel.alarm, name: Alarm, area: hall, type: alarm_control_panel,
     state: {state: disarmed}}
  - {id: binary_sensor.hall_smoke, name: Hall detector, area: hall, type: binary_sensor,
     device_class: smoke, state: {"on": false}}
  - {id: light.reading_lamp, name: Reading lamp, area: living_room, type: light,
     state: {"on": false, brightness: 0}}
  - {id: light.living_ceiling, name: Ceiling light, area: living_room, type: light,
     state: {"on": true, brightness: 60}}
  - {id: climate.living, name: Thermostat, area: living_room, type: climate,
     state: {hvac_mode: heat, target_temperature: 20, current_temperature: 19, unit: C}}
  - {id: vacuum.dusty, name: Dusty, area: living_room, type: vacuum, state: {status: docked}}
  - {id: binary_sensor.living_motion, name: Lounge sensor, area: living_room,
     type: binary_sensor, device_class: motion, state: {"on": true}}
  - {id: switch.kettle, name: Kettle, area: kitchen, type: switch, state: {"on": false}}
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light,
     state: {"on": true, brightness: 80}}
  - {id: binary_sensor.kitchen_leak, name: Under sink, area: kitchen, type: binary_sensor,
     device_class: moisture, state: {"on": false}}
  - {id: media_player.kitchen_speaker, name: Kitchen speaker, area: kitchen,
     type: media_player, state: {playing: false, volume: 20, muted: false}}
  - {id: climate.bedroom, name: Bedroom heater, area: bedroom, type: climate,
     state: {hvac_mode: "off", target_temperature: 18, current_temperature: 17, unit: C}}
  - {id: binary_sensor.bedroom_window, name: Bedroom window, area: bedroom,
     type: binary_sensor, device_class: window, state: {"on": false}}
  - {id: binary_sensor.bedroom_presence, name: Bedroom presence, area: bedroom,
     type: binary_sensor, device_class: occupancy, state: {"on": false}}
  - {id: light.bedroom, name: Bedroom light, area: bedroom, type: light,
     state: {"on": false, brightness: 0}}
  - {id: binary_sensor.bathroom_leak, name: Bathroom floor, area: bathroom,
     type: binary_sensor, device_class: moisture, state: {"on": true}}
"""
"""A flat whose traps are about what a device can do: "Front door" is the door contact
and "Front door lock" the lock; leak, smoke and motion sensors are named without those
words; one vacuum, one alarm panel, two thermostats in two rooms."""

WORKS_YAML = """
areas:
  - {id: line_1, name: Line 1, aliases: [line one]}
  - {id: line_2, name: Line 2, aliases: [line two]}
  - {id: press_shop, name: Press Shop}
devices:
  - {id: sensor.line_1_pressure, name: Line 1 pressure, area: line_1, type: sensor,
     device_class: pressure, state: {value: 4.2, unit: bar}}
  - {id: sensor.line_1_vibration, name: Line 1 vibration, area: line_1, type: sensor,
     state: {value: 2.1, unit: mm/s}}
  - {id: sensor.line_1_power, name: Line 1 meter, area: line_1, type: sensor,
     device_class: power, state: {value: 1500, unit: W}}
  - {id: sensor.line_1_oil, name: Line 1 oil, area: line_1, type: sensor,
     state: {value: 55, unit: "°C"}}
  - {id: binary_sensor.line_1_fault, name: Line 1 fault, area: line_1,
     type: binary_sensor, device_class: problem, state: {"on": false}}
  - {id: fan.line_1_extractor, name: Line 1 extractor, area: line_1, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: sensor.line_2_pressure, name: Line 2 pressure, area: line_2, type: sensor,
     device_class: pressure, state: {value: 3.6, unit: bar}}
  - {id: sensor.line_2_drive, name: Line 2 drive, area: line_2, type: sensor,
     device_class: vibration, state: {value: 7.5, unit: mm/s}}
  - {id: binary_sensor.line_2_jam, name: Line 2 jam detector, area: line_2,
     type: binary_sensor, device_class: problem, state: {"on": true}}
  - {id: fan.line_2_extractor, name: Line 2 extractor, area: line_2, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: fan.press_extractor, name: Press extractor, area: press_shop, type: fan,
     state: {"on": false, percentage: 0}}
  - {id: switch.press_1, name: Press 1, area: press_shop, type: switch, state: {"on": true}}
"""
"""A works whose sensors are named and classed unevenly: the line 1 vibration sensor has
no device class, the line 2 one has no "vibration" in its name, the fault sensors are
"fault" and "jam detector"."""

TWO_VACUUMS_YAML = """
floors:
  - {id: ground, name: Ground floor, aliases: [downstairs]}
  - {id: first, name: First floor, aliases: [upstairs]}
areas:
  - {id: lounge, name: Lounge, floor: ground}
  - {id: kitchen, name: Kitchen, floor: ground}
  - {id: landing, name: Landing, floor: first}
devices:
  - {id: vacuum.down, name: Downstairs robot, area: lounge, type: vacuum,
     state: {status: docked}}
  - {id: vacuum.up, name: Upstairs robot, area: landing, type: vacuum,
     state: {status: docked}}
  - {id: climate.only, name: Thermostat, area: lounge, type: climate,
     state: {hvac_mode: heat, target_temperature: 20, current_temperature: 19, unit: C}}
  - {id: light.kitchen, name: Kitchen light, area: kitchen, type: light,
     state: {"on": true, brightness: 50}}
"""
"""Two vacuums on two floors and one thermostat."""

Changes = dict[str, dict[str, StateValue]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """A resolution and what carrying out its actions changed."""

    resolution: Resolution
    changes: Changes
    """The keys each device changed, with their new values."""
    after: Changes
    """Every device's state after the actions."""

    def check(self, expected: Changes) -> None:
        """Assert the benchmark rule: expected values hold, nothing else changed."""
        unexpected = set(self.changes) - set(expected)
        assert not unexpected, f"unexpected changes: {sorted(unexpected)}"
        for device_id, values in expected.items():
            for key, value in values.items():
                assert self.after[device_id][key] == value, (device_id, key)


class Site:
    """A resolver over a fresh registry, with a helper that runs a compact command."""

    def __init__(self, yaml_text: str) -> None:
        self.registry = Registry(parse_home(yaml_text, source="tests/resolve"))
        self.resolver = Resolver(self.registry)
        self.driver = LocalDriver(self.registry)

    def resolve(
        self, text: str, *, area: str | None = None, device: str | None = None
    ) -> Resolution:
        return self.resolver.resolve(
            compact(text), context=Context(area=area, device=device)
        )

    def run(
        self, text: str, *, area: str | None = None, device: str | None = None
    ) -> Outcome:
        before = self.registry.snapshot()
        resolution = self.resolve(text, area=area, device=device)
        for action in resolution.actions:
            self.driver.call(action.device_id, action.service, action.params)
        after = self.registry.snapshot()
        changes: Changes = {}
        for device_id, state in after.items():
            diff = {k: v for k, v in state.items() if before[device_id].get(k) != v}
            if diff:
                changes[device_id] = diff
        self.registry.restore(before)
        return Outcome(resolution=resolution, changes=changes, after=after)
