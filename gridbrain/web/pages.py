"""Login, logout and the home page (the district map)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from gridbrain.core import auth
from gridbrain.core.auth import ROLE_LABELS, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Unauthenticated
from gridbrain.web.templating import templates

router = APIRouter(include_in_schema=False)


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
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            user = auth.authenticate_password(uow, username, password)
    except Unauthenticated as e:
        return templates.TemplateResponse(
            request, "login.html", {"next": next, "error": e.message, "username": username}, status_code=401
        )
    request.session.clear()
    request.session["user_id"] = user.user_id
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    return RedirectResponse(target, status_code=303)


@router.post("/logout")
def logout(request: Request) -> Response:
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
