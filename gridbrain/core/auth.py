"""Staff users, roles, passwords (argon2) and API tokens; the `Actor` every service receives."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from gridbrain.core import clock
from gridbrain.core.codes import CodeError, area_level
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound, Unauthenticated
from gridbrain.core.passwords import check_password
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
    check_password(password, username=username)
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


def authenticate_password(uow: UnitOfWork, username: str, password: str, *, address: str | None = None) -> Actor:
    """The user, if the password is right; the same error and about the same time for unknown
    users and wrong passwords; 429 (TooManyAttempts) while the account or the address is locked
    by `core.throttle`. Every try is counted (the caller commits)."""
    from gridbrain.core import throttle

    throttle.check(uow, username, address)
    row = uow.execute(sa.select(users).where(users.c.username == username, users.c.active)).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    ok: bool
    try:
        ok = bool(_hasher.verify(stored, password))
    except (VerificationError, InvalidHashError):
        ok = False
    throttle.note(uow, username, address, succeeded=ok and row is not None)
    if not ok or row is None:
        raise Unauthenticated("用户名或密码错误")
    return _actor_of(row)


_DUMMY: list[str] = []


def _dummy_hash() -> str:
    """A hash to verify against when the user does not exist, so the answer takes as long."""
    if not _DUMMY:
        _DUMMY.append(_hasher.hash(secrets.token_urlsafe(16)))
    return _DUMMY[0]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(uow: UnitOfWork, username: str, name: str = "cli", *, days: int | None = None) -> str:
    """A new bearer token for scripts, valid `days` (default GRIDBRAIN_TOKEN_TTL_DAYS); only its
    hash is stored."""
    from gridbrain.config import get_settings

    actor = find_user(uow, username)
    ttl = get_settings().token_ttl_days if days is None else days
    if not 1 <= ttl <= 3650:
        raise Invalid("days", "from 1 to 3650")
    token = "gb_" + secrets.token_urlsafe(32)
    now = clock.now()
    uow.execute(
        api_tokens.insert().values(
            user_id=actor.user_id,
            token_hash=_token_hash(token),
            name=name,
            created_at=now,
            expires_at=now + timedelta(days=ttl),
        )
    )
    return token


@dataclass(frozen=True)
class TokenView:
    """A bearer token as its owner and the admin see it (never the token itself)."""

    id: int
    username: str
    name: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    @property
    def live(self) -> bool:
        now = clock.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


def list_tokens(uow: UnitOfWork, username: str) -> list[TokenView]:
    """The user's tokens, newest first."""
    actor = find_user(uow, username)
    rows = uow.execute(
        sa.select(api_tokens).where(api_tokens.c.user_id == actor.user_id).order_by(api_tokens.c.id.desc())
    )
    return [TokenView(r.id, username, r.name, r.created_at, r.expires_at, r.revoked_at) for r in rows]


def revoke_tokens(uow: UnitOfWork, username: str, *, token_id: int | None = None) -> int:
    """Revoke one of the user's tokens (or all of them); answers how many were live."""
    actor = find_user(uow, username)
    q = api_tokens.update().where(api_tokens.c.user_id == actor.user_id, api_tokens.c.revoked_at.is_(None))
    if token_id is not None:
        if not uow.execute(
            sa.select(api_tokens.c.id).where(api_tokens.c.id == token_id, api_tokens.c.user_id == actor.user_id)
        ).first():
            raise NotFound(f"user {username} has no token {token_id}")
        q = q.where(api_tokens.c.id == token_id)
    n = uow.execute(q.values(revoked_at=clock.now())).rowcount
    forget_tokens()
    return int(n or 0)


def set_active(uow: UnitOfWork, username: str, active: bool) -> Actor:
    """Activate or deactivate a user; deactivating ends every session and revokes every token."""
    from gridbrain.core import sessions

    actor = find_user(uow, username)
    uow.execute(users.update().where(users.c.id == actor.user_id).values(active=active))
    if not active:
        revoke_tokens(uow, username)
        sessions.end_all(uow, actor.user_id or 0)
    return actor


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
        .where(sa.or_(api_tokens.c.expires_at.is_(None), api_tokens.c.expires_at > clock.now()))
    ).first()
    if row is None:
        raise Unauthenticated("invalid, expired or revoked token")
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
