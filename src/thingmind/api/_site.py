"""The site behind the API: the brain, its store and bus, and the device layer.

Everything that reads or changes the brain runs on the event loop's thread: the bus
is not thread-safe, and the brain's registry is shared with its event consumer.
"""

from __future__ import annotations

from collections import OrderedDict
import logging
import math
from typing import TYPE_CHECKING, Any, Protocol
import uuid

from thingmind.api._downsample import json_safe_state
from thingmind.api._errors import ApiError, ErrorCode, not_found
from thingmind.api._models import (
    ActionTaken,
    AreaOut,
    AuditOut,
    ConversationErrorCode,
    ConversationRequest,
    ConversationResponse,
    CorrectionRequest,
    CorrectionResponse,
    DeviceOut,
    FloorOut,
    IntentResponse,
    ModelDeployed,
    ModelOut,
    PendingOut,
    PlainSpeech,
    ResponseData,
    ResponseType,
    ServiceResult,
    Speech,
    Target,
    TargetType,
    TrainingOut,
    Understood,
)
from thingmind.brain import MeantCommand
from thingmind.bus import BusError
from thingmind.core import Event, EventKind, StateValue, ThingmindError
from thingmind.registry import ServiceCallError, ServiceFailure, domain_spec
from thingmind.resolve import Context, FailReason, ResolvedAction, Role, Verdict

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from thingmind.api._metrics import ApiMetrics
    from thingmind.brain import AutomationManager, Brain, RetrainEvent, TurnResult
    from thingmind.bus import EventBus
    from thingmind.core import Clock
    from thingmind.registry import Area, Device, DeviceDriver, Home
    from thingmind.store import Store

_LOGGER = logging.getLogger(__name__)

_MAX_CONVERSATIONS = 1000  # remembered conversation ids (speaker area), oldest dropped

_ERROR_CODES: dict[FailReason, ConversationErrorCode] = {
    FailReason.NOT_ABOUT_SITE: ConversationErrorCode.NO_INTENT_MATCH,
    FailReason.NO_SUCH_DEVICE: ConversationErrorCode.NO_VALID_TARGETS,
    FailReason.NO_SUCH_AREA: ConversationErrorCode.NO_VALID_TARGETS,
    FailReason.NOTHING_IN_SCOPE: ConversationErrorCode.NO_VALID_TARGETS,
}


SOURCE = "api"
"""The source of every request through the API: remote, so a PIN confirms."""


def _finite(number: float) -> float:
    return number if math.isfinite(number) else 0.0


class AuditEntry(Protocol):
    """One audit record (``thingmind.store.AuditRecord``)."""

    @property
    def seq(self) -> int:
        """Its place in the chain."""
        ...

    @property
    def ts(self) -> float:
        """Unix seconds."""
        ...

    @property
    def hash(self) -> str:
        """Its chain hash."""
        ...

    @property
    def record(self) -> Mapping[str, Any]:
        """What it records."""
        ...


class AuditReader(Protocol):
    """Reads the audit trail (``thingmind.store.AuditLog``)."""

    def records(
        self, *, after: int = 0, limit: int | None = None, user: str | None = None
    ) -> Sequence[AuditEntry]:
        """Return records after a sequence number, oldest first."""
        ...


class ModelCatalog(Protocol):
    """The site's model versions (the command line adapts the model registry)."""

    def versions(self) -> list[tuple[str, bool, Mapping[str, object]]]:
        """Return (version id, in service, its ``version.json``), oldest first."""
        ...

    def rollback(self) -> str:
        """Put the version in service before back; return its id.

        Raises:
            ThingmindError: When there is none to go back to.
        """
        ...

    def deploy(self, version_id: str) -> str:
        """Put a version in service; return its id.

        Raises:
            ThingmindError: When there is no such version.
        """
        ...


class Trainer(Protocol):
    """Adapts the site's model in the background (``RetrainScheduler`` for one site)."""

    def start(self) -> bool:
        """Start an adaptation; False when one is already running."""
        ...

    def running(self) -> bool:
        """True while an adaptation runs."""
        ...

    def status(self) -> RetrainEvent | None:
        """The latest progress of the latest adaptation (None: none ran)."""
        ...


_OWNER_ROLES = frozenset({Role.OWNER})


class Site:
    """One site served by the API."""

    def __init__(
        self,
        *,
        brain: Brain,
        store: Store | None,
        bus: EventBus,
        driver: DeviceDriver,
        clock: Clock,
        metrics: ApiMetrics,
        site_id: str = "home",
        name: str = "Home",
        model_version: str = "",
        audit: AuditReader | None = None,
        models: ModelCatalog | None = None,
        automations: AutomationManager | None = None,
        trainer: Trainer | None = None,
    ) -> None:
        """Wire the API to a running brain.

        Args:
            brain: The brain (its registry holds the live state).
            store: Where history is (None: no history).
            bus: The event bus the brain and the devices share.
            driver: The device layer the brain was built with (the simulator, MQTT).
            clock: The site's clock (the simulator's virtual one in the demo).
            metrics: Where to count.
            site_id: The site's id.
            name: The site's name.
            model_version: The language model's version, for ``/api/sites``.
            audit: The audit trail, for ``/api/audit`` (None: not served).
            models: The model versions, for ``/api/models`` (None: not served).
            automations: The running automations, for ``/api/automations`` (None:
                not served).
            trainer: Adapts the model, for ``/api/models/training`` (None: not
                served).
        """
        self.brain = brain
        self.audit = audit
        self.models = models
        self.automations = automations
        self.trainer = trainer
        self.store = store
        self.bus = bus
        self.driver = driver
        self.clock = clock
        self.metrics = metrics
        self.id = site_id
        self.name = name
        self.model_version = model_version
        self._conversations: OrderedDict[str, Context] = OrderedDict()
        metrics.devices.set(len(self.home.devices))
        metrics.on_render(lambda: metrics.events_seen.set(brain.events_seen))

    @property
    def home(self) -> Home:
        """The site's floors, areas and devices."""
        return self.brain.registry.home

    # ------------------------------------------------------------- lookups

    # ------------------------------------------------------------- who asks

    def role_of(self, user: str) -> Role | None:
        """Return the user's role (None: unknown to the site)."""
        security = self.brain.security
        if security is None:  # no policy: the one token is the owner's
            return Role.OWNER if user == "owner" else None
        found = security.gate.user(user)
        return found.role if found is not None else None

    def require_role(self, user: str, roles: frozenset[Role] = _OWNER_ROLES) -> None:
        """Refuse (403) a caller whose role is not one of ``roles``.

        Raises:
            ApiError: 403 ``forbidden``.
        """
        if self.role_of(user) not in roles:
            msg = "only the site's owner may do that"
            raise ApiError(403, ErrorCode.FORBIDDEN, msg, reason="not_permitted")

    def readable(self, user: str, device_id: str) -> bool:
        """Return True when the user may see the device and its state."""
        security = self.brain.security
        if security is None:
            return True
        return security.gate.can_read(user, device_id)

    def device(self, device_id: str, *, user: str | None = None) -> Device:
        """Return a device, or raise a 404 naming ``path.device_id``.

        Args:
            device_id: The device.
            user: The caller: a device they may not see is not found either, so
                an answer never reveals it.

        Raises:
            ApiError: 404.
        """
        if not self.home.has_device(device_id) or (
            user is not None and not self.readable(user, device_id)
        ):
            err = not_found("device", device_id, field="path.device_id")
            raise err
        return self.home.device(device_id)

    def floor_of(self, area_id: str | None) -> str | None:
        """Return the floor id of an area (None for none)."""
        if area_id is None or not self.home.has_area(area_id):
            return None
        return self.home.area(area_id).floor

    def device_out(self, device: Device) -> DeviceOut:
        """Describe a device with its live state."""
        spec = domain_spec(device.type)
        return DeviceOut(
            id=device.id,
            name=device.name,
            type=device.type,
            aliases=list(device.aliases),
            area=device.area,
            floor=self.floor_of(device.area),
            device_class=device.device_class,
            state=json_safe_state(self.brain.registry.state(device.id)),
            services=list(spec.services),
            read_only=spec.read_only,
        )

    def area_out(self, area: Area, *, user: str | None = None) -> AreaOut:
        """Describe an area and its devices (those ``user`` may see)."""
        devices = [
            d
            for d in self.brain.registry.devices_in_area(area.id)
            if user is None or self.readable(user, d.id)
        ]
        return AreaOut(
            id=area.id,
            name=area.name,
            aliases=list(area.aliases),
            floor=area.floor,
            outdoor=area.outdoor,
            devices=[d.id for d in devices],
        )

    def floors_out(self) -> list[FloorOut]:
        """Describe every floor."""
        return [
            FloorOut(
                id=floor.id,
                name=floor.name,
                aliases=list(floor.aliases),
                areas=[a.id for a in self.brain.registry.areas_on_floor(floor.id)],
            )
            for floor in self.home.floors
        ]

    # ------------------------------------------------------------- actions

    def _publish(self, event: Event) -> None:
        try:
            self.bus.publish_nowait(event)
        except BusError as err:  # a slow subscriber; the action itself is done
            _LOGGER.warning("event not published: %s", err)

    def _announce_action(
        self, device_id: str, service: str, params: Mapping[str, StateValue], user: str
    ) -> None:
        data: dict[str, StateValue] = {"service": service, **params}
        self._publish(
            Event(
                kind=EventKind.ACTION,
                time=self.clock.now(),
                device_id=device_id,
                data=data,
                source=f"user:{user}",
            )
        )

    def call_service(
        self,
        device_id: str,
        service: str,
        params: Mapping[str, StateValue],
        *,
        user: str,
    ) -> ServiceResult:
        """Carry out a service on a device, as the brain's own actions are.

        Args:
            device_id: The device.
            service: The service.
            params: Its parameters.
            user: Who asked.

        The call passes the same gate as a sentence (``source="api"``): refused
        (403, with the gate's reason) or held for the user's PIN (``done`` false,
        status 202), and written to the audit trail.

        Returns:
            What changed, and the device's state afterwards.

        Raises:
            ApiError: 404 for an unknown (or unseen) device or service, 403 when
                the gate refuses, 422 when the device refuses.
        """
        device = self.device(device_id, user=user)
        spec = domain_spec(device.type)
        if service not in spec.services:
            valid = ", ".join(spec.services) or "none"
            msg = f"{device.type} has no service {service!r} (valid: {valid})"
            raise ApiError(404, ErrorCode.NOT_FOUND, msg, field="path.service")
        try:  # the type's checks (pure): a bad value is named before the gate
            spec.call(self.brain.registry.state(device_id), service, params)
        except ServiceCallError as err:
            self.metrics.service_calls.labels("refused").inc()
            field = "body.params"
            if err.key is not None:
                in_params = err.key in params
                field = f"body.params.{err.key}" if in_params else "body.params"
            status = 404 if err.reason is ServiceFailure.UNKNOWN_SERVICE else 422
            raise ApiError(
                status,
                ErrorCode.SERVICE_REFUSED,
                str(err),
                field=field,
                reason=err.reason.value,
            ) from err
        done = self.brain.execute(
            user,
            ResolvedAction(device_id=device_id, service=service, params=params),
            source=SOURCE,
            text=f"{service} {device_id}",
        )
        decision = done.decision
        if decision.verdict is Verdict.DENY:
            self.metrics.service_calls.labels("refused").inc()
            reason = decision.reason.value if decision.reason else None
            raise ApiError(403, ErrorCode.FORBIDDEN, decision.message, reason=reason)
        if done.error:
            self.metrics.service_calls.labels("refused").inc()
            raise ApiError(
                422, ErrorCode.SERVICE_REFUSED, done.error, field="body.params"
            )
        state = json_safe_state(self.brain.registry.state(device_id))
        if done.pending is not None:
            self.metrics.service_calls.labels("pending").inc()
            return ServiceResult(
                device_id=device_id,
                service=service,
                changes={},
                state=state,
                done=False,
                pending=PendingOut(
                    id=done.pending.id,
                    expires=done.pending.expires,
                    message=decision.message,
                ),
            )
        self._announce_action(device_id, service, params, user)
        self.metrics.service_calls.labels("ok").inc()
        return ServiceResult(
            device_id=device_id,
            service=service,
            changes=json_safe_state(done.changed),
            state=state,
        )

    # ------------------------------------------------------------- conversation

    def _context(self, request: ConversationRequest, user: str) -> Context:
        if request.area_id is not None and not self.home.has_area(request.area_id):
            msg = f"no area {request.area_id!r}"
            raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="body.area_id")
        if request.device_id is not None and not self.home.has_device(
            request.device_id
        ):
            msg = f"no device {request.device_id!r}"
            raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="body.device_id")
        remembered = (
            self._conversations.get(request.conversation_id)
            if request.conversation_id
            else None
        )
        area = request.area_id
        device = request.device_id
        if area is None and device is None and remembered is not None:
            area, device = remembered.area, remembered.device
        return Context(area=area, device=device, user=user, source=SOURCE)

    def _remember(self, conversation_id: str, context: Context) -> None:
        self._conversations[conversation_id] = context
        self._conversations.move_to_end(conversation_id)
        while len(self._conversations) > _MAX_CONVERSATIONS:
            self._conversations.popitem(last=False)

    def converse(
        self, request: ConversationRequest, *, user: str
    ) -> ConversationResponse:
        """Understand and carry out a sentence; answer in Home Assistant's shape.

        Args:
            request: The sentence and who says it from where.
            user: Who speaks (from the token).

        Returns:
            The answer, and exactly what was done.

        Raises:
            ApiError: 422 for an unsupported language or an unknown area or device.
        """
        language = request.language or "en"
        if language.lower().split("-")[0] != "en":
            msg = (
                f"language {language!r} is not supported; thingmind speaks English (en)"
            )
            raise ApiError(422, ErrorCode.UNSUPPORTED, msg, field="body.language")
        context = self._context(request, user)
        conversation_id = request.conversation_id or uuid.uuid4().hex
        result = self.brain.handle_text(request.text, context=context)
        self._remember(conversation_id, context)
        response = self._answer(result, language)
        for action in [] if result.clarify else result.resolution.actions:
            self._announce_action(action.device_id, action.service, action.params, user)
        self.metrics.conversations.labels(response.response_type.value).inc()
        self.metrics.conversation_seconds.observe(result.latency_ms / 1000)
        return ConversationResponse(
            response=response,
            conversation_id=conversation_id,
            continue_conversation=result.clarify,
            actions=self._actions(result),
            refused=result.refused,
            understood=Understood(
                intents=[c.intent.value for c in result.parsed.clauses],
                confidence=_finite(result.parsed.confidence),
                model_version=result.parsed.model_version or self.model_version,
            ),
            latency_ms=result.latency_ms,
        )

    # ------------------------------------------------------------- learning

    def correct(self, request: CorrectionRequest, *, user: str) -> CorrectionResponse:
        """Mark the caller's last turn wrong: undo it and do what was meant.

        Args:
            request: What was meant.
            user: Who corrects (their own last turn only).

        Returns:
            What the correction did.

        Raises:
            ApiError: 422 when learning is off or a device is unknown; 404 when the
                caller has no recent turn.
        """
        if not self.brain.can_learn:
            msg = "corrections need a model registry (thingmind serve --models DIR)"
            raise ApiError(422, ErrorCode.UNSUPPORTED, msg)
        for index, device_id in enumerate(request.device_ids):
            self.device_or_422(device_id, user, field=f"body.device_ids.{index}")
        meant = MeantCommand(
            intent=request.intent,
            target=request.target,
            device_ids=tuple(request.device_ids),
            clause=request.clause,
        )
        context = Context(user=user, source=SOURCE)
        result = self.brain.correct(meant, context=context)
        if result is None:
            msg = "you have no recent turn to correct"
            raise ApiError(404, ErrorCode.NOT_FOUND, msg)
        for action in [] if result.clarify else result.resolution.actions:
            self._announce_action(action.device_id, action.service, action.params, user)
        return CorrectionResponse(
            answer=result.answer,
            actions=self._actions(result),
            changes={d: json_safe_state(c) for d, c in result.changes.items()},
            refused=result.refused,
        )

    def device_or_422(self, device_id: str, user: str, *, field: str) -> None:
        """Refuse (422) a device id in a body that is unknown or unseen by the user.

        Raises:
            ApiError: 422 naming ``field``.
        """
        if not self.home.has_device(device_id) or not self.readable(user, device_id):
            msg = f"no device {device_id!r}"
            raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field=field)

    def audit_out(
        self, *, user: str, of_user: str | None, limit: int
    ) -> list[AuditOut]:
        """Return the latest audit records, oldest first (owner only).

        Raises:
            ApiError: 403 for anyone but the owner; 404 when no audit trail is kept.
        """
        self.require_role(user)
        if self.audit is None:
            msg = "this service keeps no audit trail"
            raise ApiError(404, ErrorCode.NOT_FOUND, msg)
        records = list(self.audit.records(user=of_user))[-limit:]
        return [
            AuditOut(seq=r.seq, ts=r.ts, hash=r.hash, record=dict(r.record))
            for r in records
        ]

    def models_out(self, *, user: str) -> list[ModelOut]:
        """Return the site's model versions (owner only).

        Raises:
            ApiError: 403 for anyone but the owner; 404 without a model registry.
        """
        self.require_role(user)
        models = self._catalog()
        return [
            ModelOut(id=vid, in_service=live, info=dict(info))
            for vid, live, info in models.versions()
        ]

    def rollback(self, *, user: str) -> list[ModelOut]:
        """Put the model in service before back (owner only).

        Raises:
            ApiError: 403 for anyone but the owner; 404 without a model registry;
                409 when there is no earlier version.
        """
        self.require_role(user)
        models = self._catalog()
        try:
            version = models.rollback()
        except ThingmindError as err:
            raise ApiError(409, ErrorCode.CONFLICT, str(err)) from err
        _LOGGER.info("model rolled back to %s by %s", version, user)
        if self.brain.security is not None:
            self.brain.security.record(
                {"user": user, "source": SOURCE, "text": f"model rollback to {version}"}
            )
        return self.models_out(user=user)

    def deploy(self, version_id: str, *, user: str) -> ModelDeployed:
        """Put a model version in service (owner only); the brain swaps within a poll.

        Raises:
            ApiError: 403 for anyone but the owner; 404 without a model registry or
                for an unknown version.
        """
        self.require_role(user)
        models = self._catalog()
        try:
            version = models.deploy(version_id)
        except ThingmindError as err:
            raise ApiError(
                404, ErrorCode.NOT_FOUND, str(err), field="path.version_id"
            ) from err
        _LOGGER.info("model %s deployed by %s", version, user)
        if self.brain.security is not None:
            self.brain.security.record(
                {"user": user, "source": SOURCE, "text": f"model deploy {version}"}
            )
        return ModelDeployed(in_service=version, versions=self.models_out(user=user))

    def training_out(self, *, user: str) -> TrainingOut:
        """Return the latest adaptation's progress (owner only).

        Raises:
            ApiError: 403 for anyone but the owner; 404 when nothing adapts here.
        """
        self.require_role(user)
        trainer = self._trainer()
        return training_out(trainer.status(), running=trainer.running())

    def start_training(self, *, user: str) -> TrainingOut:
        """Start adapting the model to the site (owner only).

        Raises:
            ApiError: 403 for anyone but the owner; 404 when nothing adapts here;
                409 when an adaptation already runs.
        """
        self.require_role(user)
        trainer = self._trainer()
        if not trainer.start():
            msg = "an adaptation of the model is already running"
            raise ApiError(409, ErrorCode.CONFLICT, msg)
        _LOGGER.info("model adaptation started by %s", user)
        if self.brain.security is not None:
            self.brain.security.record(
                {"user": user, "source": SOURCE, "text": "model adaptation started"}
            )
        return training_out(trainer.status(), running=trainer.running())

    def _trainer(self) -> Trainer:
        if self.trainer is None:
            msg = "this service does not adapt its model (thingmind serve --models DIR)"
            raise ApiError(404, ErrorCode.NOT_FOUND, msg)
        return self.trainer

    def _catalog(self) -> ModelCatalog:
        if self.models is None:
            msg = "this service has no model registry (thingmind serve --models DIR)"
            raise ApiError(404, ErrorCode.NOT_FOUND, msg)
        return self.models

    def _target(self, device_id: str) -> Target:
        name = (
            self.home.device(device_id).name
            if self.home.has_device(device_id)
            else device_id
        )
        return Target(type=TargetType.ENTITY, name=name, id=device_id)

    def _actions(self, result: TurnResult) -> list[ActionTaken]:
        if result.clarify:
            return []
        return [
            ActionTaken(
                device_id=action.device_id,
                name=self._target(action.device_id).name,
                service=action.service,
                params=json_safe_state(action.params),
                changes=json_safe_state(result.changes.get(action.device_id, {})),
            )
            for action in result.resolution.actions
        ]

    def _answer(self, result: TurnResult, language: str) -> IntentResponse:
        resolution = result.resolution
        acted = list(dict.fromkeys(a.device_id for a in resolution.actions))
        data = ResponseData()
        if result.clarify:
            kind = ResponseType.QUERY_ANSWER
        elif acted and (result.changes or not result.refused):
            kind = ResponseType.ACTION_DONE
            failed = [d for d in acted if result.refused and d not in result.changes]
            data = ResponseData(
                targets=[self._target(d) for d in acted],
                success=[self._target(d) for d in acted if d not in failed],
                failed=[self._target(d) for d in failed],
            )
        elif resolution.reads:
            kind = ResponseType.QUERY_ANSWER
            data = ResponseData(
                targets=[self._target(d) for d in resolution.reads],
                success=[self._target(d) for d in resolution.reads],
            )
        elif not result.refused and not resolution.failures:
            kind = ResponseType.ACTION_DONE
        else:
            kind = ResponseType.ERROR
            reason = resolution.failures[0].reason if resolution.failures else None
            code = (
                ConversationErrorCode.NO_INTENT_MATCH
                if not result.parsed.clauses
                else _ERROR_CODES.get(reason, ConversationErrorCode.FAILED_TO_HANDLE)
                if reason is not None
                else ConversationErrorCode.UNKNOWN
            )
            data = ResponseData(
                failed=[self._target(d) for d in acted],
                code=code,
            )
        return IntentResponse(
            response_type=kind,
            language=language,
            speech=Speech(plain=PlainSpeech(speech=result.answer)),
            data=data,
        )


def training_out(event: RetrainEvent | None, *, running: bool) -> TrainingOut:
    """Describe an adaptation's latest progress.

    Args:
        event: The latest progress (None: none ran).
        running: Whether it still runs.

    Returns:
        The API's view of it.
    """
    if event is None:
        return TrainingOut(
            running=running,
            phase=None,
            step=0,
            total=0,
            message="no adaptation has run since the service started",
            version="",
            accepted=None,
        )
    return TrainingOut(
        running=running,
        phase=event.phase,
        step=event.step,
        total=event.total,
        message=event.message,
        version=event.version,
        accepted=event.accepted,
    )
