"""The security suite's summary: how many attacks ran and how many got through."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _pytest.terminal import TerminalReporter
    import pytest

ATTACK_TALLY: dict[str, bool] = {}
"""Attack id -> True when it got through (filled by test_attacks.py)."""


def pytest_terminal_summary(
    terminalreporter: TerminalReporter, exitstatus: int, config: pytest.Config
) -> None:
    """Print ``attack suite: N attacks, M unauthorised actions`` after the run."""
    del exitstatus, config
    if not ATTACK_TALLY:
        return
    through = sorted(k for k, v in ATTACK_TALLY.items() if v)
    terminalreporter.write_sep("=", "security")
    terminalreporter.write_line(
        f"attack suite: {len(ATTACK_TALLY)} attacks, "
        f"{len(through)} unauthorised actions"
    )
    for attack_id in through:
        terminalreporter.write_line(f"  got through: {attack_id}")
