"""The frame's pages: login, logout, the language switch and each role's home; the cockpit, the
phone pages and the live stream are included from their own modules."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from gridbrain.core import auth, sessions
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import TooManyAttempts, Unauthenticated
from gridbrain.web import board, cockpit, desk, mobile, resident, steward
from gridbrain.web.access import PageUser, page_user
from gridbrain.web.i18n import LOCALES
from gridbrain.web.nav import home_of
from gridbrain.web.templating import render

router = APIRouter(include_in_schema=False)
router.include_router(cockpit.router)
router.include_router(mobile.router)
router.include_router(resident.router)
router.include_router(desk.router)
router.include_router(board.router)
router.include_router(steward.router)

__all__ = ["page_user", "router"]


def _local(target: str) -> str:
    """Only paths on this site are followed after a login or a language switch."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": next, "error": None})


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = request.client.host if request.client else None
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            try:
                user = auth.authenticate_password(uow, username, password, address=address)
            finally:
                uow.commit()  # the try is counted whether it succeeded or not
            session_id = sessions.start(uow, user, address=address)
            uow.commit()
    except (Unauthenticated, TooManyAttempts) as e:
        context = {"next": next, "error": e.message, "username": username}
        if isinstance(e, TooManyAttempts):
            response = render(request, "login.html", context, status=429)
            response.headers["Retry-After"] = str(e.retry_after_s)
            return response
        return render(request, "login.html", context, status=401)
    request.session.clear()
    request.session[sessions.COOKIE_KEY] = session_id
    return RedirectResponse(_local(next), status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    session_id = request.session.get(sessions.COOKIE_KEY)
    if isinstance(session_id, str):
        with UnitOfWork(request.app.state.engine) as uow:
            sessions.end(uow, session_id)
            uow.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/lang/{code}")
def switch_language(code: str, next: str = "/") -> Response:
    """Choose the pages' language (中文 by default, English); kept in a cookie for a year."""
    response = RedirectResponse(_local(next), status_code=303)
    if code in LOCALES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="lax")
    return response


@router.get("/")
def home(user: PageUser) -> Response:
    """Each role lands on the first page of its own work."""
    return RedirectResponse(home_of(user.role), status_code=303)
