"""What every request passes through before a route sees it: a body-size limit enforced before
the body is read, a refusal of bodies sent without any credentials, and security headers.

Pure ASGI (no per-request task or buffering): the hot intake path pays a few dictionary looks.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# routes that take a body from someone without a staff login (Open311 posts carry an api_key
# inside the form; the resident's page and the login form have their own throttles)
PUBLIC_BODY_PREFIXES = ("/open311/", "/login", "/report", "/api/v1/public/")
_WITH_BODY = frozenset({"POST", "PUT", "PATCH"})

CSP = (
    "default-src 'self'; img-src 'self' data: blob:{tiles}; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; connect-src 'self'; font-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)
_ALWAYS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(self), geolocation=(self), microphone=()"),
]


async def _answer(send: Send, status: int, code: str, message: str, field: str, rule: str) -> None:
    body = json.dumps(
        {"error": {"code": code, "message": message, "field": field, "rule": rule}}, ensure_ascii=False
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 401:
        headers.append((b"www-authenticate", b"Bearer"))
    await send({"type": "http.response.start", "status": status, "headers": [*headers, *_ALWAYS]})
    await send({"type": "http.response.body", "body": body})


class BodyTooLarge(Exception):
    pass


class GuardRequests:
    """413 for a body over `max_bytes` (by its Content-Length before reading, or as it streams);
    401 for a body sent to a staff route with no credentials at all, before reading it."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, session_cookie: str) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.cookie = session_cookie.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in _WITH_BODY:
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await _answer(send, 413, "too_large", f"body over {self.max_bytes} bytes", "body", "max_bytes")
            return
        path: str = scope["path"]
        if not path.startswith(PUBLIC_BODY_PREFIXES) and not self._has_credentials(headers):
            await _answer(
                send, 401, "unauthenticated", "login required: send 'Authorization: Bearer <token>' or log in",
                "authorization", "required",
            )  # fmt: skip
            return
        await self.app(scope, self._counting(receive), send)

    def _has_credentials(self, headers: dict[bytes, bytes]) -> bool:
        return b"authorization" in headers or self.cookie in headers.get(b"cookie", b"")

    def _counting(self, receive: Receive) -> Receive:
        seen = 0

        async def wrapped() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(f"body over {self.max_bytes} bytes")
            return message

        return wrapped


class SecurityHeaders:
    """nosniff, no framing, same-origin referrers on every answer; a content security policy on pages."""

    def __init__(self, app: ASGIApp, *, tile_origin: str = "") -> None:
        self.app = app
        self.csp = CSP.format(tiles=f" {tile_origin}" if tile_origin else "").encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        docs = scope["path"].startswith(("/docs", "/redoc"))

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _ALWAYS if k not in present]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and not docs:
                    extra.append((b"content-security-policy", self.csp))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)
