"""Routes that change the model in service: deploy a version, adapt the model."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._errors import ERROR_RESPONSES, ErrorBody
from thingmind.api._models import ModelDeployed, TrainingOut  # noqa: TC001

router = APIRouter(prefix="/api", tags=["models"], responses=ERROR_RESPONSES)
"""Deploy and adaptation (owner only)."""

VersionId = Annotated[
    str, Path(max_length=100, description='A model version, e.g. "v3".')
]


@router.post(
    "/models/{version_id}/deploy",
    summary="Put a model version in service (owner only)",
)
async def deploy(version_id: VersionId, site: SiteDep, user: UserDep) -> ModelDeployed:
    """Put a kept version in service; the brain swaps it in within a poll, no restart."""
    return site.deploy(version_id, user=user)


@router.get(
    "/models/training",
    summary="The latest adaptation of the model and its progress (owner only)",
)
async def training(site: SiteDep, user: UserDep) -> TrainingOut:
    """Return where the latest adaptation is (also streamed as `training_progress`)."""
    return site.training_out(user=user)


@router.post(
    "/models/training",
    summary="Adapt the model to the site now (owner only)",
    status_code=202,
    responses={409: {"model": ErrorBody, "description": "One is already running."}},
)
async def start_training(site: SiteDep, user: UserDep) -> TrainingOut:
    """Start fine-tuning the model on the site's names and corrections, in the background.

    The candidate is compared with the model in service on held-out sentences and
    deployed only when it is not worse. Progress comes on the event stream
    (`training_progress`) and from `GET /api/models/training`.
    """
    return site.start_training(user=user)
