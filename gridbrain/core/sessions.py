"""Server-side web sessions: logout, deactivation, idleness and age end them for good.

The browser's (signed) cookie carries only a random session id; its hash is kept here with the
user, so a cookie copied before logout, or forged with a leaked signing key, opens nothing.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.auth import Actor, _actor_of
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Unauthenticated
from gridbrain.core.tables import users, web_sessions

COOKIE_KEY = "sid"  # the key in the signed session cookie
_TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def start(uow: UnitOfWork, actor: Actor, *, address: str | None = None) -> str:
    """A new session for a logged-in user; answers the id to put in the cookie."""
    from gridbrain.config import get_settings

    session_id = secrets.token_urlsafe(32)
    now = clock.now()
    uow.execute(
        web_sessions.insert().values(
            id_hash=_hash(session_id),
            user_id=actor.user_id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(seconds=get_settings().session_max_age_s),
            address=(address or None) and address[:64],
        )
    )
    return session_id


def user_of(uow: UnitOfWork, session_id: str) -> Actor:
    """The user of a live session (not ended, not expired, not idle too long, user active); 401 otherwise."""
    from gridbrain.config import get_settings

    now = clock.now()
    row = uow.execute(
        sa.select(users, web_sessions.c.last_seen_at, web_sessions.c.id_hash)
        .join(web_sessions, web_sessions.c.user_id == users.c.id)
        .where(
            web_sessions.c.id_hash == _hash(session_id),
            web_sessions.c.ended_at.is_(None),
            web_sessions.c.expires_at > now,
            web_sessions.c.last_seen_at > now - timedelta(seconds=get_settings().session_idle_s),
            users.c.active,
        )
    ).first()
    if row is None:
        raise Unauthenticated("登录已失效，请重新登录")
    if now - row.last_seen_at > _TOUCH_EVERY:
        uow.execute(web_sessions.update().where(web_sessions.c.id_hash == row.id_hash).values(last_seen_at=now))
    return _actor_of(row)


def end(uow: UnitOfWork, session_id: str) -> None:
    """Log out: the session ends (the caller commits)."""
    uow.execute(
        web_sessions.update()
        .where(web_sessions.c.id_hash == _hash(session_id), web_sessions.c.ended_at.is_(None))
        .values(ended_at=clock.now())
    )


def end_all(uow: UnitOfWork, user_id: int) -> int:
    """End every session of a user (deactivation, password change); answers how many were live."""
    n = uow.execute(
        web_sessions.update()
        .where(web_sessions.c.user_id == user_id, web_sessions.c.ended_at.is_(None))
        .values(ended_at=clock.now())
    ).rowcount
    return int(n or 0)
