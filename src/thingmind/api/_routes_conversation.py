"""The conversation endpoint, in the shape of Home Assistant's conversation API."""

from __future__ import annotations

from fastapi import APIRouter

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._errors import ERROR_RESPONSES
from thingmind.api._models import (  # noqa: TC001
    ConversationRequest,
    ConversationResponse,
)

router = APIRouter(prefix="/api", tags=["conversation"], responses=ERROR_RESPONSES)


@router.post(
    "/conversation/process",
    summary="Understand a sentence and carry it out",
)
async def process(
    request: ConversationRequest, site: SiteDep, user: UserDep
) -> ConversationResponse:
    """Understand, resolve and carry out a sentence; answer it.

    The body and the ``response`` follow Home Assistant's ``/api/conversation/process``;
    thingmind adds the speaker's ``area_id``, and in the answer ``actions`` (exactly
    what was done, with the state each action changed), ``refused``, ``understood`` and
    ``latency_ms``.

    It runs on the event loop's thread, as everything touching the brain does.
    """
    return site.converse(request, user=user)
