"""A live server on a demo district, and Debian chromium driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import uvicorn

from gridbrain.app import create_app
from gridbrain.config import Settings
from gridbrain.core import clock, signals
from gridbrain.core.db import make_engine
from gridbrain.demo.generator import DemoDistrict
from gridbrain.migrate import upgrade
from tests.conftest import need_service

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path("test-artifacts")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_LIVE_WIRING: list[signals.Wiring] = []


@pytest.fixture(autouse=True)
def _isolated_process_state() -> Iterator[None]:
    """Overrides the suite's per-test reset: the browser tests share one live server for the
    session, and its wiring (the live pages' and supervision's signal handlers) must outlive
    each test — also the tests of other files that ran in this process since (they disconnect
    every handler), so it is connected again before each browser test. The server's teardown
    disconnects them."""
    for wiring in _LIVE_WIRING:
        signals.restore(wiring)
    yield
    clock.set_now(None)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo district (small scale) served by uvicorn on a free local port."""
    db = tmp_path_factory.mktemp("live") / "demo.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    DemoDistrict(engine, scale=0.002, seed=5, until=date(2026, 11, 20)).build()
    app = create_app(Settings(database_url=f"sqlite:///{db}", var_dir=db.parent), engine=engine, workers=False)
    _LIVE_WIRING.append(signals.snapshot())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started and time.time() < deadline:
        time.sleep(0.05)
    assert server.started, "the live server did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    _LIVE_WIRING.clear()
    signals.disconnect_all()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        need_service("chromium", "Debian's chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[object]:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    p = context.new_page()
    yield p
    context.close()


def login(page, base: str, username: str, password: str = "demo12345") -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
