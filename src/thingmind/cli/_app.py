"""The ``thingmind`` command: the Typer app, its command modules and the error edge.

Each command module exposes ``COMMANDS``, a dict from command name to a plain
Typer-style function. :data:`COMMAND_MODULES` lists them; modules in
:data:`OPTIONAL_MODULES` are skipped when they cannot be imported (a missing extra,
or a part not built yet). Every command runs inside :func:`_guard`, the one place where
thingmind's own errors become a clean message and an exit code.
"""

from __future__ import annotations

from collections.abc import Callable
import functools
import importlib
import logging
from typing import Annotated, Any, TypeVar

import typer

from thingmind.cli._console import setup_logging, stderr
from thingmind.core import InvalidInputError, ThingmindError

_LOGGER = logging.getLogger(__name__)

EXIT_FAILURE = 1
"""Something went wrong that is not the user's input."""
EXIT_BAD_INPUT = 2
"""The input (a file, an argument) is wrong; the message says where."""

COMMAND_MODULES: list[str] = [
    "thingmind.cli._check",
    "thingmind.cli._state",
    "thingmind.cli._sim",
    "thingmind.cli._nlu",  # say, predict, train, eval, export
    "thingmind.cli._demo",  # demo
    "thingmind.cli._serve",  # serve
    "thingmind.cli._security",  # audit, tokens
    "thingmind.cli._learning",  # models, retrain
    "thingmind.cli._mqtt",  # sim-mqtt
]
"""Modules whose ``COMMANDS`` make up the app, in help order."""
OPTIONAL_MODULES: frozenset[str] = frozenset(
    {
        "thingmind.cli._nlu",
        "thingmind.cli._demo",
        "thingmind.cli._serve",
        "thingmind.cli._learning",
        "thingmind.cli._mqtt",
    }
)
"""Modules that may fail to import; their commands are then left out."""

_F = TypeVar("_F", bound=Callable[..., Any])


def _guard(func: _F) -> _F:
    """Wrap a command so that thingmind's errors exit cleanly, without a traceback.

    ``InvalidInputError`` (a bad home file, bad cases) lists each problem and exits
    with :data:`EXIT_BAD_INPUT`; any other ``ThingmindError``, and an ``OSError`` (a
    file that cannot be read or written), prints its message and exits with
    :data:`EXIT_FAILURE`. Anything else is a bug and keeps its traceback (``-vv``
    logs the traceback of the expected ones too).
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except InvalidInputError as err:
            _LOGGER.debug("bad input", exc_info=True)
            print_problems(err)
            raise typer.Exit(EXIT_BAD_INPUT) from None
        except (ThingmindError, OSError) as err:
            # OSError: a file the user named cannot be read or written; no bug.
            _LOGGER.debug("command failed", exc_info=True)
            stderr().print(
                f"[bold red]error:[/bold red] {err}", markup=True, highlight=False
            )
            raise typer.Exit(EXIT_FAILURE) from None

    return wrapper  # type: ignore[return-value]


def print_problems(err: InvalidInputError) -> None:
    """Print every problem of a bad input on standard error, one per line.

    The lines read ``FILE:LINE: PATH: MESSAGE`` (``FILE: PATH: MESSAGE`` when the line
    is not known), the form editors and terminals link to.
    """
    console = stderr()
    count = len(err.problems)
    console.print(
        f"[bold red]error:[/bold red] {err.source}: {count} "
        f"problem{'s' if count != 1 else ''}",
        markup=True,
        highlight=False,
    )
    for problem in err.problems:
        where = f"{err.source}:{problem.line}" if problem.line else err.source
        console.print(
            f"  {where}: {problem.path}: {problem.message}",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )


app = typer.Typer(
    name="thingmind",
    help="A local, private brain for connected devices.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _root(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="Log more: -v info, -vv debug, -vvv debug from every library.",
        ),
    ] = 0,
) -> None:
    """A local, private brain for connected devices."""
    setup_logging(verbose)


def register(module_name: str, *, optional: bool = False) -> list[str]:
    """Add a module's ``COMMANDS`` to the app.

    Args:
        module_name: The module, e.g. ``thingmind.cli._check``.
        optional: Skip the module (logging why at debug level) when it cannot be
            imported, instead of failing.

    Returns:
        The names of the commands added.

    Raises:
        ImportError: When a module that is not optional cannot be imported.
        TypeError: When the module has no ``COMMANDS`` dict.
    """
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        if not optional:
            raise
        _LOGGER.debug("commands of %s left out: %s", module_name, err)
        return []
    commands = getattr(module, "COMMANDS", None)
    if not isinstance(commands, dict):
        msg = f"{module_name} must define COMMANDS, a dict of name to function"
        raise TypeError(msg)
    for name, func in commands.items():
        app.command(name)(_guard(func))
    return list(commands)


def _register_all() -> None:
    for module_name in COMMAND_MODULES:
        register(module_name, optional=module_name in OPTIONAL_MODULES)


_register_all()


def main() -> None:
    """Run the ``thingmind`` command line (the console script)."""
    app(prog_name="thingmind")
