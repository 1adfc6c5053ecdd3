"""Routes for users and their tokens: list, export and delete data (owner only).

The data is the store's (:class:`thingmind.store.UserData`: tokens, PINs, the audit
trail's personal parts, the user's own events) plus the corrections log; the app gets
it as a :class:`UserAdmin` (``create_app(users=...)``).
"""

from __future__ import annotations

import asyncio
import functools
from typing import TYPE_CHECKING, Annotated, Protocol, TypeVar

from fastapi import APIRouter, Depends, Path, Query, Request

from thingmind.api._auth import CredentialsAuth

# FastAPI reads the annotations at run time: these imports stay out of TYPE_CHECKING.
from thingmind.api._deps import SiteDep, UserDep  # noqa: TC001
from thingmind.api._errors import ERROR_RESPONSES, ApiError, ErrorBody, ErrorCode
from thingmind.api._models import (
    USER_ID_PATTERN,
    ErasureOut,
    TokenCreated,
    TokenOut,
    TokenRequest,
    UserExport,
    UserOut,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from thingmind.api._site import Site
    from thingmind.store import Erasure, JsonValue, TokenInfo

_T = TypeVar("_T")

SOURCE = "api"
"""The source of the audit records these routes write."""


class UserAdmin(Protocol):
    """What the API needs of the users' data (``thingmind.store.UserData``)."""

    def users(self) -> list[str]:
        """Return every user the site keeps data about."""
        ...

    def export(self, user: str) -> dict[str, JsonValue]:
        """Return everything kept about a user, as one JSON document."""
        ...

    def erase(self, user: str, *, by: str, source: str) -> Erasure:
        """Delete everything kept about a user."""
        ...

    def tokens(self) -> list[TokenInfo]:
        """List every token (revoked ones too)."""
        ...

    def add_token(self, user: str, *, label: str = "") -> tuple[str, TokenInfo]:
        """Make a token; return it (shown once) and its metadata."""
        ...

    def revoke(self, token_id: str) -> TokenInfo | None:
        """Revoke a live token; None when there is none."""
        ...


def get_admin(request: Request) -> UserAdmin:
    """Return the users' data the app was given.

    Raises:
        ApiError: 404 when the service keeps none (no database).
    """
    admin: UserAdmin | None = request.app.state.users
    if admin is None:
        msg = "this service keeps no users' data (serve it with a database)"
        raise ApiError(404, ErrorCode.NOT_FOUND, msg)
    return admin


AdminDep = Annotated[UserAdmin, Depends(get_admin)]
"""The users' data, as a route parameter."""
UserId = Annotated[
    str, Path(pattern=USER_ID_PATTERN, description='A user id, e.g. "anna".')
]

router = APIRouter(prefix="/api", tags=["users"], responses=ERROR_RESPONSES)
"""Users and tokens (owner only)."""


async def _run(func: Callable[[], _T]) -> _T:
    """Run blocking database work (argon2, SQL) off the event loop."""
    return await asyncio.get_running_loop().run_in_executor(None, func)


def _policy_users(site: Site) -> list[str]:
    security = site.brain.security
    if security is None:  # no policy: the one token is the owner's
        return ["owner"]
    return list(security.gate.policy.users)


async def _known(site: Site, admin: UserAdmin, user: str) -> None:
    """Refuse (404) a user neither in the policy nor with data kept."""
    if site.role_of(user) is None and user not in await _run(admin.users):
        msg = f"no user {user!r}"
        raise ApiError(404, ErrorCode.NOT_FOUND, msg, field="path.user_id")


def _audit(site: Site, record: dict[str, object]) -> None:
    if site.brain.security is not None:
        site.brain.security.record({"source": SOURCE, **record})


def _forget_tokens(request: Request) -> None:
    """Drop verified tokens the authenticator remembers, so a revocation holds now."""
    auth = request.app.state.auth
    if isinstance(auth, CredentialsAuth):
        auth.forget()


def _token_out(info: TokenInfo) -> TokenOut:
    return TokenOut(
        id=info.id,
        user=info.user,
        label=info.label,
        created=info.created,
        revoked=info.revoked,
    )


@router.get("/users", summary="The site's users and who has data kept (owner only)")
async def list_users(site: SiteDep, user: UserDep, request: Request) -> list[UserOut]:
    """List the users of the site's policy and everyone it keeps data about."""
    site.require_role(user)
    admin: UserAdmin | None = request.app.state.users
    ids = set(_policy_users(site))
    live: dict[str, int] = {}
    if admin is not None:
        ids.update(await _run(admin.users))
        for info in await _run(admin.tokens):
            if info.revoked is None:
                live[info.user] = live.get(info.user, 0) + 1
    return [
        UserOut(id=uid, role=_role(site, uid), tokens=live.get(uid, 0))
        for uid in sorted(ids)
    ]


def _role(site: Site, uid: str) -> str | None:
    role = site.role_of(uid)
    return role.value if role is not None else None


@router.get(
    "/users/{user_id}/export",
    summary="Everything kept about a user, as one JSON document (owner only)",
)
async def export_user(
    user_id: UserId, site: SiteDep, user: UserDep, admin: AdminDep
) -> UserExport:
    """Return everything kept about a user.

    Their tokens (metadata), PIN (when set), audit records, own events and
    corrections. No secret or hash of a credential is in it.
    """
    site.require_role(user)
    await _known(site, admin, user_id)
    document = await _run(functools.partial(admin.export, user_id))
    _audit(site, {"user": user, "subject": user_id, "text": "exported a user's data"})
    return UserExport.model_validate(document)


@router.delete(
    "/users/{user_id}/data",
    summary="Delete everything kept about a user (owner only)",
    responses={409: {"model": ErrorBody, "description": "Your own data."}},
)
async def delete_user_data(
    user_id: UserId,
    site: SiteDep,
    user: UserDep,
    admin: AdminDep,
    request: Request,
) -> ErasureOut:
    """Delete everything kept about a user.

    Their tokens, PIN, own events and corrections go, and the personal part of their
    audit records is erased: the records stay in the chain, marked
    "erased on request", and the trail still verifies. The user stays in the policy
    (edit the configuration to remove them). Your own data is deleted from the
    command line (`thingmind user delete`), not through your own token.
    """
    site.require_role(user)
    if user_id == user:
        msg = "delete your own data from the command line: thingmind user delete"
        raise ApiError(409, ErrorCode.CONFLICT, msg, field="path.user_id")
    await _known(site, admin, user_id)
    erasure = await _run(
        functools.partial(admin.erase, user_id, by=user, source=SOURCE)
    )
    _forget_tokens(request)
    return ErasureOut.model_validate(erasure.as_dict())


@router.get("/tokens", summary="API tokens, without their secrets (owner only)")
async def list_tokens(
    site: SiteDep,
    user: UserDep,
    admin: AdminDep,
    of_user: Annotated[
        str | None,
        Query(alias="user", max_length=64, description="Only this user's tokens."),
    ] = None,
) -> list[TokenOut]:
    """List every token, revoked ones too, oldest first."""
    site.require_role(user)
    return [
        _token_out(info)
        for info in await _run(admin.tokens)
        if of_user is None or info.user == of_user
    ]


@router.post(
    "/tokens",
    status_code=201,
    summary="Make an API token for a user (owner only)",
)
async def create_token(
    body: TokenRequest, site: SiteDep, user: UserDep, admin: AdminDep
) -> TokenCreated:
    """Make a token for a user of the site's policy; its secret is shown only now."""
    site.require_role(user)
    if site.role_of(body.user) is None:
        msg = f"no user {body.user!r} in the site's policy"
        raise ApiError(422, ErrorCode.VALIDATION_ERROR, msg, field="body.user")
    try:
        token, info = await _run(
            functools.partial(admin.add_token, body.user, label=body.label)
        )
    except ValueError as err:
        raise ApiError(
            422, ErrorCode.VALIDATION_ERROR, str(err), field="body.label"
        ) from err
    _audit(
        site,
        {"user": user, "subject": body.user, "text": f"made token {info.id}"},
    )
    return TokenCreated(**_token_out(info).model_dump(), token=token)


@router.delete("/tokens/{token_id}", summary="Revoke an API token (owner only)")
async def revoke_token(
    token_id: Annotated[str, Path(max_length=64, description="The token's id.")],
    site: SiteDep,
    user: UserDep,
    admin: AdminDep,
    request: Request,
) -> TokenOut:
    """Revoke a live token: it stops working at once."""
    site.require_role(user)
    info = await _run(functools.partial(admin.revoke, token_id))
    if info is None:
        msg = f"no live token {token_id!r}"
        raise ApiError(404, ErrorCode.NOT_FOUND, msg, field="path.token_id")
    _forget_tokens(request)
    _audit(
        site,
        {"user": user, "subject": info.user, "text": f"revoked token {info.id}"},
    )
    return _token_out(info)
