"""Scenario packs: a home file shipped with the package plus the models that drive it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import functools
from importlib import resources

from thingmind.registry import Home, parse_home
from thingmind.sim import _pack_factory, _pack_home, _pack_ward
from thingmind.sim._anomaly import AnomalyKind, AnomalySpec
from thingmind.sim._errors import UnknownScenarioError
from thingmind.sim._world import World


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A site to simulate: its home file and how its signals are generated."""

    name: str
    """The pack's name ("home")."""
    description: str
    """One line saying what the site is."""
    home: Home
    """The site, loaded and validated from the pack's home file."""
    setup: Callable[[World], None]
    """Attaches the pack's models and day plan to a fresh world."""
    anomalies: tuple[AnomalySpec, ...] = ()
    """What can be injected, and on which devices."""
    utc_offset: float = 0.0
    """Site time minus UTC, seconds; day plans run on site time."""

    def anomaly_spec(self, kind: AnomalyKind) -> AnomalySpec | None:
        """Return how this scenario injects ``kind``, or None when it cannot."""
        for spec in self.anomalies:
            if spec.kind is kind:
                return spec
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pack:
    home_file: str
    description: str
    setup: Callable[[World], None]
    anomalies: Callable[[Home], tuple[AnomalySpec, ...]]


_PACKS: dict[str, _Pack] = {
    "home": _Pack(
        home_file=_pack_home.HOME_FILE,
        description=_pack_home.DESCRIPTION,
        setup=_pack_home.build,
        anomalies=_pack_home.anomalies,
    ),
    "factory": _Pack(
        home_file=_pack_factory.HOME_FILE,
        description=_pack_factory.DESCRIPTION,
        setup=_pack_factory.build,
        anomalies=_pack_factory.anomalies,
    ),
    "ward": _Pack(
        home_file=_pack_ward.HOME_FILE,
        description=_pack_ward.DESCRIPTION,
        setup=_pack_ward.build,
        anomalies=_pack_ward.anomalies,
    ),
}

SCENARIOS: tuple[str, ...] = tuple(_PACKS)
"""The names of the scenario packs: ``home``, ``factory``, ``ward``."""


def home_file_text(name: str) -> str:
    """Return the YAML text of a pack's home file.

    Args:
        name: The pack ("home", "factory", "ward").

    Returns:
        The home file, as shipped in the package.

    Raises:
        UnknownScenarioError: When there is no such pack.
    """
    pack = _pack(name)
    files = resources.files("thingmind.sim").joinpath("scenarios", pack.home_file)
    return files.read_text(encoding="utf-8")


@functools.cache
def load_scenario(name: str) -> Scenario:
    """Load a scenario pack by name.

    Args:
        name: One of :data:`SCENARIOS`.

    Returns:
        The scenario, with its home file loaded and validated.

    Raises:
        UnknownScenarioError: When there is no such pack.
        HomeFileError: When the shipped home file is invalid (a packaging bug).
    """
    pack = _pack(name)
    home = parse_home(
        home_file_text(name), source=f"thingmind.sim/scenarios/{pack.home_file}"
    )
    return Scenario(
        name=name,
        description=pack.description,
        home=home,
        setup=pack.setup,
        anomalies=pack.anomalies(home),
    )


def _pack(name: str) -> _Pack:
    pack = _PACKS.get(name)
    if pack is None:
        msg = f"no scenario pack {name!r} (packs: {', '.join(_PACKS)})"
        raise UnknownScenarioError(msg)
    return pack
