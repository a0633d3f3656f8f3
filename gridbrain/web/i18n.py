"""Page text through gettext catalogs (Babel): English message ids, Chinese by default.

The catalogs are `.po` files under `web/locale/<locale>/LC_MESSAGES/messages.po`, read once with
Babel; a missing translation falls back to the English id. The locale of a request is the `lang`
cookie (set by `/lang/{code}`), else the configured default.
"""

from __future__ import annotations

from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from starlette.requests import Request

from gridbrain.web.settings import get_web_settings

LOCALES = {"zh": "zh_Hans", "en": "en"}
LOCALE_DIR = Path(__file__).parent / "locale"
_current: ContextVar[str] = ContextVar("gridbrain_locale", default="zh")


@lru_cache(maxsize=4)
def catalog(locale: str) -> dict[str, str]:
    """msgid → translation of one locale (empty for English: the ids are English)."""
    path = LOCALE_DIR / LOCALES.get(locale, locale) / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}
    with path.open("rb") as f:
        cat = read_po(f, locale=LOCALES.get(locale, locale))
    return {str(m.id): str(m.string) for m in cat if m.id and m.string and not m.fuzzy}


def locale_of(request: Request) -> str:
    """The locale a request is answered in."""
    chosen = request.cookies.get("lang")
    return chosen if chosen in LOCALES else get_web_settings().default_locale


def use(locale: str) -> None:
    """Translate the text rendered from now on in this context into `locale`."""
    _current.set(locale)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    """The message in the current locale (the English id when there is no translation)."""
    return catalog(_current.get()).get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext(singular if n == 1 else plural)
