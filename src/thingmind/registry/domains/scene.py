"""Scenes: no state; ``turn_on`` applies the states in the scene's ``applies``.

Applying is done by whoever holds every device's state (the Registry, through
:class:`~thingmind.registry.LocalDriver`); here ``turn_on`` changes nothing.
"""

from __future__ import annotations

from thingmind.core import Domain
from thingmind.registry._spec import domain, service

SPEC = domain(Domain.SCENE, [], [service("turn_on")])
"""The scene type."""
