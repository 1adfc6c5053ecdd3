"""FastAPI dependencies: the site, and who the caller is."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from thingmind.api._site import Site

if TYPE_CHECKING:
    from thingmind.api._auth import Authenticator

_BEARER = HTTPBearer(
    auto_error=False,
    description="The service's token: `thingmind serve` prints it at start.",
)


async def get_site(request: Request) -> Site:
    """Return the site the app serves."""
    site: Site = request.app.state.site
    return site


def _auth(request: Request) -> Authenticator:
    """Return the app's authenticator."""
    auth: Authenticator = request.app.state.auth
    return auth


async def current_user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> str:
    """Authenticate the request's bearer token; return who it is.

    Raises:
        ApiError: 401 when the token is missing or wrong.
    """
    token = credentials.credentials if credentials is not None else None
    return _auth(request).authenticate(token)


SiteDep = Annotated[Site, Depends(get_site)]
"""The site, as a route parameter."""
UserDep = Annotated[str, Depends(current_user)]
"""The authenticated user, as a route parameter."""
