"""Automations while the service runs: from files and the store, changed at run time.

:class:`AutomationManager` owns the :class:`~thingmind.rules.RuleEngine` of a running
brain. It loads the YAML files given to ``serve`` and the automations people created
while it ran (kept in the store's metadata), creates new ones from YAML (every
problem named with the automation, its path and line), enables, disables, replaces
and removes them, and keeps the enabled flags across restarts. A sentence becomes a
draft (:meth:`AutomationManager.draft`) that runs only once the user confirms it by
creating it from the draft's YAML.

Everything here runs on the event loop's thread, as the engine does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
import logging
from typing import TYPE_CHECKING

import yaml

from thingmind.bus import BusError
from thingmind.core import (
    Event,
    EventKind,
    InvalidInputError,
    Problem,
    ThingmindError,
)
from thingmind.rules import (
    AndCondition,
    Automation,
    NotCondition,
    NumericStateCondition,
    NumericStateTrigger,
    OrCondition,
    RuleEngine,
    SceneAction,
    ServiceAction,
    StateCondition,
    StateTrigger,
    Trace,
    check_automations,
    dump_automation,
    load_automations,
    parse_automation_data,
    parse_automations,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Sequence
    from pathlib import Path

    from thingmind.brain._brain import Brain
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.resolve import Context
    from thingmind.rules import (
        AutomationDraft,
        Condition,
        JsonValue,
        KeyValueStore,
        Notifier,
        SiteLocation,
    )
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)

CREATED_KEY = "automations.created"
"""Store metadata key of the automations created at run time (``{"version": 1,
"automations": [...]}``, each in Home Assistant's shape)."""
FLAGS_KEY = "automations.enabled"
"""Store metadata key of the enabled flags set at run time (``{id: bool}``); they
override the files' ``enabled:``."""
STORE_SOURCE = "store"
"""The ``source`` of automations read back from the store."""


class AutomationOrigin(StrEnum):
    """Where an automation is defined."""

    FILE = "file"
    """A YAML file given to ``serve``: change it by editing the file."""
    CREATED = "created"
    """Created while the service ran (YAML or a confirmed sentence); kept in the store."""


class AutomationFailure(StrEnum):
    """Why a change to the automations was refused."""

    UNKNOWN = "unknown_automation"
    """No automation has that id."""
    ID_TAKEN = "id_taken"
    """Another automation already has that id."""
    FROM_FILE = "from_file"
    """It is defined in a file; edit the file instead."""


class AutomationError(ThingmindError):
    """A change to the automations was refused; :attr:`reason` says why."""

    def __init__(
        self, reason: AutomationFailure, message: str, *, automation_id: str = ""
    ) -> None:
        super().__init__(message)
        self.reason = reason
        """Why."""
        self.automation_id = automation_id
        """The automation concerned."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ManagedAutomation:
    """One automation as the service runs it."""

    automation: Automation
    """Its definition."""
    enabled: bool
    """Whether it runs now."""
    origin: AutomationOrigin
    """Where it is defined."""
    last_run: Trace | None
    """Its latest run, if any."""


class AlertNotifier:
    """Sends an automation's ``notify`` message to people as an alert.

    The alert goes on the bus (the dashboard's live stream) and into the history
    (the alerts page), with the rule as its source.
    """

    def __init__(self, *, bus: EventBus, clock: Clock, store: Store | None) -> None:
        """Publish on ``bus`` at ``clock``'s time and keep alerts in ``store``."""
        self._bus = bus
        self._clock = clock
        self._store = store

    def notify(
        self, message: str, *, title: str | None, channel: str, source: str
    ) -> None:
        """Raise the message as an alert event.

        Args:
            message: The text.
            title: An optional title.
            channel: The ``notify.<channel>`` of the action.
            source: The rule (``rule:<id>``).
        """
        event = Event(
            kind=EventKind.ALERT,
            time=self._clock.now(),
            data={"message": message, "title": title, "channel": channel},
            source=source,
        )
        _LOGGER.info("notify.%s from %s: %s", channel, source, message)
        if self._store is not None:
            self._store.append([event])
        try:
            self._bus.publish_nowait(event)
        except BusError as err:  # a slow subscriber; the alert is kept anyway
            _LOGGER.warning("alert not published: %s", err)


class AutomationManager:
    """The automations of a running brain: load, create, change, trace.

    Example::

        manager = AutomationManager(
            brain, site=site, files=[Path("automations.yaml")], store=store
        )
        task = asyncio.create_task(manager.run(subscription), name="rules")
        manager.create(yaml_text)
        manager.disable("porch_light")
    """

    def __init__(
        self,
        brain: Brain,
        *,
        site: SiteLocation,
        files: Sequence[Path] = (),
        store: KeyValueStore | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        """Load the files' and the store's automations into a new engine.

        Stored automations that no longer fit the site (a device removed) or whose id
        a file now uses are skipped with a warning and kept in the store. The brain's
        drafts confirmed in conversation ("... Shall I set it up?" "yes") come here.

        Args:
            brain: The brain: its registry, clock and the gate rules act through.
            site: Location and time zone, for time and sun triggers.
            files: Automation YAML files; they are the truth for their automations.
            store: Where created automations, enabled flags and pending ``for``
                timers are kept (None: in memory only).
            notifier: Where ``notify`` actions go (None: the log).

        Raises:
            InvalidInputError: When a file has problems (all of them listed).
            OSError: When a file cannot be read.
        """
        self._brain = brain
        self._store = store
        self._origins: dict[str, AutomationOrigin] = {}
        self._created: dict[str, dict[str, JsonValue]] = {}
        self.skipped: dict[str, str] = {}
        """Stored automations not loaded, by id: why (kept in the store)."""
        loaded: list[Automation] = []
        for path in files:
            for automation in load_automations(path):
                loaded.append(automation)
                self._origins[automation.id] = AutomationOrigin.FILE
        loaded.extend(self._load_created())
        flags = self._flags()
        loaded = [
            replace(a, enabled=flags[a.id]) if isinstance(flags.get(a.id), bool) else a
            for a in loaded
        ]
        self.engine = RuleEngine(
            loaded,
            registry=brain.registry,
            executor=brain.rule_executor(),
            clock=brain.clock,
            site=site,
            persistence=store,
            notifier=notifier,
            on_removed=self._once_done,
        )
        """The engine; :meth:`run` drives it."""
        _LOGGER.info(
            "%d automations loaded (%d from files, %d created)",
            len(loaded),
            sum(o is AutomationOrigin.FILE for o in self._origins.values()),
            len(self._created),
        )
        brain.attach_automations(self.accept, zone=site.zone)

    # ------------------------------------------------------------------ loading

    def _load_created(self) -> list[Automation]:
        saved = self._store.get_meta(CREATED_KEY) if self._store else None
        items = saved.get("automations") if isinstance(saved, dict) else None
        if not isinstance(items, list):
            return []
        out: list[Automation] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                _LOGGER.warning(
                    "%s[%d] is not an automation; skipped", CREATED_KEY, index
                )
                continue
            label = str(item.get("id", f"#{index}"))
            try:
                (automation,) = parse_automation_data([item], source=STORE_SOURCE)
            except InvalidInputError as err:
                self._skip(label, item, str(err))
                continue
            problems = check_automations([automation], self._brain.registry)
            if automation.id in self._origins:
                why = f"a file now defines {automation.id!r}"
                self._skip(label, item, why)
            elif problems:
                self._skip(label, item, "; ".join(str(p) for p in problems))
            else:
                self._origins[automation.id] = AutomationOrigin.CREATED
                self._created[automation.id] = item
                out.append(automation)
        return out

    def _skip(self, label: str, item: dict[str, JsonValue], why: str) -> None:
        _LOGGER.warning("stored automation %s not loaded: %s", label, why)
        self.skipped[label] = why
        self._created.setdefault(label, item)  # kept, in case the device comes back

    def _flags(self) -> dict[str, bool]:
        saved = self._store.get_meta(FLAGS_KEY) if self._store else None
        if not isinstance(saved, dict):
            return {}
        return {k: v for k, v in saved.items() if isinstance(v, bool)}

    # ------------------------------------------------------------------ reading

    def automations(self) -> list[ManagedAutomation]:
        """Return every automation, in load order (files first, then created)."""
        return [self._managed(a) for a in self.engine.automations]

    def get(self, automation_id: str) -> ManagedAutomation:
        """Return one automation.

        Raises:
            AutomationError: ``unknown_automation``.
        """
        return self._managed(self._automation(automation_id))

    def traces(self, automation_id: str) -> tuple[Trace, ...]:
        """Return the recent runs of an automation, oldest first.

        Raises:
            AutomationError: ``unknown_automation``.
        """
        self._automation(automation_id)
        return self.engine.traces(automation_id)

    def yaml(self, automation_id: str) -> str:
        """Return an automation as YAML (Home Assistant's shape), for the editor.

        Raises:
            AutomationError: ``unknown_automation``.
        """
        return automation_yaml(self._automation(automation_id))

    def _managed(self, automation: Automation) -> ManagedAutomation:
        traces = self.engine.traces(automation.id)
        return ManagedAutomation(
            automation=automation,
            enabled=self.engine.is_enabled(automation.id),
            origin=self._origins.get(automation.id, AutomationOrigin.CREATED),
            last_run=traces[-1] if traces else None,
        )

    def _automation(self, automation_id: str) -> Automation:
        try:
            return self.engine.automation(automation_id)
        except KeyError:
            msg = f"no automation {automation_id!r}"
            raise AutomationError(
                AutomationFailure.UNKNOWN, msg, automation_id=automation_id
            ) from None

    def _editable(self, automation_id: str) -> None:
        self._automation(automation_id)
        if self._origins.get(automation_id) is AutomationOrigin.FILE:
            msg = (
                f"automation {automation_id!r} is defined in "
                f"{self.engine.automation(automation_id).source}; edit that file"
            )
            raise AutomationError(
                AutomationFailure.FROM_FILE, msg, automation_id=automation_id
            )

    # ------------------------------------------------------------------ changing

    def create(self, text: str, *, source: str = "api") -> list[Automation]:
        """Create automations from YAML and start them; they are kept in the store.

        Args:
            text: One automation, or a list of them, in Home Assistant's shape.
            source: Where the text came from, for messages.

        Returns:
            The automations created, in document order.

        Raises:
            InvalidInputError: Every problem, each with the automation, its path and
                line; nothing is created.
            AutomationError: ``id_taken`` when an id is already used.
        """
        automations = self._read(text, source)
        self._add(automations)
        return automations

    def accept(self, automation: Automation, *, user: str) -> None:
        """Start a draft confirmed in conversation and keep it (the brain's sink).

        Args:
            automation: The confirmed draft's automation.
            user: Who confirmed it.

        Raises:
            ValueError: When it cannot run here (its message says why).
        """
        problems = check_automations([automation], self._brain.registry)
        if problems:
            raise ValueError("; ".join(str(p) for p in problems))
        try:
            self._add([automation])
        except AutomationError as err:
            raise ValueError(str(err)) from err
        _LOGGER.info("automation %s confirmed by %s", automation.id, user)

    def _add(self, automations: list[Automation]) -> None:
        for automation in automations:
            if automation.id in self._origins or automation.id in self._created:
                msg = f"an automation with id {automation.id!r} already exists"
                raise AutomationError(
                    AutomationFailure.ID_TAKEN, msg, automation_id=automation.id
                )
        for automation in automations:
            self.engine.add(automation)
            self._origins[automation.id] = AutomationOrigin.CREATED
            self._created[automation.id] = dump_automation(automation)
        self._save_created()
        self._save_flags()

    def replace(
        self, automation_id: str, text: str, *, source: str = "api"
    ) -> Automation:
        """Replace a created automation with a new version of it (the same id).

        Args:
            automation_id: The automation.
            text: Its new YAML (one automation).
            source: Where the text came from, for messages.

        Returns:
            The new version.

        Raises:
            InvalidInputError: Every problem of the new version; nothing changes.
            AutomationError: ``unknown_automation``; ``from_file`` for one defined in
                a file.
        """
        self._editable(automation_id)
        automations = self._read(text, source)
        if len(automations) != 1 or automations[0].id != automation_id:
            ids = ", ".join(repr(a.id) for a in automations) or "none"
            problem = Problem(
                path="id",
                message=f"expected one automation with id {automation_id!r}, got {ids}",
            )
            raise InvalidInputError(source, [problem])
        (automation,) = automations
        self.engine.replace(automation)
        self._created[automation_id] = dump_automation(automation)
        self._save_created()
        self._save_flags()
        return automation

    def remove(self, automation_id: str) -> Automation:
        """Stop and delete a created automation.

        Returns:
            The automation removed.

        Raises:
            AutomationError: ``unknown_automation``; ``from_file`` for one defined in
                a file.
        """
        self._editable(automation_id)
        automation = self.engine.remove(automation_id)
        self._forget(automation_id)
        return automation

    def enable(self, automation_id: str) -> ManagedAutomation:
        """Let an automation run (kept across restarts).

        Raises:
            AutomationError: ``unknown_automation``.
        """
        self._automation(automation_id)
        self.engine.enable(automation_id)
        self._save_flags()
        return self.get(automation_id)

    def disable(self, automation_id: str) -> ManagedAutomation:
        """Stop an automation from running (kept across restarts).

        Raises:
            AutomationError: ``unknown_automation``.
        """
        self._automation(automation_id)
        self.engine.disable(automation_id)
        self._save_flags()
        return self.get(automation_id)

    def draft(self, text: str, *, context: Context) -> AutomationDraft:
        """Turn a sentence into a draft, shown to the user; nothing runs yet.

        Args:
            text: "When the front door opens after sunset, turn on the hall light".
            context: Who says it, from where.

        Returns:
            The draft (its ``problem`` says why there is no automation).
        """
        return self._brain.draft_automation(text, context=context)

    async def run(self, events: AsyncIterator[Event]) -> None:
        """Run the automations on the live event stream until it ends.

        Args:
            events: A bus subscription (state changes and alerts).
        """
        await self.engine.run(events)

    def _read(self, text: str, source: str) -> list[Automation]:
        automations = parse_automations(text, source=source)
        problems = check_automations(automations, self._brain.registry)
        if not automations:
            problems.append(Problem(path="document", message="no automation in it"))
        if problems:
            raise InvalidInputError(source, problems)
        return automations

    def _once_done(self, automation: Automation) -> None:
        if self._origins.get(automation.id) is AutomationOrigin.CREATED:
            self._forget(automation.id)
        else:  # a file's one-off runs again after a restart, as the file says
            self._origins.pop(automation.id, None)

    def _forget(self, automation_id: str) -> None:
        self._origins.pop(automation_id, None)
        self._created.pop(automation_id, None)
        self._save_created()
        self._save_flags()

    # ------------------------------------------------------------------ saving

    def _save_created(self) -> None:
        if self._store is None:
            return
        items: list[JsonValue] = list(self._created.values())
        self._store.put_meta(CREATED_KEY, {"version": 1, "automations": items})

    def _save_flags(self) -> None:
        if self._store is None:
            return
        flags: dict[str, JsonValue] = {
            a.id: self.engine.is_enabled(a.id) for a in self.engine.automations
        }
        self._store.put_meta(FLAGS_KEY, flags)


def automation_yaml(automation: Automation) -> str:
    """Write an automation as YAML, in Home Assistant's current shape.

    Args:
        automation: The automation.

    Returns:
        A one-item YAML list that :meth:`AutomationManager.create` reads back.
    """
    text: str = yaml.safe_dump(
        [dump_automation(automation)], sort_keys=False, allow_unicode=True
    )
    return text


def automation_entities(automation: Automation) -> set[str]:
    """Return every device an automation watches, checks or acts on.

    Args:
        automation: The automation.

    Returns:
        Device ids (scenes included).
    """
    found: set[str] = set()
    for trigger in automation.triggers:
        if isinstance(trigger, StateTrigger | NumericStateTrigger):
            found.update(trigger.entity_ids)

    def walk(condition: Condition) -> None:
        if isinstance(condition, AndCondition | OrCondition | NotCondition):
            for part in condition.conditions:
                walk(part)
        elif isinstance(condition, StateCondition | NumericStateCondition):
            found.update(condition.entity_ids)

    for condition in automation.conditions:
        walk(condition)
    for action in automation.actions:
        if isinstance(action, ServiceAction):
            found.update(action.entity_ids)
        elif isinstance(action, SceneAction):
            found.add(action.scene_id)
    return found
