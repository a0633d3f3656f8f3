"""Kernel routes: a user's own bearer tokens (list, revoke); the admin's for any user."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query
from pydantic import BaseModel

from gridbrain.core import auth
from gridbrain.core.errors import Forbidden
from gridbrain.core.web import CurrentUser, UowDep, for_clients

router = APIRouter(prefix="/api/v1", tags=["access"])


class TokenPublic(BaseModel):
    """A bearer token as listed: never the token itself."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    live: bool

    @classmethod
    def of(cls, v: auth.TokenView) -> TokenPublic:
        return cls(
            id=v.id,
            username=v.username,
            name=v.name,
            created_at=v.created_at,
            expires_at=v.expires_at,
            revoked_at=v.revoked_at,
            live=v.live,
        )


class RevokedPublic(BaseModel):
    revoked: int


def _whose(user: auth.Actor, username: str | None) -> str:
    if username is None or username == user.username:
        return user.username
    if user.role != auth.Role.ADMIN:
        raise Forbidden("only an admin may see or revoke another user's tokens", field="user", rule="admin_only")
    return username


@router.get("/tokens", response_model=list[TokenPublic])
@for_clients
def list_tokens(
    user: CurrentUser, uow: UowDep, username: str | None = Query(None, alias="user", max_length=64)
) -> list[TokenPublic]:
    """Bearer tokens of the caller (an admin may name another user), newest first."""
    return [TokenPublic.of(v) for v in auth.list_tokens(uow, _whose(user, username))]


@router.delete("/tokens/{token_id}", response_model=RevokedPublic)
@for_clients
def revoke_token(
    token_id: int, user: CurrentUser, uow: UowDep, username: str | None = Query(None, alias="user", max_length=64)
) -> RevokedPublic:
    """Revoke one bearer token of the caller (an admin may name another user); audited."""
    from gridbrain.core import audit

    whose = _whose(user, username)
    n = auth.revoke_tokens(uow, whose, token_id=token_id)
    audit.record(uow, "core:token:revoked", actor=user, subject_id=str(token_id), detail={"user": whose})
    uow.commit()
    return RevokedPublic(revoked=n)
