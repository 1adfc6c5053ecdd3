"""The error root of thingmind and the errors every package shares."""

from __future__ import annotations

from dataclasses import dataclass


class ThingmindError(Exception):
    """Root of every error thingmind raises on purpose."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One thing wrong with an input file, with where it is."""

    path: str
    """Where in the document, e.g. ``devices[3].state.brightness``."""
    message: str
    """What is wrong, e.g. ``150 is outside 0-100``."""
    line: int | None = None
    """1-based line in the file, when known."""

    def __str__(self) -> str:
        where = f"{self.path} (line {self.line})" if self.line else self.path
        return f"{where}: {self.message}"


class InvalidInputError(ThingmindError):
    """An input document has one or more problems; all of them are listed."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = tuple(problems)
        count = len(problems)
        head = f"{source}: {count} problem{'s' if count != 1 else ''}"
        super().__init__("\n".join([head, *(f"  - {p}" for p in problems)]))


class HomeFileError(InvalidInputError):
    """A home file could not be loaded; ``problems`` names every mistake."""


class ServiceError(ThingmindError):
    """A device service was called with something the device cannot do."""


class IncompatibleModelError(ThingmindError):
    """A model folder was written in a format this version cannot read."""
