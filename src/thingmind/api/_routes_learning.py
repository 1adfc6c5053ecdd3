"""Routes for corrections, the audit trail and model versions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._errors import ERROR_RESPONSES, ErrorBody
from thingmind.api._models import (  # noqa: TC001
    AuditOut,
    CorrectionRequest,
    CorrectionResponse,
    ModelOut,
)

router = APIRouter(prefix="/api", responses=ERROR_RESPONSES)
"""Corrections, audit and models (token needed)."""


@router.post(
    "/conversation/correct",
    tags=["conversation"],
    summary="Mark your last turn wrong: undo it and do what you meant",
)
async def correct(
    request: CorrectionRequest, site: SiteDep, user: UserDep
) -> CorrectionResponse:
    """Undo what your last sentence did and carry out what you meant instead.

    The correction is kept (redacted) for the next retraining. An empty body only
    undoes; the next command you give says what you meant. What is carried out passes
    the same checks as any sentence.
    """
    return site.correct(request, user=user)


@router.get("/audit", tags=["security"], summary="The audit trail (owner only)")
async def list_audit(
    site: SiteDep,
    user: UserDep,
    of_user: Annotated[
        str | None,
        Query(alias="user", max_length=64, description="Only this user's records."),
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=1000, description="The latest this many records.")
    ] = 100,
) -> list[AuditOut]:
    """Return the latest records of the hash-chained audit trail, oldest first."""
    return site.audit_out(user=user, of_user=of_user, limit=limit)


@router.get("/models", tags=["models"], summary="Model versions (owner only)")
async def list_models(site: SiteDep, user: UserDep) -> list[ModelOut]:
    """List the site's model versions, marking the one in service."""
    return site.models_out(user=user)


@router.post(
    "/models/rollback",
    tags=["models"],
    summary="Go back to the model in service before (owner only)",
    responses={409: {"model": ErrorBody, "description": "No earlier version."}},
)
async def rollback(site: SiteDep, user: UserDep) -> list[ModelOut]:
    """Put the previous version back in service; the brain swaps within a poll."""
    return site.rollback(user=user)
