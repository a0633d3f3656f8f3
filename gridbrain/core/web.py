"""FastAPI glue shared by every capability: the engine, the unit of work, the current user,
and the mapping of domain errors to clear 4xx answers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

import anyio.to_thread
import sqlalchemy as sa
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.engine import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from gridbrain.core import auth, sessions
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError, Forbidden, TooManyAttempts, Unauthenticated
from gridbrain.core.middleware import BodyTooLarge

log = logging.getLogger(__name__)


async def get_engine(request: Request) -> Engine:
    # async: it only reads app state, so it runs on the event loop (no thread-pool hop per request)
    engine: Engine = request.app.state.engine
    return engine


def get_uow(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[UnitOfWork]:
    with UnitOfWork(engine) as uow:
        yield uow


UowDep = Annotated[UnitOfWork, Depends(get_uow)]


def _bearer(request: Request) -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if the request has one."""
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else None


F = TypeVar("F", bound=Callable[..., Any])


def for_clients(endpoint: F) -> F:
    """Marks a route that client systems (role open311_client: a 12345 platform, a mini-program's
    back end) may call; every other route refuses them, whatever its own rule says."""
    endpoint.clients_allowed = True  # type: ignore[attr-defined]
    return endpoint


def _held_to_client_routes(request: Request, actor: Actor) -> Actor:
    if actor.role == auth.Role.OPEN311_CLIENT and not getattr(request.scope.get("endpoint"), "clients_allowed", False):
        raise Forbidden("a client system may only submit and follow reports", field="role", rule="client_routes")
    return actor


def current_user(request: Request, uow: UowDep) -> Actor:
    """The user behind a bearer token or a web session; 401 if there is none.

    Uses the request's own unit of work: on SQLite a second connection would wait for the
    first one's write lock."""
    token = _bearer(request)
    if token is not None:
        return _held_to_client_routes(request, auth.authenticate_token(uow, token))
    session_id = request.session.get(sessions.COOKIE_KEY) if "session" in request.scope else None
    if isinstance(session_id, str):
        return _held_to_client_routes(request, sessions.user_of(uow, session_id))
    raise Unauthenticated("login required: send 'Authorization: Bearer <token>' or log in")


CurrentUser = Annotated[Actor, Depends(current_user)]


async def current_user_async(request: Request) -> Actor:
    """`current_user` for routes that run on the event loop: a token checked in the last few
    seconds costs neither a thread nor a database round trip; anything else is checked in a
    worker thread with its own unit of work."""
    token = _bearer(request)
    if token is not None:
        actor = auth.cached_token(token)
        if actor is not None:
            return _held_to_client_routes(request, actor)
    engine: Engine = request.app.state.engine

    def check() -> Actor:
        with UnitOfWork(engine) as uow:
            return current_user(request, uow)

    return await anyio.to_thread.run_sync(check)


AsyncUser = Annotated[Actor, Depends(current_user_async)]


def require_role(*roles: str) -> Any:
    """A dependency that lets only the given roles through (admin always passes)."""

    needed = ", ".join(roles) if roles else auth.Role.ADMIN

    def check(user: CurrentUser) -> Actor:
        if user.role != auth.Role.ADMIN and user.role not in roles:
            raise Forbidden(f"role {user.role} may not do this; needs one of: {needed}")
        return user

    check.roles = frozenset({*roles, auth.Role.ADMIN})  # type: ignore[attr-defined]  # read by the route-table test
    return Depends(check)


def error_body(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, **extra}}


def _describe(err: dict[str, Any]) -> dict[str, Any]:
    loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "header", "form")]
    field = ".".join(loc) or str(err.get("loc", ["body"])[0])
    rule = err.get("type", "invalid")
    if rule == "json_invalid":
        field, rule = "body", "malformed JSON"
    return {"field": field, "rule": rule, "message": f"{field}: {err.get('msg', rule)}"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthenticated) else None
        if isinstance(exc, TooManyAttempts):
            headers = {"Retry-After": str(exc.retry_after_s)}
        return JSONResponse({"error": exc.as_dict()}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [_describe(e) for e in exc.errors()]
        first = problems[0] if problems else {"field": "body", "rule": "invalid", "message": "invalid request"}
        return JSONResponse(
            error_body("invalid", first["message"], field=first["field"], rule=first["rule"], problems=problems),
            status_code=422,
        )

    @app.exception_handler(BodyTooLarge)
    async def _too_large(request: Request, exc: BodyTooLarge) -> JSONResponse:
        return JSONResponse(error_body("too_large", str(exc), field="body", rule="max_bytes"), status_code=413)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # the server's own 404 / 405 / ... in the same JSON shape as every other error
        if isinstance(exc.__cause__, BodyTooLarge):  # FastAPI wraps a failed body read in a 400
            return await _too_large(request, exc.__cause__)
        code = {404: "not_found", 405: "method_not_allowed", 401: "unauthenticated"}.get(exc.status_code, "http_error")
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(sa.exc.OperationalError)
    @app.exception_handler(sa.exc.InterfaceError)
    async def _database_down(request: Request, exc: Exception) -> JSONResponse:
        # nothing was committed: the unit of work rolls back; the client may retry the same report
        log.error("database unavailable: %s", exc)
        return JSONResponse(
            error_body("database_unavailable", "数据库暂时不可用，请稍后重试；本次提交未保存"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body("internal", "服务器内部错误，已记录"), status_code=500)
