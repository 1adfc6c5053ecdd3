"""Request and response bodies (pydantic); their schemas make the OpenAPI document."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from thingmind.core import Domain, EventKind  # noqa: TC001  (pydantic reads them)
from thingmind.nlu import Intent  # noqa: TC001

JsonState: TypeAlias = bool | int | float | str | None
"""A state value on the wire (non-finite numbers are sent as null)."""


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Health(_Out):
    """The service is up."""

    status: str = Field(description="`ok`.")
    version: str = Field(description="thingmind's version.")


class Site(_Out):
    """A site this service runs (one per process today)."""

    id: str
    name: str
    source: str = Field(description="The home file it was loaded from.")
    floors: int
    areas: int
    devices: int
    time: float = Field(
        description="The site's clock now, Unix seconds (virtual in the simulator)."
    )
    model_version: str = Field(description="The language model in service.")


class FloorOut(_Out):
    """A floor."""

    id: str
    name: str
    aliases: list[str]
    areas: list[str] = Field(description="Ids of the areas on it, in file order.")


class AreaOut(_Out):
    """An area (room) and its devices."""

    id: str
    name: str
    aliases: list[str]
    floor: str | None
    outdoor: bool
    devices: list[str] = Field(description="Ids of its devices, in file order.")


class DeviceOut(_Out):
    """A device, with its live state."""

    id: str
    name: str
    type: Domain
    aliases: list[str]
    area: str | None
    floor: str | None
    device_class: str | None
    state: dict[str, JsonState] = Field(description="Live state, by key.")
    services: list[str] = Field(description="What it can be asked to do.")
    read_only: bool = Field(description="True for sensors: no service changes it.")


class ParamOut(_Out):
    """A parameter of a service, and what the state key it sets accepts."""

    name: str
    key: str = Field(description="The state key it sets.")
    kind: str | None = Field(
        description="bool, number, enum, color, text or number_or_text."
    )
    minimum: float | None = None
    maximum: float | None = None
    choices: list[str] = Field(default_factory=list)


class ServiceOut(_Out):
    """A service a device offers."""

    name: str
    params: list[ParamOut]


class ServiceCall(BaseModel):
    """Parameters of a service call."""

    model_config = ConfigDict(extra="forbid")

    params: dict[str, JsonState] = Field(
        default_factory=dict,
        description='The service\'s parameters, e.g. {"brightness": 40}.',
    )


class PendingOut(_Out):
    """A dangerous action held until the same user confirms it with their PIN."""

    id: str = Field(description="The confirmation's id.")
    expires: float = Field(description="Unix seconds after which it is void.")
    message: str = Field(description="What to do: give your PIN.")


class ServiceResult(_Out):
    """What a service call did."""

    device_id: str
    service: str
    changes: dict[str, JsonState] = Field(description="The keys that changed.")
    state: dict[str, JsonState] = Field(description="The device's state afterwards.")
    done: bool = Field(
        default=True,
        description="False when the action waits for a confirmation (status 202).",
    )
    pending: PendingOut | None = Field(
        default=None,
        description="The confirmation it waits for: send the PIN to "
        "`/api/conversation/process` as the text.",
    )


class HistoryPoint(_Out):
    """One point of a history: a reading, or a bucket of readings."""

    t: float = Field(description="Unix seconds (a bucket's start when downsampled).")
    value: JsonState = Field(
        description="The reading; a bucket's mean (numbers) or last value."
    )
    min: float | None = Field(default=None, description="A numeric bucket's minimum.")
    max: float | None = Field(default=None, description="A numeric bucket's maximum.")
    count: int = Field(default=1, description="How many readings it stands for.")


class History(_Out):
    """The readings of one state key over a time range."""

    device_id: str
    key: str
    start: float
    end: float
    unit: str | None
    readings: int = Field(description="Readings in the range before downsampling.")
    downsampled: bool
    bucket_seconds: float | None = Field(description="Bucket width when downsampled.")
    points: list[HistoryPoint]


class EventOut(_Out):
    """Something that happened: a state change, an action, an alert."""

    kind: EventKind
    time: float
    device_id: str | None
    data: dict[str, JsonState]
    source: str


# ------------------------------------------------------------------ conversation
# The shape of Home Assistant's conversation API (POST /api/conversation/process),
# plus what thingmind adds: the exact actions taken and the time it took.


class ConversationRequest(BaseModel):
    """A sentence to understand and carry out (Home Assistant's shape)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=1000, description="What was said.")
    language: str | None = Field(
        default=None,
        max_length=35,
        description="BCP 47 tag; English (`en`) only today.",
    )
    conversation_id: str | None = Field(
        default=None,
        max_length=128,
        description="Continue a conversation: its speaker area is remembered.",
    )
    area_id: str | None = Field(
        default=None, max_length=128, description="The area the speaker is in."
    )
    device_id: str | None = Field(
        default=None,
        max_length=128,
        description="The device the speaker talks through (its area is used).",
    )


class ResponseType(StrEnum):
    """Home Assistant's response types."""

    ACTION_DONE = "action_done"
    QUERY_ANSWER = "query_answer"
    ERROR = "error"


class ConversationErrorCode(StrEnum):
    """Home Assistant's conversation error codes."""

    NO_INTENT_MATCH = "no_intent_match"
    NO_VALID_TARGETS = "no_valid_targets"
    FAILED_TO_HANDLE = "failed_to_handle"
    UNKNOWN = "unknown"


class TargetType(StrEnum):
    """What a target is."""

    ENTITY = "entity"
    AREA = "area"


class Target(_Out):
    """A device or area the sentence acted on (Home Assistant's target)."""

    type: TargetType
    name: str
    id: str


class PlainSpeech(_Out):
    """The answer as plain text."""

    speech: str
    extra_data: None = None


class Speech(_Out):
    """What to say back."""

    plain: PlainSpeech


class ResponseData(_Out):
    """Targets of the answer, or its error code."""

    targets: list[Target] = Field(default_factory=list)
    success: list[Target] = Field(default_factory=list)
    failed: list[Target] = Field(default_factory=list)
    code: ConversationErrorCode | None = None


class IntentResponse(_Out):
    """Home Assistant's intent response."""

    response_type: ResponseType
    language: str
    speech: Speech
    card: dict[str, str] = Field(default_factory=dict)
    data: ResponseData


class ActionTaken(_Out):
    """One service call carried out, and the state it changed."""

    device_id: str
    name: str
    service: str
    params: dict[str, JsonState]
    changes: dict[str, JsonState] = Field(
        description="Keys of the device that changed."
    )


class Understood(_Out):
    """What the language model understood (for people checking the model)."""

    intents: list[str]
    confidence: float
    model_version: str


class ConversationResponse(_Out):
    """The answer: Home Assistant's shape, plus the actions taken and the time."""

    response: IntentResponse
    conversation_id: str
    continue_conversation: bool = Field(description="True when thingmind asked which.")
    actions: list[ActionTaken] = Field(description="Exactly what was done.")
    refused: bool = Field(description="True when all or part was declined.")
    understood: Understood
    latency_ms: float = Field(
        description="From the sentence to the devices' new state."
    )


class CorrectionRequest(BaseModel):
    """What the caller's last turn should have done."""

    model_config = ConfigDict(extra="forbid")

    intent: Intent | None = Field(
        default=None,
        description='The intent meant ("turn_off"); none: the one understood.',
    )
    target: str = Field(
        default="", max_length=200, description='The device meant, as said ("porch").'
    )
    device_ids: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="The devices meant, by id.",
    )
    clause: int = Field(
        default=0, ge=0, le=64, description="Which clause of the sentence was wrong."
    )


class CorrectionResponse(_Out):
    """What the correction did: undone, then what was meant carried out."""

    answer: str
    actions: list[ActionTaken] = Field(description="What was done to put it right.")
    changes: dict[str, dict[str, JsonState]] = Field(
        description="Per device, the keys that changed (the undo included)."
    )
    refused: bool


class AuditOut(_Out):
    """One record of the audit trail."""

    seq: int
    ts: float = Field(description="Unix seconds.")
    hash: str
    record: dict[str, object] = Field(
        description="Who, from where, the (redacted) sentence, actions, refusals."
    )


class ModelOut(_Out):
    """One model version kept for the site."""

    id: str
    in_service: bool
    info: dict[str, object] = Field(description="Its `version.json`.")
