"""`gridbrain bench intake`: events/s through the whole intake (classify + locate + dispatch +
audit + outbox, committed) on SQLite and PostgreSQL, in-process and over HTTP, and the latency
at a fixed request rate.

Each run builds a fresh database (a temporary SQLite file, or a new schema on the PostgreSQL
server given by --postgres) holding a small district of 4 streets × 4 communities × 4 grids.
Half the reports name their matter and parameters; the other half are free text the classifier
has to place. Over HTTP, the server runs as `uvicorn gridbrain.app:create_app --factory
--workers W` in a subprocess, with the classifier trained beforehand as a deployment would have
it, and the load comes from this process (same machine): `bench.load`, one asyncio thread with
`--concurrency` keep-alive connections. Each HTTP measurement starts after 200 warm-up reports
sent over all connections.
"""

from __future__ import annotations

import functools
import http.client
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from shapely.geometry import box

from gridbrain.bench.load import encode_posts, run_load
from gridbrain.bench.measure import percentile

WEST, EAST, SOUTH, NORTH = 120.00, 120.16, 30.36, 30.44
BENCH_PASSWORD = secrets.token_urlsafe(16)  # throwaway users of a throwaway database
DISTRICT = "330110000000"
WARM = 200  # reports sent over HTTP before each measurement
_TEXTS = [
    ("E010101", {"area_m2": 3}, "小区门口垃圾堆了三天没人清"),
    ("C010301", {}, "路灯坏了晚上很黑"),
    ("E040102", {"depth_cm": 20}, "下大雨路口积水"),
    ("E050101", {}, "有人在路边摆摊卖水果占道"),
    ("E030103", {}, "楼上装修噪音很大"),
    ("E010103", {"area_m2": 20}, "这条路好几天没人扫了"),
]


def _build_district(engine: sa.engine.Engine, n: int = 4) -> list[tuple[str, tuple[float, float, float, float]]]:
    from gridbrain.areas import service as areas
    from gridbrain.core import auth
    from gridbrain.core.codes import child_code
    from gridbrain.core.db import UnitOfWork

    rows: list[dict[str, Any]] = [
        {"code": "330000000000", "name": "浙江省"},
        {"code": "330100000000", "name": "杭州市"},
        {"code": DISTRICT, "name": "余杭区", "geometry": box(WEST, SOUTH, EAST, NORTH)},
    ]
    grids = []
    dx, dy = (EAST - WEST) / n, (NORTH - SOUTH) / n
    for si in range(n):
        street = child_code(DISTRICT, si + 1)
        sw = WEST + si * dx
        rows.append({"code": street, "name": f"街道{si + 1}", "geometry": box(sw, SOUTH, sw + dx, NORTH)})
        for ci in range(n):
            community = child_code(street, ci + 1)
            cs = SOUTH + ci * dy
            rows.append({"code": community, "name": f"社区{ci + 1}", "geometry": box(sw, cs, sw + dx, cs + dy)})
            gx = dx / n
            for gi in range(n):
                grid = child_code(community, gi + 1)
                b = (sw + gi * gx, cs, sw + (gi + 1) * gx, cs + dy)
                rows.append({"code": grid, "name": f"第{gi + 1}网格", "geometry": box(*b)})
                grids.append((grid, b))
    with UnitOfWork(engine) as uow:
        areas.sync_department_types(uow)
        areas.add_areas(uow, rows)
        for r in rows[2:]:
            if len(r["code"]) == 12:
                areas.create_departments_for(uow, r["code"], r["name"])
        auth.create_user(uow, "bench", role=auth.Role.DISTRICT_OPERATOR, password=BENCH_PASSWORD, area_code=DISTRICT)
        for grid, _ in grids:
            auth.create_user(uow, f"gw{grid}", role=auth.Role.GRID_WORKER, password=BENCH_PASSWORD, area_code=grid)
        uow.commit()
    return grids


def _token(engine: sa.engine.Engine) -> str:
    from gridbrain.core import auth
    from gridbrain.core.db import UnitOfWork

    with UnitOfWork(engine) as uow:
        token = auth.issue_token(uow, "bench")
        uow.commit()
    return token


def _bodies(grids: list[Any], n: int, run: str) -> list[dict[str, Any]]:
    rnd = random.Random(run)  # each run its own points: no run reports the last run's events again
    out = []
    for i in range(n):
        _, (w, s, e, nn) = grids[i % len(grids)]
        code, params, text = _TEXTS[i % len(_TEXTS)]
        body: dict[str, Any] = {
            "channel": "app",
            "external_id": f"{run}-{i}",
            "text": text,
            "lat": rnd.uniform(s, nn),
            "lng": rnd.uniform(w, e),
            "crs": "wgs84",
            "reporter": {"name": "张三", "phone": "13800000000"},
        }
        if i % 2 == 0:
            body.update(matter_code=code, parameters=params)
        out.append(body)
    return out


class Database:
    """A fresh, migrated database for one run; dropped afterwards."""

    def __init__(self, kind: str, pg_url: str) -> None:
        from gridbrain.core.db import make_engine
        from gridbrain.migrate import upgrade

        self.kind = kind
        self.tmp = tempfile.TemporaryDirectory(prefix="gb-bench-")
        if kind == "sqlite":
            self.url = f"sqlite:///{Path(self.tmp.name) / 'bench.db'}"
            self.engine = make_engine(self.url)
        else:
            self.schema = f"gb_bench_{secrets.token_hex(4)}"
            admin = make_engine(pg_url, poolclass=sa.pool.NullPool)
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE SCHEMA "{self.schema}"')
                c.commit()
            admin.dispose()
            sep = "&" if "?" in pg_url else "?"
            self.url = f"{pg_url}{sep}options=-csearch_path%3D{self.schema}"
            self.pg_url = pg_url
            self.engine = make_engine(self.url)
        upgrade(self.engine)
        self.grids = _build_district(self.engine)

    def close(self) -> None:
        from gridbrain.core.db import make_engine

        self.engine.dispose()
        if self.kind == "postgresql":
            admin = make_engine(self.pg_url, poolclass=sa.pool.NullPool)
            with admin.connect() as c:
                c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
                c.commit()
            admin.dispose()
        self.tmp.cleanup()


def _in_process(db: Database, n: int, threads: int) -> dict[str, float]:
    from gridbrain.core.auth import Actor
    from gridbrain.core.db import UnitOfWork
    from gridbrain.events import service

    actor = Actor(username="bench", role="district_operator", area_code=DISTRICT)
    bodies = _bodies(db.grids, n + 20, f"inproc{threads}")
    warm, bodies = bodies[:20], bodies[20:]

    def one(body: dict[str, Any]) -> float:
        t0 = time.perf_counter()
        rep = body.pop("reporter")
        with UnitOfWork(db.engine) as uow:
            service.report(uow, actor, service.Report(**body, reporter_name=rep["name"], reporter_phone=rep["phone"]))
            uow.commit()
        return time.perf_counter() - t0

    for b in warm:
        one(b)
    t0 = time.perf_counter()
    if threads <= 1:
        lat = [one(b) for b in bodies]
    else:
        with ThreadPoolExecutor(threads) as pool:
            lat = list(pool.map(one, bodies))
    wall = time.perf_counter() - t0
    return {"events_per_s": n / wall, "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000}


def _group_commit(db: Database, n: int) -> dict[str, float]:
    """In-process through the API's group commit (`IntakeBatcher`): all reports queued at once."""
    from gridbrain.core.auth import Actor
    from gridbrain.events import service
    from gridbrain.events.batcher import IntakeBatcher

    actor = Actor(username="bench", role="district_operator", area_code=DISTRICT)
    bodies = _bodies(db.grids, n + 20, "group")
    reports = []
    for body in bodies:
        rep = body.pop("reporter")
        reports.append(service.Report(**body, reporter_name=rep["name"], reporter_phone=rep["phone"]))
    batcher = IntakeBatcher(db.engine)
    try:
        for r in reports[:20]:
            batcher.submit(actor, r).result()
        t0 = time.perf_counter()
        futures = [(time.perf_counter(), batcher.submit(actor, r)) for r in reports[20:]]
        lat = []
        for started, f in futures:
            f.result()
            lat.append(time.perf_counter() - started)  # an upper bound: waited for in order
        wall = time.perf_counter() - t0
        batches = batcher.batches
    finally:
        batcher.close()
    return {
        "events_per_s": n / wall,
        "p50_ms": percentile(lat, 50) * 1000,
        "p99_ms": percentile(lat, 99) * 1000,
        "batch": n / max(1, batches - 20),
    }


@functools.cache
def _trained_model() -> bytes:
    """The classifier as `gridbrain catalog retrain` saves it, trained once per benchmark run."""
    from gridbrain.catalog.classifier import train_from_catalog
    from gridbrain.catalog.loader import shipped_catalog

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "classifier.pkl"
        train_from_catalog(shipped_catalog()).save(path)
        return path.read_bytes()


def _serve(db: Database, port: int, workers: int) -> subprocess.Popen[bytes]:
    # as deployed: the model was trained once (`gridbrain catalog retrain`) and each worker loads it
    model = Path(db.tmp.name) / "models" / "classifier.pkl"
    model.parent.mkdir(parents=True, exist_ok=True)
    model.write_bytes(_trained_model())
    env = {
        **os.environ,
        "GRIDBRAIN_DATABASE_URL": db.url,
        "GRIDBRAIN_RUN_WORKERS": "false",
        "GRIDBRAIN_VAR_DIR": db.tmp.name,
    }
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        "gridbrain.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(cmd, env=env)  # noqa: S603 - our own interpreter and arguments
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc
        except OSError:
            time.sleep(0.3)
    proc.terminate()
    raise RuntimeError("the server did not come up within 60 s")


def _http_load(
    port: int, token: str, bodies: list[dict[str, Any]], concurrency: int, rate: float | None
) -> dict[str, float]:
    headers = {"Authorization": f"Bearer {token}"}
    warm, rest = bodies[:WARM], bodies[WARM:]
    # over every connection, so that each worker process has answered reports before the clock starts
    run_load("127.0.0.1", port, encode_posts("127.0.0.1", "/api/v1/events", headers, warm), concurrency=concurrency)
    requests = encode_posts("127.0.0.1", "/api/v1/events", headers, rest)
    return run_load("127.0.0.1", port, requests, concurrency=concurrency, rate=rate).summary()


def _http(
    db: Database, n: int, concurrency: int, workers: int, rate: float, rate_n: int, port: int
) -> list[tuple[str, dict[str, float]]]:
    token = _token(db.engine)
    proc = _serve(db, port, workers)
    try:
        out = [
            (
                f"HTTP closed loop, {concurrency} conns",
                _http_load(port, token, _bodies(db.grids, n + WARM, "http"), concurrency, None),
            )
        ]
        out.append(
            (
                f"HTTP at {rate:g} req/s, {concurrency} conns",
                _http_load(port, token, _bodies(db.grids, rate_n + WARM, "rate"), concurrency, rate),
            )
        )
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def register(bench: typer.Typer) -> None:
    @bench.command("intake")
    def intake(
        n: Annotated[int, typer.Option(help="events per measurement")] = 2000,
        databases: Annotated[str, typer.Option(help="comma list: sqlite,postgresql")] = "sqlite,postgresql",
        postgres: Annotated[str, typer.Option(help="PostgreSQL server URL (a scratch schema is made)")] = (
            "postgresql://127.0.0.1:5432/test"
        ),
        modes: Annotated[str, typer.Option(help="comma list: inprocess,group,http")] = "inprocess,group,http",
        concurrency: Annotated[int, typer.Option(help="HTTP connections of the load generator")] = 32,
        threads: Annotated[int, typer.Option(help="in-process threads")] = 1,
        workers: Annotated[int, typer.Option(help="uvicorn worker processes")] = 2,
        rate: Annotated[float, typer.Option(help="fixed request rate for the latency measurement")] = 200.0,
        rate_seconds: Annotated[float, typer.Option(help="seconds at the fixed rate")] = 10.0,
        port: Annotated[int, typer.Option(help="TCP port of the server under test")] = 8765,
    ) -> None:
        """Events/s through the whole intake and p99 latency at a fixed rate."""
        wanted = {m.strip() for m in modes.split(",") if m.strip()}
        typer.echo(f"cpus: {os.cpu_count()}, python {sys.version.split()[0]}, n={n}")
        for kind in [d.strip() for d in databases.split(",") if d.strip()]:
            db = Database(kind, postgres)
            try:
                runs: list[Callable[[Database], list[tuple[str, dict[str, float]]]]] = []
                if "inprocess" in wanted:
                    runs.append(lambda d: [(f"in-process, {threads} thread(s)", _in_process(d, n, threads))])
                if "group" in wanted:
                    runs.append(lambda d: [("in-process, group commit", _group_commit(d, n))])
                if "http" in wanted:
                    runs.append(
                        functools.partial(
                            _http,
                            n=n,
                            concurrency=concurrency,
                            workers=workers,
                            rate=rate,
                            rate_n=int(rate * rate_seconds),
                            port=port,
                        )
                    )
                for fn in runs:
                    for label, r in fn(db):
                        typer.echo(
                            f"{kind:10} {label:32} {r['events_per_s']:8.0f} events/s   "
                            f"p50 {r['p50_ms']:6.1f} ms   p99 {r['p99_ms']:6.1f} ms"
                            + (f"   {r['batch']:.1f} reports/batch" if r.get("batch") else "")
                            + (f"   errors {int(r['errors'])}" if r.get("errors") else "")
                        )
            finally:
                db.close()
