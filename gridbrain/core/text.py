"""Checks on text and links that come from outside, shared by every capability. Pure."""

from __future__ import annotations

from urllib.parse import urlsplit

from gridbrain.core.errors import Invalid

_WEB = frozenset({"http", "https"})


def check_web_url(value: str | None, field: str) -> str | None:
    """An http(s) URL with a host, stripped; Invalid naming `field` otherwise (javascript:, file:,
    data: and the like are never stored, so they are never echoed back to anyone)."""
    if value is None:
        return None
    url = value.strip()
    if not url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        raise Invalid(field, "an http(s) URL") from None
    if parts.scheme.lower() not in _WEB or not parts.netloc or any(c in url for c in "\x00\r\n\t "):
        raise Invalid(field, "an http(s) URL")
    return url


def check_plain_text(value: str | None, field: str) -> None:
    """Refuse control characters that no person types (NUL and the like; newlines and tabs pass)
    and lone surrogates, which no database stores."""
    if not value:
        return
    for ch in value:
        if (ord(ch) < 32 and ch not in "\n\r\t") or 0xD800 <= ord(ch) <= 0xDFFF:
            raise Invalid(field, "no control characters")
