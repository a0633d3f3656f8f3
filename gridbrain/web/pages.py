"""Login, logout and the home page (the district map)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridbrain.core import auth, sessions
from gridbrain.core.auth import ROLE_LABELS, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import TooManyAttempts, Unauthenticated
from gridbrain.web.templating import templates

router = APIRouter(include_in_schema=False)


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


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return templates.TemplateResponse(request, "login.html", {"next": next, "error": None})


@router.post("/login", response_class=HTMLResponse)
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
        status = 429 if isinstance(e, TooManyAttempts) else 401
        headers = {"Retry-After": str(e.retry_after_s)} if isinstance(e, TooManyAttempts) else None
        return templates.TemplateResponse(
            request,
            "login.html",
            {"next": next, "error": e.message, "username": username},
            status_code=status,
            headers=headers,
        )
    request.session.clear()
    request.session[sessions.COOKIE_KEY] = session_id
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
    session_id = request.session.get(sessions.COOKIE_KEY)
    if isinstance(session_id, str):
        with UnitOfWork(request.app.state.engine) as uow:
            sessions.end(uow, session_id)
            uow.commit()
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    user = page_user(request)
    if user is None:
        return RedirectResponse("/login?next=/", status_code=303)
    return templates.TemplateResponse(
        request,
        "map.html",
        {"user": user, "role_label": ROLE_LABELS.get(Role(user.role), user.role), "area_code": user.area_code or ""},
    )
