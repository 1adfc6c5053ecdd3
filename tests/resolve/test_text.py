"""Words, numbers and phrase reading."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from thingmind.resolve._lexicon import Lexicon
from thingmind.resolve._text import parse_number, tokens
from thingmind.resolve._values import attribute_of, attribute_said, pick_attribute

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


@pytest.mark.parametrize(
    ("text", "devices", "areas", "kind"),
    [
        ("this study lamp", ("light.study_lamp",), None, None),
        ("that lamp", (), None, "light"),
        ("these kitchen lights", (), frozenset({"kitchen"}), "light"),
        ("some lights", (), None, "light"),
        ("the", (), None, None),
        ("my", (), None, None),
        ("the tv's volume", ("media_player.tv",), None, None),
        ("Emma's room", (), frozenset({"kids_bedroom"}), None),
    ],
    ids=str,
)
def test_phrase_determiner_noise(
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


@pytest.mark.parametrize("text", ["one", "ones", "the one", "the ones", "that one"])
def test_one_refers_to_a_kind(house: Site, text: str) -> None:
    phrase = Lexicon(house.registry).phrase(text)
    assert phrase is not None
    assert phrase.kind_ref


def test_ranked_holds_names_that_contain_the_words(flat: Site) -> None:
    ranked = [d for d, _ in Lexicon(flat.registry).ranked("front door")]
    assert ranked == ["binary_sensor.front_door", "lock.front_door"]


@pytest.mark.parametrize(
    ("device", "measures"),
    [
        ("sensor.line_1_vibration", {"vibration"}),
        ("sensor.line_2_drive", {"vibration"}),
        ("sensor.line_1_oil", {"temperature"}),
        ("sensor.line_1_power", {"power"}),
        ("sensor.line_1_pressure", {"pressure"}),
    ],
    ids=str,
)
def test_sensor_attributes(works: Site, device: str, measures: set[str]) -> None:
    assert Lexicon(works.registry).sensor_attributes(device) == measures


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("vibration reading", "vibration"),
        ("reading of the vibration", "vibration"),
        ("power usage", "power"),
        ("temperature level", "temperature"),
        ("temperature setting", "temperature"),
        ("level", "reading"),
        ("temprature", "temperature"),
    ],
    ids=str,
)
def test_attribute_of_prefers_specific(text: str, expected: str) -> None:
    assert attribute_of(text) == expected


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        (["vibration", "reading"], "vibration"),
        (["reading", "vibration"], "vibration"),
        (["setting", "temperature"], "temperature"),
        (["level"], "reading"),
        (["usage"], "power"),
    ],
    ids=str,
)
def test_pick_attribute_over_spans(spans: list[str], expected: str) -> None:
    assert pick_attribute(*(attribute_said(s) for s in spans)) == expected
