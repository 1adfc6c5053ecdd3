"""Words, numbers and phrase reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.resolve._lexicon import Lexicon
from thingmind.resolve._text import parse_number, tokens

if TYPE_CHECKING:
    from resolve._sites import Site


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("21.5", 21.5),
        ("twenty one", 21.0),
        ("sixty nine", 69.0),
        ("one hundred", 100.0),
        ("a hundred", 100.0),
        ("twelve", 12.0),
        ("twenty one point five", 21.5),
        ("fifty", 50.0),
        ("30%", 30.0),
        ("warm", None),
    ],
    ids=str,
)
def test_parse_number(words: str, expected: float | None) -> None:
    assert parse_number(words.split()) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Emma's room", ("emmas", "room")),
        ("pump two", ("pump", "2")),
        ("Kids' Bedroom", ("kids", "bedroom")),
        ("twenty one degrees", ("21", "degrees")),
        ("30%", ("30", "%")),
    ],
    ids=str,
)
def test_tokens(text: str, expected: tuple[str, ...]) -> None:
    assert tokens(text) == expected


@pytest.mark.parametrize(
    ("text", "devices", "areas", "kind"),
    [
        ("study lamp", ("light.study_lamp",), None, None),
        ("island lights", ("light.kitchen_island",), None, None),
        ("kitchen lights", (), frozenset({"kitchen"}), "light"),
        ("lights", (), None, "light"),
        ("flor lamp", ("light.floor_lamp",), None, None),
        ("the tv", ("media_player.tv",), None, None),
        ("tv volume", ("media_player.tv",), None, None),
        ("Emma's room", (), frozenset({"kids_bedroom"}), None),
        ("hoover", (), None, "vacuum"),
        ("sauna", (), None, None),
    ],
    ids=str,
)
def test_phrase(
    house: Site,
    text: str,
    devices: tuple[str, ...],
    areas: frozenset[str] | None,
    kind: str | None,
) -> None:
    phrase = Lexicon(house.registry).phrase(text)
    if not devices and areas is None and kind is None:
        assert phrase is None
        return
    assert phrase is not None
    assert phrase.devices == devices
    assert phrase.areas == areas
    assert phrase.kind == kind


def test_pronoun(house: Site) -> None:
    phrase = Lexicon(house.registry).phrase("them")
    assert phrase is not None
    assert phrase.pronoun
