"""Routes about the site: sites, floors, areas, devices, state, services, history."""

from __future__ import annotations

import asyncio
import functools
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from thingmind import __version__

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._downsample import downsample, json_safe_state
from thingmind.api._errors import ERROR_RESPONSES, ApiError, ErrorCode, not_found
from thingmind.api._models import (
    AreaOut,
    DeviceOut,
    EventOut,
    FloorOut,
    Health,
    History,
    HistoryPoint,
    ServiceCall,
    ServiceOut,
    ServiceResult,
    Site as SiteOut,
)
from thingmind.api._site import Site  # noqa: TC001
from thingmind.core import Domain, Event, EventKind, StateValue
from thingmind.registry import domain_spec

DAY = 86_400.0  # seconds
MAX_RANGE = 366 * DAY  # the longest history one request may ask for, seconds

public = APIRouter(prefix="/api", tags=["health"])
"""Routes that need no token."""
router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
"""Routes about the site (token needed)."""

DeviceId = Annotated[
    str, Path(max_length=200, description='A device id, e.g. "light.kitchen".')
]
Start = Annotated[
    float | None,
    Query(ge=0, allow_inf_nan=False, description="Unix seconds; default: end - 24 h."),
]
End = Annotated[
    float | None,
    Query(
        ge=0, allow_inf_nan=False, description="Unix seconds, excluded; default: now."
    ),
]


@public.get("/health", summary="Is the service up (no token needed)")
async def health() -> Health:
    """Return ``ok`` while the service runs."""
    return Health(status="ok", version=__version__)


def _site_out(site: Site) -> SiteOut:
    home = site.home
    return SiteOut(
        id=site.id,
        name=site.name,
        source=home.source,
        floors=len(home.floors),
        areas=len(home.areas),
        devices=len(home.devices),
        time=site.clock.now(),
        model_version=site.model_version,
    )


@router.get("/sites", tags=["site"], summary="The sites this service runs")
async def list_sites(site: SiteDep, _user: UserDep) -> list[SiteOut]:
    """List the sites (one per process today)."""
    return [_site_out(site)]


@router.get("/sites/{site_id}", tags=["site"], summary="One site")
async def get_site(
    site_id: Annotated[str, Path(max_length=200)], site: SiteDep, _user: UserDep
) -> SiteOut:
    """Describe a site."""
    if site_id != site.id:
        err = not_found("site", site_id, field="path.site_id")
        raise err
    return _site_out(site)


@router.get("/floors", tags=["site"], summary="Floors and their areas")
async def list_floors(site: SiteDep, _user: UserDep) -> list[FloorOut]:
    """List the floors, in file order."""
    return site.floors_out()


@router.get("/areas", tags=["site"], summary="Areas and their devices")
async def list_areas(
    site: SiteDep,
    user: UserDep,
    floor: Annotated[
        str | None, Query(max_length=200, description="Only this floor's areas.")
    ] = None,
) -> list[AreaOut]:
    """List the areas, in file order."""
    return [
        site.area_out(a, user=user)
        for a in site.home.areas
        if floor is None or a.floor == floor
    ]


@router.get("/areas/{area_id}", tags=["site"], summary="One area")
async def get_area(
    area_id: Annotated[str, Path(max_length=200)], site: SiteDep, user: UserDep
) -> AreaOut:
    """Describe an area."""
    if not site.home.has_area(area_id):
        err = not_found("area", area_id, field="path.area_id")
        raise err
    return site.area_out(site.home.area(area_id), user=user)


@router.get("/devices", tags=["devices"], summary="Devices with their live state")
async def list_devices(
    *,
    site: SiteDep,
    user: UserDep,
    area: Annotated[str | None, Query(max_length=200)] = None,
    floor: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[Domain | None, Query()] = None,  # noqa: A002  (the API's word)
) -> list[DeviceOut]:
    """List devices, optionally of one area, floor or type."""
    return [
        site.device_out(d)
        for d in site.home.devices
        if (area is None or d.area == area)
        and (floor is None or site.floor_of(d.area) == floor)
        and (type is None or d.type is type)
        and site.readable(user, d.id)
    ]


@router.get("/devices/{device_id}", tags=["devices"], summary="One device")
async def get_device(device_id: DeviceId, site: SiteDep, user: UserDep) -> DeviceOut:
    """Describe a device with its live state."""
    return site.device_out(site.device(device_id, user=user))


@router.get(
    "/devices/{device_id}/state", tags=["devices"], summary="A device's live state"
)
async def get_state(
    device_id: DeviceId, site: SiteDep, user: UserDep
) -> dict[str, StateValue]:
    """Return a device's live state, by key."""
    return site.device_out(site.device(device_id, user=user)).state


@router.get(
    "/devices/{device_id}/services",
    tags=["devices"],
    summary="What a device can be asked to do",
)
async def list_services(
    device_id: DeviceId, site: SiteDep, user: UserDep
) -> list[ServiceOut]:
    """List a device's services and their parameters."""
    device = site.device(device_id, user=user)
    spec = domain_spec(device.type)
    out = []
    for name, service in spec.services.items():
        params = []
        for param in service.params:
            key = service.key_for(param)
            key_spec = spec.keys.get(key)
            if key_spec is not None and key not in device.state:
                continue  # a feature this device lacks
            params.append(
                {
                    "name": param,
                    "key": key,
                    "kind": key_spec.kind.value if key_spec else None,
                    "minimum": key_spec.minimum if key_spec else None,
                    "maximum": key_spec.maximum if key_spec else None,
                    "choices": list(key_spec.choices) if key_spec else [],
                }
            )
        out.append(ServiceOut.model_validate({"name": name, "params": params}))
    return out


@router.post(
    "/devices/{device_id}/services/{service}",
    tags=["devices"],
    summary="Call a service of a device",
    responses={
        202: {
            "model": ServiceResult,
            "description": "Held: a dangerous action waits for your PIN.",
        }
    },
)
async def call_service(
    *,
    device_id: DeviceId,
    service: Annotated[str, Path(max_length=100, description='E.g. "turn_on".')],
    site: SiteDep,
    user: UserDep,
    response: Response,
    body: ServiceCall | None = None,
) -> ServiceResult:
    """Carry out a service; the change is kept in history and streamed.

    It passes the same gate as a sentence: 403 when the caller may not, and for a
    dangerous action (unlocking, opening a garage) 202 with a pending confirmation,
    carried out once the same user sends their PIN to ``/api/conversation/process``.
    """
    params = body.params if body is not None else {}
    result = site.call_service(device_id, service, params, user=user)
    if not result.done:
        response.status_code = 202
    return result


def _range(site: Site, start: float | None, end: float | None) -> tuple[float, float]:
    end = site.clock.now() + 1.0 if end is None else end  # half-open: include now
    start = end - DAY if start is None else start
    if start >= end:
        msg = f"start ({start}) must be before end ({end})"
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="query.start")
    if end - start > MAX_RANGE:
        msg = f"the range may span at most {MAX_RANGE / DAY:.0f} days"
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="query.start")
    return start, end


@router.get(
    "/devices/{device_id}/history",
    tags=["history"],
    summary="The history of a state key, downsampled for long ranges",
)
async def get_history(
    *,
    device_id: DeviceId,
    site: SiteDep,
    user: UserDep,
    key: Annotated[
        str | None,
        Query(max_length=100, description='State key; default "value" (sensors).'),
    ] = None,
    start: Start = None,
    end: End = None,
    max_points: Annotated[
        int, Query(ge=2, le=5000, description="Downsample to at most this many.")
    ] = 500,
) -> History:
    """Return one state key's readings in ``[start, end)``, oldest first."""
    device = site.device(device_id, user=user)
    state = site.brain.registry.state(device_id)
    if key is None:
        key = "value" if "value" in state else next(iter(state), "value")
    if key not in state:
        have = ", ".join(state) or "none"
        msg = f"{device_id} has no state key {key!r} (it has {have})"
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="query.key")
    t0, t1 = _range(site, start, end)
    rows: list[tuple[float, StateValue]] = []
    if site.store is not None:
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(
            None,
            functools.partial(site.store.history, device.id, key, start=t0, end=t1),
        )
    points, width = downsample(rows, start=t0, end=t1, max_points=max_points)
    unit = state.get("unit")
    return History(
        device_id=device_id,
        key=key,
        start=t0,
        end=t1,
        unit=unit if isinstance(unit, str) else None,
        readings=len(rows),
        downsampled=width is not None,
        bucket_seconds=width,
        points=[
            HistoryPoint(t=p.t, value=p.value, min=p.min, max=p.max, count=p.count)
            for p in points
        ],
    )


def _event_out(event: Event) -> EventOut:
    return EventOut(
        kind=event.kind,
        time=event.time,
        device_id=event.device_id,
        data=json_safe_state(event.data),
        source=event.source,
    )


async def _events(
    site: Site,
    *,
    user: str,
    start: float | None,
    end: float | None,
    kinds: list[EventKind] | None,
    device_id: str | None,
    limit: int,
) -> list[EventOut]:
    t0, t1 = _range(site, start, end)
    if site.store is None:
        return []
    loop = asyncio.get_running_loop()
    events = await loop.run_in_executor(
        None,
        functools.partial(
            site.store.events,
            start=t0,
            end=t1,
            kinds=kinds or None,
            device_id=device_id,
            limit=limit,
        ),
    )
    return [
        _event_out(e)
        for e in events
        if e.device_id is None or site.readable(user, e.device_id)
    ]


Limit = Annotated[int, Query(ge=1, le=5000, description="At most this many (oldest).")]


@router.get("/events", tags=["history"], summary="What happened, oldest first")
async def list_events(
    *,
    site: SiteDep,
    user: UserDep,
    start: Start = None,
    end: End = None,
    kind: Annotated[list[EventKind] | None, Query()] = None,
    device_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 500,
) -> list[EventOut]:
    """Return the site's events in ``[start, end)``: state changes, actions, alerts."""
    return await _events(
        site,
        user=user,
        start=start,
        end=end,
        kinds=kind,
        device_id=device_id,
        limit=limit,
    )


@router.get("/alerts", tags=["alerts"], summary="Alerts raised, oldest first")
async def list_alerts(
    *,
    site: SiteDep,
    user: UserDep,
    start: Start = None,
    end: End = None,
    device_id: Annotated[str | None, Query(max_length=200)] = None,
    limit: Limit = 500,
) -> list[EventOut]:
    """Return the alerts raised in ``[start, end)`` (by rules and detectors)."""
    return await _events(
        site,
        user=user,
        start=start,
        end=end,
        kinds=[EventKind.ALERT],
        device_id=device_id,
        limit=limit,
    )
