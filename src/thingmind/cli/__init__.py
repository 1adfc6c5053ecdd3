"""The command line: ``thingmind check``, ``state``, ``sim``, ``say``, ``train``, ``demo``...

The only package that parses argv, sets up logging or prints. ``main`` is the
console script; ``app`` is the Typer app, for tests (``typer.testing.CliRunner``).
"""

from thingmind.cli._app import app, main, register

__all__ = ["app", "main", "register"]
