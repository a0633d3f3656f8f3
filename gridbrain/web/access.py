"""Who may open a page: the logged-in user (or a redirect to the login), and the roles of a page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from gridbrain.core import auth, sessions
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Unauthenticated


def page_user(request: Request) -> auth.Actor | None:
    """The logged-in user of a page (a live server-side session), or None."""
    session_id = request.session.get(sessions.COOKIE_KEY)
    if not isinstance(session_id, str):
        return None
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            user = sessions.user_of(uow, session_id)
            uow.commit()
            return user
    except Unauthenticated:
        request.session.clear()
        return None


def _required(request: Request) -> auth.Actor:
    user = page_user(request)
    if user is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(303, headers={"Location": f"/login?next={quote(target)}"})
    return user


PageUser = Annotated[auth.Actor, Depends(_required)]


def require_roles(user: auth.Actor, roles: frozenset[str]) -> None:
    """A page outside the user's work answers 404, as anything outside their scope does."""
    if user.role not in roles:
        raise HTTPException(404, detail="page not found")
