"""One Jinja2 environment for every capability's templates (web/templates + <cap>/templates)."""

from __future__ import annotations

from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader

_root = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=str(_root / "web" / "templates"))
templates.env.loader = ChoiceLoader(
    [FileSystemLoader(str(_root / "web" / "templates"))]
    + [FileSystemLoader(str(p)) for p in sorted(_root.glob("*/templates")) if p.parent.name != "web"]
)
