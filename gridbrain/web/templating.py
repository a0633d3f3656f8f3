"""One Jinja2 environment for every capability's templates (web/templates + <cap>/templates),
with gettext (`_`) and the navigation of the logged-in user; `render` is what pages call."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.requests import Request
from starlette.responses import Response

from gridbrain.core import clock
from gridbrain.core.auth import ROLE_LABELS, Actor, Role
from gridbrain.web import i18n, labels
from gridbrain.web.nav import nav_for
from gridbrain.web.settings import get_web_settings

_root = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(_root / "web" / "templates"))
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(str(_root / "web" / "templates"))]
    + [FileSystemLoader(str(p)) for p in sorted(_root.glob("*/templates")) if p.parent.name != "web"]
)
templates.env.add_extension("jinja2.ext.i18n")


def local_time(at: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time as China's wall clock (the pages' `local` filter)."""
    return clock.local(clock.aware(at)).strftime(fmt) if at is not None else ""


templates.env.filters["local"] = local_time
templates.env.globals["rule_text"] = labels.rule_text
templates.env.globals["kinds"] = labels.KIND
templates.env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]


def role_label(role: str) -> str:
    try:
        return ROLE_LABELS[Role(role)]
    except ValueError:
        return role


def render(
    request: Request, name: str, context: dict[str, Any] | None = None, *, user: Actor | None = None, status: int = 200
) -> Response:
    """A page in the request's locale, with the user's navigation and the map settings."""
    i18n.use(i18n.locale_of(request))
    web = get_web_settings()
    ctx: dict[str, Any] = {
        "user": user,
        "nav": nav_for(user.role) if user else [],
        "role_label": role_label(user.role) if user else "",
        "locale": i18n.current(),
        "here": request.url.path,
        "fields": labels.FIELD,
        "tiles": {"url": web.tile_url, "attribution": web.tile_attribution, "crs": web.tile_crs},
    }
    ctx.update(context or {})
    return templates.TemplateResponse(request, name, ctx, status_code=status)
