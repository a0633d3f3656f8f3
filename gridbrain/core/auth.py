"""Staff users, roles, passwords (argon2) and API tokens; the `Actor` every service receives."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridbrain.core import clock
from gridbrain.core.codes import CodeError, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound, Unauthenticated
from gridbrain.core.scoping import Scope
from gridbrain.core.tables import api_tokens, users


class Role(StrEnum):
    DISTRICT_OPERATOR = "district_operator"
    STREET_OPERATOR = "street_operator"
    COMMUNITY_STAFF = "community_staff"
    GRID_WORKER = "grid_worker"
    DEPARTMENT_HANDLER = "department_handler"
    DATA_STEWARD = "data_steward"
    ADMIN = "admin"
    # a client system submitting for residents (12345 platform, mini-program back end, Open311 client)
    OPEN311_CLIENT = "open311_client"


ROLE_LABELS = {
    Role.DISTRICT_OPERATOR: "区指挥中心",
    Role.STREET_OPERATOR: "街道指挥中心",
    Role.COMMUNITY_STAFF: "社区工作人员",
    Role.GRID_WORKER: "网格员",
    Role.DEPARTMENT_HANDLER: "职能部门处置人员",
    Role.DATA_STEWARD: "数据管理员",
    Role.ADMIN: "系统管理员",
    Role.OPEN311_CLIENT: "对接系统",
}

# Roles whose work needs full ID numbers and phone numbers (verification, data governance,
# calling a reporter back). Everyone else sees them masked.
SEES_PERSONAL_DATA = frozenset({Role.ADMIN, Role.DATA_STEWARD, Role.GRID_WORKER})

_hasher = PasswordHasher()


@dataclass(frozen=True)
class Actor:
    """Who is acting: a staff user, or a system/client account (Open311 key, sweeper)."""

    username: str
    role: str
    area_code: str | None = None
    user_id: int | None = None
    department_code: str | None = None
    display_name: str = ""

    @property
    def scope(self) -> Scope:
        return Scope.of_area(self.area_code)

    @property
    def sees_personal_data(self) -> bool:
        return self.role in SEES_PERSONAL_DATA

    @classmethod
    def system(cls, name: str = "system") -> Actor:
        return cls(username=name, role=Role.ADMIN, display_name=name)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _actor_of(row: Any) -> Actor:
    return Actor(
        username=row.username,
        role=row.role,
        area_code=row.area_code,
        user_id=row.id,
        department_code=row.department_code,
        display_name=row.display_name,
    )


def create_user(  # noqa: PLR0913 - the fields of a user, keyword-only; callers in every lane name them
    uow: UnitOfWork,
    username: str,
    *,
    role: str,
    password: str,
    area_code: str | None = None,
    display_name: str | None = None,
    department_code: str | None = None,
    phone: str | None = None,
) -> Actor:
    """Create a staff user. Every role but admin is bound to an area."""
    if role not in set(Role):
        raise Invalid("role", f"must be one of {', '.join(Role)}")
    if not username or len(username) > 64:
        raise Invalid("username", "1-64 characters")
    if len(password) < 8:
        raise Invalid("password", "at least 8 characters")
    if role != Role.ADMIN and not area_code:
        raise Invalid("area", f"role {role} needs an area code")
    if area_code:
        try:
            area_level(area_code)
        except CodeError as e:
            raise Invalid("area", str(e)) from e
    exists = uow.execute(sa.select(users.c.id).where(users.c.username == username)).first()
    if exists:
        raise Conflict(f"user {username} already exists", field="username", rule="unique")
    row = uow.execute(
        users.insert()
        .values(
            username=username,
            display_name=display_name or username,
            role=role,
            area_code=area_code,
            department_code=department_code,
            phone=phone,
            password_hash=hash_password(password),
            active=True,
            created_at=clock.now(),
        )
        .returning(*users.c)
    ).one()
    return _actor_of(row)


def find_user(uow: UnitOfWork, username: str) -> Actor:
    row = uow.execute(sa.select(users).where(users.c.username == username)).first()
    if row is None:
        raise NotFound(f"user {username} not found")
    return _actor_of(row)


def authenticate_password(uow: UnitOfWork, username: str, password: str) -> Actor:
    """The user, if the password is right; the same error for unknown users and wrong passwords."""
    row = uow.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    try:
        if row is None or not _hasher.verify(row.password_hash, password):
            raise Unauthenticated("用户名或密码错误")
    except (VerificationError, InvalidHashError) as e:
        raise Unauthenticated("用户名或密码错误") from e
    return _actor_of(row)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(uow: UnitOfWork, username: str, name: str = "cli") -> str:
    """A new bearer token for scripts; only its hash is stored."""
    actor = find_user(uow, username)
    token = "gb_" + secrets.token_urlsafe(32)
    uow.execute(
        api_tokens.insert().values(
            user_id=actor.user_id, token_hash=_token_hash(token), name=name, created_at=clock.now()
        )
    )
    return token


# token hash → (checked at, monotonic seconds; the actor). Only tokens that passed are kept, so a
# made-up token is looked up every time; a revoked token or a deactivated user stops working
# within GRIDBRAIN_TOKEN_CACHE_S in every process (at once in the process that revoked it).
_token_cache: dict[str, tuple[float, Actor]] = {}
_TOKEN_CACHE_MAX = 10_000


def cached_token(token: str) -> Actor | None:
    """The actor of a token checked within the last GRIDBRAIN_TOKEN_CACHE_S seconds, if any."""
    return _cached(_token_hash(token))


def _cached(token_hash: str) -> Actor | None:
    from gridbrain.config import get_settings

    hit = _token_cache.get(token_hash)
    if hit is None or time.monotonic() - hit[0] > get_settings().token_cache_s:
        return None
    return hit[1]


def forget_tokens() -> None:
    """Check every token against the database again (after a revocation or a role change)."""
    _token_cache.clear()


def authenticate_token(uow: UnitOfWork, token: str) -> Actor:
    """The user behind a bearer token (remembered for a few seconds); 401 if none."""
    token_hash = _token_hash(token)
    actor = _cached(token_hash)
    if actor is not None:
        return actor
    row = uow.execute(
        sa.select(users)
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == token_hash, api_tokens.c.revoked_at.is_(None), users.c.active)
    ).first()
    if row is None:
        raise Unauthenticated("invalid or revoked token")
    actor = _actor_of(row)
    if len(_token_cache) >= _TOKEN_CACHE_MAX:
        _token_cache.clear()
    _token_cache[token_hash] = (time.monotonic(), actor)
    return actor


def user_by_id(uow: UnitOfWork, user_id: int) -> Actor:
    row = uow.execute(sa.select(users).where(users.c.id == user_id, users.c.active)).first()
    if row is None:
        raise Unauthenticated("session expired")
    return _actor_of(row)
