"""Automations: list, create from YAML or a sentence, enable, disable, delete, traces.

Everyone with a token reads the automations whose devices they may all see; only the
owner changes them. A sentence becomes a draft, shown back in plain words and YAML;
it runs only once the owner confirms it by sending the draft's YAML to
``POST /api/automations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._errors import (
    ERROR_RESPONSES,
    ApiError,
    ErrorBody,
    ErrorCode,
    FieldProblem,
)
from thingmind.api._models import (
    ActionOut,
    AutomationOut,
    AutomationYaml,
    ConditionOut,
    DraftOut,
    DraftRequest,
    RunOut,
    TraceOut,
)
from thingmind.api._site import SOURCE
from thingmind.brain import (
    AutomationError,
    AutomationFailure,
    automation_entities,
    automation_yaml,
)
from thingmind.core import InvalidInputError
from thingmind.resolve import Context

if TYPE_CHECKING:
    from thingmind.api._site import Site
    from thingmind.brain import AutomationManager, ManagedAutomation
    from thingmind.rules import Automation, Trace

router = APIRouter(prefix="/api", tags=["automations"], responses=ERROR_RESPONSES)
"""Automations (token needed; changes: owner only)."""

AutomationId = Annotated[
    str, Path(max_length=200, description='An automation id, e.g. "porch_light".')
]
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ErrorBody,
        "description": "The id is taken, or the automation is defined in a file.",
    }
}

_STATUS: dict[AutomationFailure, tuple[int, ErrorCode]] = {
    AutomationFailure.UNKNOWN: (404, ErrorCode.NOT_FOUND),
    AutomationFailure.ID_TAKEN: (409, ErrorCode.CONFLICT),
    AutomationFailure.FROM_FILE: (409, ErrorCode.CONFLICT),
}


class AutomationProblemsError(ApiError):
    """A YAML with problems: a 422 listing each (automation, path, line, message)."""

    def __init__(self, err: InvalidInputError, *, field: str) -> None:
        problems = [
            FieldProblem(field=field, message=str(problem)) for problem in err.problems
        ]
        first = problems[0].message if problems else "the automation is not valid"
        count = len(problems)
        more = f" (and {count - 1} more)" if count > 1 else ""
        super().__init__(422, ErrorCode.VALIDATION_ERROR, f"{first}{more}", field=field)
        self.problems = problems
        """Every problem."""


def _manager(site: Site) -> AutomationManager:
    if site.automations is None:
        msg = "this service runs no automations"
        raise ApiError(404, ErrorCode.NOT_FOUND, msg)
    return site.automations


def _api_error(err: AutomationError) -> ApiError:
    status, code = _STATUS[err.reason]
    field = "path.automation_id" if err.reason is AutomationFailure.UNKNOWN else None
    if err.reason is AutomationFailure.ID_TAKEN:
        field = "body.yaml"
    return ApiError(status, code, str(err), field=field, reason=err.reason.value)


def _audit(site: Site, user: str, text: str) -> None:
    """Keep a change to the automations in the audit trail."""
    if site.brain.security is not None:
        site.brain.security.record({"user": user, "source": SOURCE, "text": text})


def _visible(site: Site, user: str, automation: Automation) -> bool:
    return all(site.readable(user, d) for d in automation_entities(automation))


def _find(site: Site, user: str, automation_id: str) -> ManagedAutomation:
    try:
        managed = _manager(site).get(automation_id)
    except AutomationError as err:
        raise _api_error(err) from err
    if not _visible(site, user, managed.automation):  # unseen is not found either
        raise _api_error(
            AutomationError(
                AutomationFailure.UNKNOWN,
                f"no automation {automation_id!r}",
                automation_id=automation_id,
            )
        )
    return managed


def automation_out(managed: ManagedAutomation) -> AutomationOut:
    """Describe an automation as it runs.

    Args:
        managed: The automation and its run-time state.

    Returns:
        The API's view of it.
    """
    automation = managed.automation
    last = managed.last_run
    return AutomationOut(
        id=automation.id,
        name=automation.name,
        description=automation.description,
        enabled=managed.enabled,
        origin=managed.origin,
        source=automation.source,
        mode=automation.mode.value,
        once=automation.once,
        triggers=[t.kind.value for t in automation.triggers],
        yaml=automation_yaml(automation),
        last_run=(
            RunOut(run=last.run, time=last.time, outcome=last.outcome)
            if last is not None
            else None
        ),
    )


def trace_out(trace: Trace) -> TraceOut:
    """Describe one run of an automation.

    Args:
        trace: The run.

    Returns:
        The API's view of it.
    """
    return TraceOut(
        automation_id=trace.automation_id,
        run=trace.run,
        time=trace.time,
        trigger=trace.trigger,
        trigger_kind=trace.trigger_kind.value if trace.trigger_kind else None,
        conditions=[
            ConditionOut(path=c.path, kind=c.kind.value, held=c.held, detail=c.detail)
            for c in trace.conditions
        ],
        actions=[
            ActionOut(
                path=a.path,
                kind=a.kind.value,
                time=a.time,
                ok=a.ok,
                target=a.target,
                detail=a.detail,
                reason=a.reason,
            )
            for a in trace.actions
        ],
        outcome=trace.outcome,
        finished=trace.finished,
        text=trace.describe(),
    )


@router.get("/automations", summary="The automations and whether they run")
async def list_automations(site: SiteDep, user: UserDep) -> list[AutomationOut]:
    """List the automations (files' first, then those created here) you may see."""
    return [
        automation_out(m)
        for m in _manager(site).automations()
        if _visible(site, user, m.automation)
    ]


@router.post(
    "/automations",
    summary="Create automations from YAML (owner only)",
    status_code=201,
    responses=_CONFLICT,
)
async def create_automations(
    body: AutomationYaml, site: SiteDep, user: UserDep
) -> list[AutomationOut]:
    """Check and start automations written in Home Assistant's YAML shape.

    Every problem is listed (422): which automation, where in it, on which line and
    what is wrong. Nothing is created unless all are valid. They are kept in the
    store and survive a restart; a draft's YAML is confirmed this way.
    """
    site.require_role(user)
    manager = _manager(site)
    try:
        created = manager.create(body.yaml, source="request")
    except InvalidInputError as err:
        raise AutomationProblemsError(err, field="body.yaml") from err
    except AutomationError as err:
        raise _api_error(err) from err
    _audit(site, user, "automations created: " + ", ".join(a.id for a in created))
    return [automation_out(manager.get(a.id)) for a in created]


@router.post(
    "/automations/draft",
    summary="Turn a sentence into an automation draft (owner only)",
)
async def draft_automation(
    body: DraftRequest, site: SiteDep, user: UserDep
) -> DraftOut:
    """Read a sentence as an automation and show it back; nothing runs yet.

    The draft comes in plain words and YAML. Confirm it by sending its `yaml` to
    `POST /api/automations`.
    """
    site.require_role(user)
    if body.area_id is not None and not site.home.has_area(body.area_id):
        msg = f"no area {body.area_id!r}"
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="body.area_id")
    context = Context(area=body.area_id, user=user, source=SOURCE)
    try:
        draft = _manager(site).draft(body.text, context=context)
    except AutomationError as err:
        raise _api_error(err) from err
    return DraftOut(
        text=draft.text,
        ok=draft.ok,
        summary=draft.summary,
        yaml=draft.yaml,
        problem=draft.problem,
    )


@router.get("/automations/{automation_id}", summary="One automation")
async def get_automation(
    automation_id: AutomationId, site: SiteDep, user: UserDep
) -> AutomationOut:
    """Describe one automation, with its YAML."""
    return automation_out(_find(site, user, automation_id))


@router.put(
    "/automations/{automation_id}",
    summary="Replace an automation created here (owner only)",
    responses=_CONFLICT,
)
async def replace_automation(
    automation_id: AutomationId, body: AutomationYaml, site: SiteDep, user: UserDep
) -> AutomationOut:
    """Swap a created automation for a new version with the same id.

    Runs waiting on a delay are cancelled; a `for` timer of an unchanged trigger
    keeps counting. Automations from files are changed in their file (409).
    """
    site.require_role(user)
    manager = _manager(site)
    try:
        manager.replace(automation_id, body.yaml, source="request")
    except InvalidInputError as err:
        raise AutomationProblemsError(err, field="body.yaml") from err
    except AutomationError as err:
        raise _api_error(err) from err
    _audit(site, user, f"automation replaced: {automation_id}")
    return automation_out(manager.get(automation_id))


async def _switch(
    site: Site, user: str, automation_id: str, *, on: bool
) -> AutomationOut:
    site.require_role(user)
    manager = _manager(site)
    try:
        managed = (
            manager.enable(automation_id) if on else manager.disable(automation_id)
        )
    except AutomationError as err:
        raise _api_error(err) from err
    _audit(site, user, f"automation {'enabled' if on else 'disabled'}: {automation_id}")
    return automation_out(managed)


@router.post(
    "/automations/{automation_id}/enable",
    summary="Let an automation run (owner only)",
)
async def enable_automation(
    automation_id: AutomationId, site: SiteDep, user: UserDep
) -> AutomationOut:
    """Enable an automation; the flag is kept across restarts."""
    return await _switch(site, user, automation_id, on=True)


@router.post(
    "/automations/{automation_id}/disable",
    summary="Stop an automation from running (owner only)",
)
async def disable_automation(
    automation_id: AutomationId, site: SiteDep, user: UserDep
) -> AutomationOut:
    """Disable an automation: its waiting runs and `for` timers are cancelled."""
    return await _switch(site, user, automation_id, on=False)


@router.delete(
    "/automations/{automation_id}",
    summary="Delete an automation created here (owner only)",
    status_code=204,
    responses=_CONFLICT,
)
async def delete_automation(
    automation_id: AutomationId, site: SiteDep, user: UserDep
) -> None:
    """Stop and delete a created automation. Automations from files stay (409)."""
    site.require_role(user)
    try:
        _manager(site).remove(automation_id)
    except AutomationError as err:
        raise _api_error(err) from err
    _audit(site, user, f"automation deleted: {automation_id}")


@router.get(
    "/automations/{automation_id}/traces",
    summary="An automation's recent runs, oldest first",
)
async def list_traces(
    automation_id: AutomationId, site: SiteDep, user: UserDep
) -> list[TraceOut]:
    """Return what triggered each recent run, which conditions held and what it did."""
    _find(site, user, automation_id)
    return [trace_out(t) for t in _manager(site).traces(automation_id)]
