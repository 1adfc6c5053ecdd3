"""The rich consoles every command prints with, and the one logging setup.

Output meant for the user (tables, summaries) goes to standard output; progress,
problems and log records go to standard error, so that output can be piped.
"""

from __future__ import annotations

from collections.abc import Iterable
import logging

from rich.console import Console
from rich.logging import RichHandler

from thingmind.core import RedactingFilter

_handler: logging.Handler | None = None
"""The handler :func:`setup_logging` installed, replaced when it is called again."""


def stdout() -> Console:
    """Return a console on standard output (looked up when writing, for tests)."""
    return Console(highlight=False)


def stderr() -> Console:
    """Return a console on standard error."""
    return Console(stderr=True, highlight=False)


def setup_logging(verbosity: int, *, names: Iterable[str] = ()) -> None:
    """Send log records to standard error, as loud as ``-v`` flags asked.

    Every record passes a :class:`~thingmind.core.RedactingFilter` first: e-mail
    addresses, phone numbers and people's names never reach the log.

    Args:
        verbosity: 0 for warnings only; 1 (``-v``) adds thingmind's info records,
            2 (``-vv``) its debug records, 3 (``-vvv``) every library's debug records.
        names: People's names to mask besides the ones a sentence introduces.
    """
    global _handler  # noqa: PLW0603  (one handler for the process, replaced on re-entry)
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbosity, logging.DEBUG)
    root = logging.getLogger()
    if _handler is not None:
        root.removeHandler(_handler)
    _handler = RichHandler(
        console=stderr(), show_path=verbosity >= 2, rich_tracebacks=False, markup=False
    )
    _handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    _handler.setLevel(level)
    _handler.addFilter(RedactingFilter(names))
    root.addHandler(_handler)
    # Quiet by default means the root's own WARNING: nothing is pinned, so that
    # embedding code (and pytest's caplog) can still lower levels as it likes.
    logging.getLogger("thingmind").setLevel(logging.NOTSET if verbosity == 0 else level)
    if verbosity >= 3:
        root.setLevel(logging.DEBUG)


def redact_names(names: Iterable[str]) -> None:
    """Mask these people's names too in the log (the site's users, once known).

    Args:
        names: The names.
    """
    kept = tuple(n for n in names if n)
    if _handler is not None and kept:
        _handler.addFilter(RedactingFilter(kept))
