"""`gridbrain bench pages`: the pages in Debian's chromium against a live server on a demo
district — cockpit first paint, live update from a report's acknowledgement to its marker on an
open cockpit, and the weight of the phone pages."""

from __future__ import annotations

import shutil
import socket
import tempfile
import threading
import time
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from gridbrain.bench.measure import percentile

console = Console()
PASSWORD = "demo12345"  # noqa: S105 - the demo accounts' published password


def _serve(db_url: str, var_dir: Path) -> tuple[str, Any]:
    import uvicorn

    from gridbrain.app import create_app
    from gridbrain.config import Settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    app = create_app(Settings(database_url=db_url, var_dir=var_dir), workers=False)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def _login(context: Any, base: str, username: str) -> None:
    form = {"username": username, "password": PASSWORD, "next": "/healthz"}
    assert context.request.post(f"{base}/login", form=form).ok, f"cannot log in as {username}"


def _first_paint(browser: Any, base: str, username: str, area: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        _login(context, base, username)
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(f"{base}/cockpit?area={area}" if area else f"{base}/cockpit")
        page.wait_for_selector("#map[data-ready='1']", timeout=120_000)
        out.append(time.perf_counter() - t0)
        context.close()
    return out


def _live(browser: Any, base: str, runs: int) -> list[float]:
    from shapely.geometry import shape

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    _login(context, base, "street")
    page = context.new_page()
    page.goto(f"{base}/cockpit")
    page.wait_for_selector("#live-state[data-state='on']", timeout=120_000)
    street = context.request.get(f"{base}/api/v1/areas").json()[0]["code"]
    grids = context.request.get(f"{base}/api/v1/grids.geojson?area={street}").json()["features"]
    out = []
    for i in range(runs):
        p = shape(grids[i % len(grids)]["geometry"]).representative_point()
        body = {"channel": "patrol", "text": f"测速：井盖缺失第{i}处，请尽快处理", "lat": p.y, "lng": p.x}
        r = context.request.post(f"{base}/api/v1/events", data=body)
        acked = time.perf_counter()
        event_id = r.json()["id"]
        page.wait_for_function("t => window.gridbrainMap.state.ids.includes(t)", arg=event_id, timeout=30_000)
        out.append(time.perf_counter() - acked)
    context.close()
    return out


def _weights(browser: Any, base: str, grid_worker: str) -> dict[str, int]:
    out = {}
    for path in ("/m/", "/m/report", "/m/verify"):
        context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True)
        _login(context, base, grid_worker)
        page = context.new_page()
        sizes: list[int] = []
        page.on("requestfinished", lambda r, sizes=sizes: sizes.append(r.sizes()["responseBodySize"]))
        page.goto(f"{base}{path}", wait_until="networkidle")
        out[path] = sum(sizes)
        context.close()
    return out


def register(bench: typer.Typer) -> None:
    @bench.command("pages")
    def bench_pages(
        database_url: Annotated[str | None, typer.Option(help="an existing demo database; else one is built")] = None,
        scale: Annotated[float, typer.Option(help="scale of the demo district built when no database is given")] = 0.01,
        runs: Annotated[int, typer.Option(help="repetitions of each measurement")] = 5,
        area: Annotated[str, typer.Option(help="area of the cockpit measured (default: the district)")] = "",
    ) -> None:
        """Cockpit first paint, live update to the marker, phone page weight (Debian chromium)."""
        from playwright.sync_api import sync_playwright

        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            raise typer.BadParameter("Debian's chromium is not installed (make test installs it)")
        tmp = Path(tempfile.mkdtemp(prefix="gridbrain-bench-pages-"))
        if database_url is None:
            from gridbrain.core.db import make_engine
            from gridbrain.demo.generator import DemoDistrict
            from gridbrain.migrate import upgrade

            database_url = f"sqlite:///{tmp / 'demo.db'}"
            engine = make_engine(database_url)
            upgrade(engine)
            console.print(f"building the demo district at scale {scale} …")
            DemoDistrict(engine, scale=scale, seed=42, until=date(2026, 11, 20)).build()
            engine.dispose()
        base, server = _serve(database_url, tmp)
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                paint = _first_paint(browser, base, "district", area, runs)
                live = _live(browser, base, runs)
                ctx = browser.new_context()
                _login(ctx, base, "district")
                grid = ctx.request.get(f"{base}/api/v1/people?limit=1").json()[0]["grid_code"]
                ctx.close()
                weights = _weights(browser, base, f"gw{grid}")
                browser.close()
        finally:
            server.should_exit = True
        console.print(f"database: {database_url.split('://')[0]}, runs: {runs}")
        console.print(
            f"cockpit first paint (goto → map, grids, markers, charts drawn): median {percentile(paint, 50):.2f} s,"
            f" max {max(paint):.2f} s (goal < 1 s)"
        )
        console.print(
            f"live update (report acknowledged → marker on the open cockpit): median {percentile(live, 50):.2f} s,"
            f" max {max(live):.2f} s (goal < 2 s)"
        )
        for path, size in weights.items():
            console.print(f"page weight {path}: {size / 1024:.1f} KB (goal < 300 KB before map tiles)")
