"""Request and response bodies (pydantic); their schemas make the OpenAPI document."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from thingmind.brain import AutomationOrigin, RetrainPhase  # noqa: TC001
from thingmind.core import Domain, EventKind  # noqa: TC001  (pydantic reads them)
from thingmind.nlu import Intent  # noqa: TC001
from thingmind.rules import RunOutcome  # noqa: TC001

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


class ModelDeployed(_Out):
    """The site's versions after a deploy or a rollback."""

    in_service: str = Field(description="The version now in service.")
    versions: list[ModelOut]


class TrainingOut(_Out):
    """The latest adaptation of the site's model (fine-tuning on its own names)."""

    running: bool
    phase: RetrainPhase | None = Field(description="Null: none ran since the start.")
    step: int = Field(description="Training steps done.")
    total: int = Field(description="Training steps planned (0: not known yet).")
    message: str = Field(description="A line for people.")
    version: str = Field(description="The candidate's version, once kept.")
    accepted: bool | None = Field(
        description="Whether the gate found it at least as good as the model in "
        "service (then it is deployed)."
    )


# ------------------------------------------------------------------ automations


class RunOut(_Out):
    """An automation's latest run, in short."""

    run: int
    time: float = Field(description="When it was triggered, Unix seconds.")
    outcome: RunOutcome


class AutomationOut(_Out):
    """An automation as the service runs it."""

    id: str
    name: str = Field(description="Its alias, or its id.")
    description: str
    enabled: bool
    origin: AutomationOrigin = Field(
        description="`file`: edit the file to change it; `created`: kept in the store."
    )
    source: str = Field(description="Where it was read from.")
    mode: str = Field(description="single, restart, queued or parallel.")
    once: bool = Field(description="A one-off: removed after its first run.")
    triggers: list[str] = Field(description="The kinds of its triggers.")
    yaml: str = Field(description="The automation in Home Assistant's YAML shape.")
    last_run: RunOut | None


class AutomationYaml(BaseModel):
    """Automations in Home Assistant's YAML shape."""

    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(
        min_length=1,
        max_length=100_000,
        description="One automation or a list of them (`automations.yaml`'s shape).",
    )


class DraftRequest(BaseModel):
    """A sentence to turn into an automation (nothing runs until confirmed)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=1000,
        description='E.g. "when the front door opens after sunset turn on the hall '
        'light".',
    )
    area_id: str | None = Field(
        default=None, max_length=128, description="The area the speaker is in."
    )


class DraftOut(_Out):
    """What the sentence became: shown in plain words and YAML before it is enabled.

    To enable it, send `yaml` to `POST /api/automations`.
    """

    text: str = Field(description="The sentence.")
    ok: bool = Field(description="True when there is an automation to confirm.")
    summary: str = Field(description="The automation in plain words.")
    yaml: str = Field(description="The automation in Home Assistant's YAML shape.")
    problem: str | None = Field(description="Why no automation could be made.")


class ConditionOut(_Out):
    """A condition's verdict in a run."""

    path: str
    kind: str
    held: bool
    detail: str


class ActionOut(_Out):
    """An action carried out (or refused) in a run."""

    path: str
    kind: str
    time: float
    ok: bool
    target: str | None
    detail: str
    reason: str | None


class TraceOut(_Out):
    """One run of an automation: what triggered it, what held, what it did."""

    automation_id: str
    run: int
    time: float = Field(description="When it was triggered, Unix seconds.")
    trigger: str = Field(description="What happened, in words.")
    trigger_kind: str | None
    conditions: list[ConditionOut]
    actions: list[ActionOut]
    outcome: RunOutcome
    finished: float | None = Field(description="When it ended (null: waiting).")
    text: str = Field(description="The whole trace as a few lines for people.")


# ------------------------------------------------------------------ users and tokens

USER_ID_PATTERN = r"^[ -~]{1,64}$"
"""A user id: 1 to 64 printable ASCII characters."""


class UserOut(_Out):
    """A user the site knows: in its policy, or with data kept about them."""

    id: str
    role: str | None = Field(
        description="Their role in the policy (owner, resident, guest, child, "
        "service); null: not in the policy, only data kept about them."
    )
    tokens: int = Field(description="Their live API tokens.")


class TokenOut(_Out):
    """An API token's metadata (never its secret)."""

    id: str = Field(description="Its public id (the middle of `tm_<id>_<secret>`).")
    user: str
    label: str = Field(description="What it is for.")
    created: float = Field(description="Unix seconds.")
    revoked: float | None = Field(description="Unix seconds; null while it is live.")


class TokenRequest(BaseModel):
    """A new API token for a user of the site's policy."""

    model_config = ConfigDict(extra="forbid")

    user: str = Field(pattern=USER_ID_PATTERN, description="Whose it is.")
    label: str = Field(
        default="", max_length=200, description='What it is for ("wall tablet").'
    )


class TokenCreated(TokenOut):
    """A new token: the secret is shown this once and never stored."""

    token: str = Field(description="The token, `tm_<id>_<secret>`: keep it now.")


class UserEventOut(_Out):
    """An event the user caused (a service call through the API)."""

    time: float
    kind: str
    device_id: str | None
    data: dict[str, object]


class ExportedAudit(_Out):
    """One audit record of or about the user, its personal part included."""

    seq: int
    ts: float = Field(description="Unix seconds.")
    hash: str
    erased: bool = Field(description="True when its personal part was erased.")
    record: dict[str, object]


class PinOut(_Out):
    """That the user has a PIN (never the PIN or its hash)."""

    created: float = Field(description="When it was set, Unix seconds.")


class UserExport(_Out):
    """Everything the site keeps about one user (docs/security.md)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    format: str = Field(description="`thingmind-user-export`.")
    version: int = Field(description="The document's format version.")
    user: str
    exported_at: str = Field(description="ISO 8601, UTC.")
    tokens: list[TokenOut] = Field(description="Their tokens' metadata.")
    pin: PinOut | None
    audit: list[ExportedAudit] = Field(description="Audit records of or about them.")
    events: list[UserEventOut] = Field(description="Their own events.")
    corrections: list[dict[str, object]] = Field(
        default_factory=list,
        description="Their corrections, kept (redacted) for training.",
    )


class ErasureOut(_Out):
    """What deleting a user's data did."""

    user: str
    tokens: int = Field(description="API tokens deleted.")
    pins: int = Field(description="PINs deleted.")
    audit_records: int = Field(
        description="Audit records whose personal part was erased (they stay in "
        'the chain, marked "erased on request").'
    )
    audit_kept: int = Field(
        description="Older audit records kept whole until retention purges them."
    )
    events: int = Field(description="Their own events deleted.")
    other: dict[str, int] = Field(description="Records deleted elsewhere, by kind.")
    audit_seq: int = Field(description="The audit record of this erasure.")
