"""Media players: ``playing``, ``volume`` (percent) and ``muted``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from thingmind.core import Domain, StateValue
from thingmind.registry._spec import KeyKind, domain, key, service

if TYPE_CHECKING:
    from collections.abc import Mapping


def _handle(
    state: dict[str, StateValue], service_name: str, params: Mapping[str, StateValue]
) -> None:
    if service_name == "media_play":
        state["playing"] = True
    elif service_name == "media_pause":
        state["playing"] = False
    elif service_name == "volume_set":
        state["volume"] = params["volume"]
    elif service_name == "volume_mute":
        state["muted"] = params["is_volume_muted"]
    # next / previous track change what plays, not the state keys


SPEC = domain(
    Domain.MEDIA_PLAYER,
    [
        key("playing", KeyKind.BOOL, default=False),
        key("volume", KeyKind.NUMBER, default=30, minimum=0, maximum=100),
        key("muted", KeyKind.BOOL, default=False),
    ],
    [
        service("media_play", needs=("playing",)),
        service("media_pause", needs=("playing",)),
        service("media_next_track"),
        service("media_previous_track"),
        service("volume_set", params=("volume",), needs=("volume",)),
        service(
            "volume_mute",
            params=("is_volume_muted",),
            needs=("muted",),
            param_keys={"is_volume_muted": "muted"},
        ),
    ],
    _handle,
)
"""The media_player type."""
