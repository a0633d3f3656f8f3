"""The composition root: builds the FastAPI app from the capabilities and wires them together.

Each capability may provide `api.py` (a `router`), `pages.py` (a `router` of web pages) and
`wiring.py` (a `wire(app)` that connects signal handlers and starts background workers).
Capabilities are listed in dependency order (ARCHITECTURE.md).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import anyio.to_thread
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware

from gridbrain.config import Settings, get_settings, use_settings
from gridbrain.core.db import make_engine
from gridbrain.core.middleware import GuardRequests, SecurityHeaders
from gridbrain.core.web import install_error_handlers
from gridbrain.migrate import schema_problem
from gridbrain.plugins import CAPABILITIES, optional

log = logging.getLogger(__name__)


class SchemaNotReady(RuntimeError):
    """The database has no schema, or one behind the code: `gridbrain db upgrade` first."""


class HealthPublic(BaseModel):
    status: str  # "ok" when the database answered
    database: str  # its dialect: sqlite or postgresql


def create_app(
    settings: Settings | None = None, engine: Engine | None = None, *, workers: bool | None = None
) -> FastAPI:
    settings = settings or get_settings()
    use_settings(settings)  # code that reads the global settings sees these, not the environment's
    engine = engine or make_engine(settings.database_url)
    run_workers = settings.run_workers if workers is None else workers
    stops: list[Callable[[], None]] = []

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        problem = schema_problem(engine)
        if problem is not None:  # refuse to serve, rather than fail at every request and worker tick
            log.error("gridbrain refuses to start: %s", problem)
            raise SchemaNotReady(problem)
        # route functions run in a thread pool; keep it within what the connection pool serves
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        sys.setswitchinterval(settings.thread_switch_interval_s)
        yield
        for stop in stops:
            stop()

    app = FastAPI(
        title="gridbrain 基层智治大脑",
        version="0.1.0",
        description="One door in, one door out: the API of a grassroots smart-governance brain.",
        lifespan=lifespan,
    )
    app.state.engine = engine
    app.state.settings = settings
    app.state.run_workers = run_workers
    app.state.stops = stops
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie=settings.session_cookie,
        max_age=settings.session_max_age_s,
        same_site="lax",
        https_only=settings.env != "development",
    )
    install_error_handlers(app)
    app.add_middleware(GuardRequests, max_bytes=settings.body_max_bytes, session_cookie=settings.session_cookie)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["health"], response_model=HealthPublic)
    def healthz() -> HealthPublic:
        """Liveness and database reachability (public)."""
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return HealthPublic(status="ok", database=engine.dialect.name)

    _include_routers(app)
    _wire(app)
    return app


def _include_routers(app: FastAPI) -> None:
    # a capability has an api.py and pages.py when it has routes: discovered, not listed
    for cap in (*CAPABILITIES, "web"):
        for part in ("api", "pages"):
            mod = optional(f"gridbrain.{cap}.{part}")
            if mod is not None and hasattr(mod, "router"):
                app.include_router(mod.router)
    static = Path(__file__).parent / "web" / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")


def _wire(app: FastAPI) -> None:
    from gridbrain.demo import wiring as demo_wiring  # always there: on top of every capability

    for cap in (*CAPABILITIES, "web"):
        mod = optional(f"gridbrain.{cap}.wiring")
        if mod is not None:
            mod.wire(app)
    demo_wiring.wire(app)
