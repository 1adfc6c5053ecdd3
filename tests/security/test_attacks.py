"""The attack suite: every attack runs against the real gate; none may get through.

``make test`` prints ``attack suite: N attacks, 0 unauthorised actions`` (conftest).
"""

from __future__ import annotations

import pytest

from security._attacks import ATTACKS, Attack, run_attack
from security.conftest import ATTACK_TALLY


def test_the_suite_has_at_least_200_distinct_attacks() -> None:
    assert len(ATTACKS) >= 200
    assert len({a.id for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_attack_does_not_get_through(attack: Attack) -> None:
    outcome = run_attack(attack)
    ATTACK_TALLY[attack.id] = outcome.through
    assert outcome.unauthorised == frozenset()
    assert outcome.leaks == ()


def test_the_suite_catches_an_ungated_pipeline() -> None:
    parse_attacks = [a for a in ATTACKS if a.id.startswith("parse-")]
    through = [a.id for a in parse_attacks if run_attack(a, secure=False).through]
    assert len(through) > len(parse_attacks) // 2
