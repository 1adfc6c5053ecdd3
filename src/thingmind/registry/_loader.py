"""Read and check a home file (spec/home-format.md).

The YAML is composed into a node tree first, so every problem can name its line. The
whole file is checked before anything is raised: :class:`~thingmind.core.HomeFileError`
lists every mistake, each with its path (``devices[3].state.brightness``), a message
(``150 is outside 0-100``) and its line. Bad input never ends in a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import logging
from pathlib import Path
import re
from types import MappingProxyType
from typing import TYPE_CHECKING, TypeGuard

from rapidfuzz import fuzz, process
import yaml

from thingmind.core import Domain, HomeFileError, Problem, StateValue
from thingmind.registry._home import Area, Device, Floor, Home
from thingmind.registry.domains import ALL_DOMAINS

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

_LOGGER = logging.getLogger(__name__)

_ID = re.compile(r"[a-z0-9_]+\Z")
_DEVICE_ID = re.compile(r"([a-z0-9_]+)\.[a-z0-9_]+\Z")
_TOP_FIELDS = ("floors", "areas", "devices")
_FLOOR_FIELDS = ("id", "name", "aliases")
_AREA_FIELDS = ("id", "name", "aliases", "floor", "outdoor")
_DEVICE_FIELDS = (
    "id",
    "name",
    "aliases",
    "area",
    "type",
    "device_class",
    "state",
    "applies",
)
_SafeLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's loader when PyYAML was built with it (several times faster); same marks."""
_DOCUMENT = "document"
"""The path of problems about the whole file."""


def load_home(path: str | Path) -> Home:
    """Read and check a home file.

    Args:
        path: The YAML file.

    Returns:
        The site, with every device's state filled in.

    Raises:
        HomeFileError: Listing every problem, when the file cannot be read or is wrong.
    """
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        problem = Problem(path=_DOCUMENT, message=f"cannot read the file: {err}")
        raise HomeFileError(source, [problem]) from err
    return parse_home(text, source=source)


def parse_home(text: str, *, source: str = "<string>") -> Home:
    """Check a home file's text and build the site from it.

    Args:
        text: The YAML text.
        source: Where it came from, for messages.

    Returns:
        The site, with every device's state filled in.

    Raises:
        HomeFileError: Listing every problem found, with paths and lines.
    """
    reader = _Reader(text)
    home = reader.read(source)
    if reader.problems or home is None:
        problems = sorted(reader.problems, key=lambda p: (p.line is None, p.line or 0))
        raise HomeFileError(source, problems)
    _LOGGER.debug(
        "loaded %s: %d floors, %d areas, %d devices",
        source,
        len(home.floors),
        len(home.areas),
        len(home.devices),
    )
    return home


def _line(node: yaml.Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _suggest(name: str, candidates: Iterable[str]) -> str:
    best = process.extractOne(
        name, list(candidates), scorer=fuzz.ratio, score_cutoff=70
    )
    return f" (did you mean {best[0]!r}?)" if best else ""


@dataclass(slots=True)
class _DeviceDraft:
    """A device read so far, with the nodes still to be checked against the others."""

    device: Device
    path: str
    applies_node: yaml.Node | None = None


@dataclass(slots=True)
class _Reader:
    """One pass over one file; collects problems instead of raising."""

    text: str
    problems: list[Problem] = field(default_factory=list)
    _loader: yaml.SafeLoader | None = None  # or the CSafeLoader

    # ---------------------------------------------------------------- plumbing

    def add(self, path: str, message: str, node: yaml.Node | None = None) -> None:
        self.problems.append(Problem(path=path, message=message, line=_line(node)))

    def value(self, node: yaml.Node) -> object:
        """Construct the Python value of a node (never raises)."""
        if self._loader is None:  # pragma: no cover - set in read()
            return None
        try:
            return self._loader.construct_object(node, deep=True)
        except yaml.YAMLError as err:
            return _Unreadable(str(err))

    def mapping(
        self, node: yaml.Node, path: str
    ) -> dict[str, tuple[yaml.Node, yaml.Node]] | None:
        """Return a mapping node's items by key, or None (and a problem) if not one."""
        if not isinstance(node, yaml.MappingNode):
            self.add(path, f"must be a mapping, not {_kind(node)}", node)
            return None
        if self._loader is not None:
            try:
                self._loader.flatten_mapping(node)
            except yaml.YAMLError as err:
                self.add(path, f"bad merge key: {err}", node)
        items: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key_node, value_node in node.value:
            raw = self.value(key_node)
            # YAML 1.1 reads a bare `on:` as true: take it as the "on" key it meant.
            key = "on" if raw is True else "off" if raw is False else str(raw)
            if key in items:
                self.add(_join(path, key), f"duplicate key {key!r}", key_node)
                continue
            items[key] = (key_node, value_node)
        return items

    def sequence(self, node: yaml.Node, path: str) -> list[yaml.Node]:
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return []
        if not isinstance(node, yaml.SequenceNode):
            self.add(path, f"must be a list, not {_kind(node)}", node)
            return []
        return list(node.value)

    def fields(
        self,
        node: yaml.Node,
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...],
    ) -> dict[str, yaml.Node] | None:
        items = self.mapping(node, path)
        if items is None:
            return None
        for key, (key_node, _) in items.items():
            if key not in allowed:
                valid = ", ".join(allowed)
                msg = f"unknown field {key!r} (valid: {valid})"
                self.add(_join(path, key), msg, key_node)
        for key in required:
            if key not in items:
                self.add(_join(path, key), f"missing required field {key!r}", node)
        return {key: value for key, (_, value) in items.items() if key in allowed}

    def text_field(
        self,
        fields: Mapping[str, yaml.Node],
        name: str,
        path: str,
        *,
        optional: bool = False,
    ) -> str | None:
        node = fields.get(name)
        if node is None:
            return None
        value = self.value(node)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            self.add(f"{path}.{name}", f"must be text, not {_describe(value)}", node)
            return None
        if not value.strip():
            self.add(f"{path}.{name}", "cannot be empty", node)
            return None
        return value

    def declared_ids(self, node: yaml.Node | None) -> set[str]:
        """Return every string id written in a list of mappings (checked or not)."""
        ids: set[str] = set()
        if not isinstance(node, yaml.SequenceNode):
            return ids
        for item in node.value:
            if not isinstance(item, yaml.MappingNode):
                continue
            for key_node, value_node in item.value:
                if self.value(key_node) == "id":
                    value = self.value(value_node)
                    if isinstance(value, str):
                        ids.add(value)
        return ids

    def id_field(self, fields: Mapping[str, yaml.Node], path: str) -> str | None:
        value = self.text_field(fields, "id", path)
        if value is not None and not _ID.match(value):
            msg = f"{value!r} is not a valid id (lower-case letters, digits and _ only)"
            self.add(f"{path}.id", msg, fields["id"])
            return None
        return value

    def aliases(self, fields: Mapping[str, yaml.Node], path: str) -> tuple[str, ...]:
        node = fields.get("aliases")
        if node is None:
            return ()
        if isinstance(node, yaml.ScalarNode) and self.value(node) is None:
            return ()
        if not isinstance(node, yaml.SequenceNode):
            self.add(f"{path}.aliases", "must be a list of strings", node)
            return ()
        out: list[str] = []
        for i, item in enumerate(node.value):
            value = self.value(item)
            if isinstance(value, str) and value.strip():
                out.append(value)
            else:
                msg = f"must be a non-empty string, not {_describe(value)}"
                self.add(f"{path}.aliases[{i}]", msg, item)
        return tuple(out)

    def bool_field(self, fields: Mapping[str, yaml.Node], name: str, path: str) -> bool:
        node = fields.get(name)
        if node is None:
            return False
        value = self.value(node)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.add(
                f"{path}.{name}", f"must be true or false, not {_describe(value)}", node
            )
            return False
        return value

    def check_unique(
        self,
        seen: dict[str, str],
        item_id: str | None,
        path: str,
        node: yaml.Node | None,
    ) -> bool:
        if item_id is None:
            return False
        first = seen.get(item_id)
        if first is not None:
            self.add(f"{path}.id", f"duplicate id {item_id!r} (first at {first})", node)
            return False
        seen[item_id] = path
        return True

    # ---------------------------------------------------------------- document

    def read(self, source: str) -> Home | None:
        loader = _SafeLoader(self.text)
        self._loader = loader
        try:
            root = loader.get_single_node()
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = err.problem or err.context or "cannot be read"
            self.problems.append(
                Problem(
                    path=_DOCUMENT, message=f"YAML syntax error: {problem}", line=line
                )
            )
            return None
        except yaml.YAMLError as err:
            self.add(_DOCUMENT, f"YAML error: {err}")
            return None
        try:
            return self._read_root(root, source)
        finally:
            loader.dispose()

    def _read_root(self, root: yaml.Node | None, source: str) -> Home | None:
        if root is None or (
            isinstance(root, yaml.ScalarNode) and self.value(root) is None
        ):
            self.add(_DOCUMENT, "the file is empty; it needs at least 'devices'")
            return None
        if not isinstance(root, yaml.MappingNode):
            msg = f"the top level must be a mapping with floors, areas and devices, not {_kind(root)}"
            self.add(_DOCUMENT, msg, root)
            return None
        top = self.fields(root, "", _TOP_FIELDS, ("devices",))
        if top is None:  # pragma: no cover - root is a mapping
            return None
        floors = self._read_floors(top.get("floors"))
        # References are checked against every id written, valid or not, so one bad
        # id is reported once, not again at each place that names it.
        floor_ids = self.declared_ids(top.get("floors"))
        areas = self._read_areas(top.get("areas"), floor_ids)
        area_ids = self.declared_ids(top.get("areas"))
        drafts = self._read_devices(top.get("devices"), area_ids)
        devices = self._check_references(drafts)
        return Home(floors=floors, areas=areas, devices=devices, source=source)

    def _read_floors(self, node: yaml.Node | None) -> tuple[Floor, ...]:
        if node is None:
            return ()
        floors: list[Floor] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.sequence(node, "floors")):
            path = f"floors[{i}]"
            fields = self.fields(item, path, _FLOOR_FIELDS, ("id", "name"))
            if fields is None:
                continue
            floor_id = self.id_field(fields, path)
            name = self.text_field(fields, "name", path)
            aliases = self.aliases(fields, path)
            unique = self.check_unique(seen, floor_id, path, fields.get("id"))
            if unique and floor_id is not None and name is not None:
                floors.append(Floor(id=floor_id, name=name, aliases=aliases))
        return tuple(floors)

    def _read_areas(
        self, node: yaml.Node | None, floor_ids: set[str]
    ) -> tuple[Area, ...]:
        if node is None:
            return ()
        areas: list[Area] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.sequence(node, "areas")):
            path = f"areas[{i}]"
            fields = self.fields(item, path, _AREA_FIELDS, ("id", "name"))
            if fields is None:
                continue
            area_id = self.id_field(fields, path)
            name = self.text_field(fields, "name", path)
            aliases = self.aliases(fields, path)
            floor = self.text_field(fields, "floor", path, optional=True)
            if floor is not None and floor not in floor_ids:
                msg = f"unknown floor {floor!r}{_suggest(floor, floor_ids)}"
                self.add(f"{path}.floor", msg, fields.get("floor"))
            outdoor = self.bool_field(fields, "outdoor", path)
            unique = self.check_unique(seen, area_id, path, fields.get("id"))
            if unique and area_id is not None and name is not None:
                areas.append(
                    Area(
                        id=area_id,
                        name=name,
                        aliases=aliases,
                        floor=floor,
                        outdoor=outdoor,
                    )
                )
        return tuple(areas)

    def _read_devices(
        self, node: yaml.Node | None, area_ids: set[str]
    ) -> list[_DeviceDraft]:
        if node is None:
            return []
        drafts: list[_DeviceDraft] = []
        seen: dict[str, str] = {}
        for i, item in enumerate(self.sequence(node, "devices")):
            path = f"devices[{i}]"
            fields = self.fields(item, path, _DEVICE_FIELDS, ("id", "name", "type"))
            if fields is None:
                continue
            raw_id = self.value(fields["id"]) if "id" in fields else None
            unique = self.check_unique(
                seen,
                raw_id if isinstance(raw_id, str) else None,
                path,
                fields.get("id"),
            )
            draft = self._read_device(fields, path, area_ids)
            if draft is not None and unique:
                drafts.append(draft)
        return drafts

    def _read_device(
        self,
        fields: Mapping[str, yaml.Node],
        path: str,
        area_ids: set[str],
    ) -> _DeviceDraft | None:
        device_id = self.text_field(fields, "id", path)
        name = self.text_field(fields, "name", path)
        type_name = self.text_field(fields, "type", path)
        aliases = self.aliases(fields, path)
        area = self.text_field(fields, "area", path, optional=True)
        if area is not None and area not in area_ids:
            msg = f"unknown area {area!r}{_suggest(area, area_ids)}"
            self.add(f"{path}.area", msg, fields.get("area"))
            area = None
        device_class = self.text_field(fields, "device_class", path, optional=True)
        domain: Domain | None = None
        if type_name is not None:
            try:
                domain = Domain(type_name)
            except ValueError:
                valid = ", ".join(d.value for d in Domain)
                msg = f"unknown type {type_name!r} (valid: {valid})"
                self.add(f"{path}.type", msg, fields.get("type"))
        if device_id is not None:
            match = _DEVICE_ID.match(device_id)
            if match is None:
                msg = (
                    f"{device_id!r} is not a valid device id: use '<type>.<object id>', "
                    "lower-case letters, digits and _ only"
                )
                self.add(f"{path}.id", msg, fields.get("id"))
                device_id = None
            elif domain is not None and match.group(1) != domain.value:
                msg = (
                    f"{device_id!r} must start with '{domain.value}.' to match its type"
                )
                self.add(f"{path}.id", msg, fields.get("id"))
                device_id = None
        state = self._read_state(fields.get("state"), domain, f"{path}.state")
        applies_node = fields.get("applies")
        if (
            applies_node is not None
            and domain is not None
            and domain is not Domain.SCENE
        ):
            self.add(f"{path}.applies", "only a scene can have 'applies'", applies_node)
            applies_node = None
        if device_id is None or name is None or domain is None or state is None:
            return None
        device = Device(
            id=device_id,
            name=name,
            type=domain,
            aliases=aliases,
            area=area,
            device_class=device_class,
            state=MappingProxyType(state),
        )
        return _DeviceDraft(
            device=device,
            path=path,
            applies_node=applies_node,
        )

    def _read_state(
        self, node: yaml.Node | None, domain: Domain | None, path: str
    ) -> dict[str, StateValue] | None:
        if domain is None:
            return None
        spec = ALL_DOMAINS[domain]
        if node is None or (
            isinstance(node, yaml.ScalarNode) and self.value(node) is None
        ):
            return spec.defaults()
        items = self.mapping(node, path)
        if items is None:
            return None
        if domain is Domain.SCENE and items:
            self.add(
                path, "a scene has no state; list what it sets under 'applies'", node
            )
            return None
        raw: dict[str, tuple[object, yaml.Node]] = {}
        ok = True
        for key, (key_node, value_node) in items.items():
            if key not in spec.keys:
                valid = ", ".join(spec.keys)
                msg = f"{key!r} is not a state key of {domain} (valid: {valid})"
                self.add(f"{path}.{key}", msg, key_node)
                ok = False
                continue
            raw[key] = (self.value(value_node), value_node)
        context: dict[str, StateValue] = {
            k: v for k, (v, _) in raw.items() if _is_scalar(v)
        }
        state: dict[str, StateValue] = {}
        for key, (value, value_node) in raw.items():
            checked, error = self._check_value(key, value, domain, context)
            if error is not None:
                self.add(f"{path}.{key}", error, value_node)
                ok = False
                continue
            state[key] = checked
        return state if ok else None

    def _check_value(
        self, key: str, value: object, domain: Domain, context: Mapping[str, StateValue]
    ) -> tuple[StateValue, str | None]:
        """Return ``(normalized value, None)`` or ``(None, what is wrong)``."""
        if isinstance(value, _Unreadable):
            return None, f"cannot read the value: {value.message}"
        if not _is_scalar(value):
            return None, f"must be a single value, not {_describe(value)}"
        try:
            checked = ALL_DOMAINS[domain].validate_value(key, value, state=context)
        except ValueError as err:
            return None, str(err)
        return checked, None

    # ---------------------------------------------------------------- references

    def _check_references(self, drafts: list[_DeviceDraft]) -> tuple[Device, ...]:
        by_id = {d.device.id: d.device for d in drafts}
        devices: list[Device] = []
        for draft in drafts:
            device = draft.device
            if draft.applies_node is not None:
                applies = self._read_applies(
                    draft.applies_node, f"{draft.path}.applies", by_id
                )
                device = Device(
                    id=device.id,
                    name=device.name,
                    type=device.type,
                    aliases=device.aliases,
                    area=device.area,
                    device_class=device.device_class,
                    state=device.state,
                    applies=applies,
                )
            devices.append(device)
        return tuple(devices)

    def _read_applies(
        self, node: yaml.Node, path: str, by_id: Mapping[str, Device]
    ) -> Mapping[str, Mapping[str, StateValue]]:
        items = self.mapping(node, path)
        if items is None:
            return MappingProxyType({})
        applies: dict[str, Mapping[str, StateValue]] = {}
        for target_id, (key_node, value_node) in items.items():
            target_path = f"{path}[{target_id}]"
            target = by_id.get(target_id)
            if target is None:
                msg = f"unknown device {target_id!r}{_suggest(target_id, by_id)}"
                self.add(target_path, msg, key_node)
                continue
            if target.type is Domain.SCENE:
                self.add(target_path, "a scene cannot set another scene", key_node)
                continue
            state_items = self.mapping(value_node, target_path)
            if state_items is None:
                continue
            spec = ALL_DOMAINS[target.type]
            state: dict[str, StateValue] = {}
            for key, (k_node, v_node) in state_items.items():
                key_path = f"{target_path}.{key}"
                key_spec = spec.keys.get(key)
                if key_spec is None:
                    valid = ", ".join(spec.keys) or "none"
                    msg = (
                        f"{key!r} is not a state key of {target.type} (valid: {valid})"
                    )
                    self.add(key_path, msg, k_node)
                    continue
                if key not in target.state:
                    self.add(key_path, f"{target_id} does not have {key!r}", k_node)
                    continue
                if key_spec.read_only:
                    self.add(key_path, f"{key} is read-only", k_node)
                    continue
                value = self.value(v_node)
                checked, error = self._check_value(
                    key, value, target.type, target.state
                )
                if error is not None:
                    self.add(key_path, error, v_node)
                    continue
                state[key] = checked
            applies[target_id] = MappingProxyType(state)
        return MappingProxyType(applies)


@dataclass(frozen=True, slots=True)
class _Unreadable:
    """A value the YAML constructor could not build (a bad tag)."""

    message: str


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _is_scalar(value: object) -> TypeGuard[StateValue]:
    return value is None or isinstance(value, bool | int | float | str)


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return "a single value"


def _describe(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return repr(value)
