"""Who may open a page: the logged-in user (or a redirect to the login), and the roles of a page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request

from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Unauthenticated


def page_user(request: Request) -> auth.Actor | None:
    """The logged-in user of a page, or None."""
    user_id = request.session.get("user_id")
    if user_id is None:
        return None
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            return auth.user_by_id(uow, int(user_id))
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
