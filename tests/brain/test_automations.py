"""The automation manager: files and the store, created at run time, kept across restarts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
import yaml

from resolve._compact import compact
from thingmind.brain import (
    CREATED_KEY,
    AlertNotifier,
    AutomationError,
    AutomationFailure,
    AutomationManager,
    AutomationOrigin,
    Brain,
    automation_entities,
    automation_yaml,
)
from thingmind.bus import EventBus
from thingmind.core import Event, EventKind, InvalidInputError, ManualClock
from thingmind.nlu import ParsedCommand
from thingmind.registry import LocalDriver, Registry
from thingmind.resolve import Context
from thingmind.rules import (
    RunOutcome,
    SiteLocation,
    dump_automation,
    parse_automations,
)
from thingmind.store import MEMORY, SqliteStore

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from thingmind.registry import Home

T0 = 1_718_971_200.0
"""Friday 21 June 2024, 12:00 UTC."""
UTC_SITE = SiteLocation(latitude=51.5, longitude=-0.1, timezone="UTC")

FILE_YAML = """
- id: door_lamp
  alias: Door lamp
  triggers: [{trigger: state, entity_id: binary_sensor.front_door, to: "on"}]
  actions: [{action: light.turn_on, target: {entity_id: light.floor_lamp}}]
"""
CREATED_YAML = """
- id: garden_frost
  alias: Garden frost
  triggers: [{trigger: numeric_state, entity_id: sensor.garden_temperature, below: 3}]
  actions: [{action: notify.phone, data: {message: Frost in the garden}}]
"""


class Site:
    """A brain over the fixture home, a store, and the manager's parts."""

    def __init__(self, home: Home, store: SqliteStore, files: list[Path]) -> None:
        self.clock = ManualClock(T0)
        self.bus = EventBus()
        self.store = store
        self.brain = Brain(
            home=home,
            parser=_TableParser(),
            driver=LocalDriver(Registry(home)),
            bus=self.bus,
            store=store,
            clock=self.clock,
        )
        self.files = files

    def manager(self) -> AutomationManager:
        """A manager as ``serve`` builds one (a restart builds a new one)."""
        return AutomationManager(
            self.brain,
            site=UTC_SITE,
            files=self.files,
            store=self.store,
            notifier=AlertNotifier(bus=self.bus, clock=self.clock, store=self.store),
        )

    def feed(self, manager: AutomationManager, device_id: str, **data: object) -> None:
        self.clock.set(self.clock.now() + 1)
        event = Event(
            kind=EventKind.STATE_CHANGED,
            time=self.clock.now(),
            device_id=device_id,
            data=dict(data),  # type: ignore[arg-type]
        )
        self.brain.registry.set_state(device_id, event.data)
        manager.engine.process(event)


class _TableParser:
    """Reads the one automation sentence of these tests; understands nothing else."""

    version = "table"

    def parse(self, text: str) -> ParsedCommand:
        parsed = compact(PARSES.get(text, ""))
        return ParsedCommand(
            text=text, words=parsed.words, clauses=parsed.clauses, confidence=0.99
        )


DOOR_SENTENCE = "when the front door opens turn on the bathroom light"
PARSES = {
    DOOR_SENTENCE: "when: when the [front door](target) [opens](state)"
    " | turn_on: turn on the [bathroom light](target) in the [bathroom](location)"
}


@pytest.fixture
def store() -> Iterator[SqliteStore]:
    store = SqliteStore(MEMORY, flush_interval=None)
    store.open()
    yield store
    store.close()


@pytest.fixture
def site(home: Home, store: SqliteStore, tmp_path: Path) -> Site:
    path = tmp_path / "automations.yaml"
    path.write_text(FILE_YAML, encoding="utf-8")
    return Site(home, store, [path])


def test_created_automation_is_kept_across_a_restart(site: Site) -> None:
    first = site.manager()
    (created,) = first.create(CREATED_YAML)
    assert created.id == "garden_frost"
    restarted = site.manager()
    assert [(m.automation.id, m.origin) for m in restarted.automations()] == [
        ("door_lamp", AutomationOrigin.FILE),
        ("garden_frost", AutomationOrigin.CREATED),
    ]
    site.feed(restarted, "sensor.garden_temperature", value=1.5)
    (trace,) = restarted.traces("garden_frost")
    assert trace.outcome is RunOutcome.FINISHED


def test_enabled_flags_are_kept_for_file_and_created_automations(site: Site) -> None:
    first = site.manager()
    first.create(CREATED_YAML)
    assert first.disable("door_lamp").enabled is False
    first.disable("garden_frost")
    first.enable("garden_frost")
    restarted = site.manager()
    assert {m.automation.id: m.enabled for m in restarted.automations()} == {
        "door_lamp": False,
        "garden_frost": True,
    }
    site.feed(restarted, "binary_sensor.front_door", on=True)
    assert restarted.traces("door_lamp") == ()
    assert site.brain.registry.state("light.floor_lamp")["on"] is False


def test_yaml_problems_name_the_automation_path_and_line(site: Site) -> None:
    manager = site.manager()
    bad = CREATED_YAML.replace("below: 3", "below: cold")
    with pytest.raises(InvalidInputError) as info:
        manager.create(bad, source="editor")
    (problem,) = info.value.problems
    assert problem.path.startswith('automations[0] "Garden frost": triggers[0]')
    assert problem.line == 4
    assert info.value.source == "editor"
    assert [m.automation.id for m in manager.automations()] == ["door_lamp"]


def test_a_device_the_site_lacks_is_a_problem(site: Site) -> None:
    manager = site.manager()
    bad = CREATED_YAML.replace("sensor.garden_temperature", "sensor.cellar")
    with pytest.raises(InvalidInputError) as info:
        manager.create(bad)
    assert [p.path for p in info.value.problems] == [
        'automations[0] "Garden frost": triggers[0].entity_id'
    ]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda m: m.create(FILE_YAML), AutomationFailure.ID_TAKEN),
        (lambda m: m.replace("door_lamp", FILE_YAML), AutomationFailure.FROM_FILE),
        (lambda m: m.remove("door_lamp"), AutomationFailure.FROM_FILE),
        (lambda m: m.remove("nothing"), AutomationFailure.UNKNOWN),
        (lambda m: m.traces("nothing"), AutomationFailure.UNKNOWN),
    ],
    ids=["id-taken", "replace-file", "remove-file", "unknown", "traces"],
)
def test_refused_changes(
    site: Site,
    change: Callable[[AutomationManager], object],
    reason: AutomationFailure,
) -> None:
    manager = site.manager()
    with pytest.raises(AutomationError) as info:
        change(manager)
    assert info.value.reason is reason
    assert [m.automation.id for m in manager.automations()] == ["door_lamp"]


def _context() -> Context:
    return Context(user="owner", source="api")


def test_replace_and_remove_a_created_automation(site: Site) -> None:
    manager = site.manager()
    manager.create(CREATED_YAML)
    manager.replace("garden_frost", CREATED_YAML.replace("Frost in the garden", "Ice!"))
    site.feed(manager, "sensor.garden_temperature", value=1.0)
    alerts = site.store.events(start=0, end=T0 + 100, kinds=[EventKind.ALERT])
    assert [(a.data["message"], a.source) for a in alerts] == [
        ("Ice!", "rule:garden_frost")
    ]
    manager.remove("garden_frost")
    assert [m.automation.id for m in site.manager().automations()] == ["door_lamp"]


def test_replace_must_keep_the_id(site: Site) -> None:
    manager = site.manager()
    manager.create(CREATED_YAML)
    with pytest.raises(InvalidInputError) as info:
        manager.replace("garden_frost", CREATED_YAML.replace("id: garden", "id: yard"))
    assert [p.path for p in info.value.problems] == ["id"]


def test_a_one_off_is_forgotten_after_its_run(site: Site) -> None:
    manager = site.manager()
    manager.create(CREATED_YAML.replace("  alias:", "  once: true\n  alias:"))
    site.feed(manager, "sensor.garden_temperature", value=1.0)
    assert [m.automation.id for m in manager.automations()] == ["door_lamp"]
    saved = site.store.get_meta(CREATED_KEY)
    assert saved == {"version": 1, "automations": []}


def test_a_stored_automation_the_site_no_longer_fits_is_skipped_and_kept(
    site: Site,
) -> None:
    automation = CREATED_YAML.replace("sensor.garden_temperature", "sensor.cellar")
    (item,) = [automation_yaml(a) for a in parse_automations(automation, source="t")]
    site.store.put_meta(
        CREATED_KEY, {"version": 1, "automations": yaml.safe_load(item)}
    )
    manager = site.manager()
    assert list(manager.skipped) == ["garden_frost"]
    assert [m.automation.id for m in manager.automations()] == ["door_lamp"]
    manager.create(CREATED_YAML.replace("garden_frost", "frost_two"))
    saved = site.store.get_meta(CREATED_KEY)
    assert isinstance(saved, dict)
    kept = saved["automations"]
    assert isinstance(kept, list)
    assert [a["id"] for a in kept if isinstance(a, dict)] == [
        "garden_frost",
        "frost_two",
    ]


def test_yaml_round_trips_and_entities_are_listed(site: Site) -> None:
    manager = site.manager()
    (again,) = parse_automations(manager.yaml("door_lamp"), source="round-trip")
    assert dump_automation(again) == dump_automation(
        manager.engine.automation("door_lamp")
    )
    assert automation_entities(again) == {
        "binary_sensor.front_door",
        "light.floor_lamp",
    }


def test_a_sentence_is_drafted_and_nothing_runs_until_confirmed(site: Site) -> None:
    manager = site.manager()
    draft = manager.draft(DOOR_SENTENCE, context=_context())
    assert draft.automation is not None
    assert [m.automation.id for m in manager.automations()] == ["door_lamp"]
    manager.create(draft.yaml)
    site.feed(manager, "binary_sensor.front_door", on=True)
    assert site.brain.registry.state("light.bathroom")["on"] is True
    (trace,) = manager.traces(draft.automation.id)
    assert trace.outcome is RunOutcome.FINISHED


def test_a_sentence_that_sets_nothing_up_is_a_draft_without_automation(
    site: Site,
) -> None:
    draft = site.manager().draft("tell me a joke", context=_context())
    assert draft.automation is None
    assert draft.problem


def test_a_draft_confirmed_in_conversation_is_kept(site: Site) -> None:
    manager = site.manager()
    draft = manager.draft(DOOR_SENTENCE, context=_context())
    assert draft.automation is not None
    manager.accept(draft.automation, user="owner")
    restarted = site.manager()
    assert [(m.automation.id, m.origin) for m in restarted.automations()][1] == (
        draft.automation.id,
        AutomationOrigin.CREATED,
    )
    with pytest.raises(ValueError, match="already exists"):
        manager.accept(draft.automation, user="owner")
