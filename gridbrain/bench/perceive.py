"""`gridbrain bench perceive`: the perception network's figures, measured.

End to end: readings published over MQTT (QoS 1) → `gridbrain perceive` consumer processes on
one shared subscription → admission → rules → stored, with N simulated devices, on a throw-away
database (a new PostgreSQL schema, dropped after; or a temporary SQLite file) and a private
Mosquitto (its own port and configuration: no queue limit, so a slow consumer is measured as
slow, not as lossy). Loss is accounted from the database: published = stored + rejected.
`--kill-at 0.3` SIGKILLs the first consumer when 30 % is stored and restarts it.
`--rules-only` measures rule evaluation alone, in process."""

from __future__ import annotations

import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from gridbrain.bench.measure import peak_rss_mib, timed

console = Console()
PG_DEFAULT = "postgresql://127.0.0.1:5432/test"
DISTRICT = "330110000000"
GRID = "330110001001001"
# kinds whose normal values raise nothing, with a value generator each
KINDS: dict[str, tuple[str, Callable[[random.Random], float]]] = {
    "parking": ("occupied", lambda r: float(r.random() < 0.5)),
    "noise": ("leq_db", lambda r: round(r.uniform(40, 65), 1)),
    "water_level": ("depth_cm", lambda r: round(r.uniform(0, 5), 1)),
    "air_quality": ("pm25", lambda r: round(r.uniform(5, 80), 1)),
    "hydrant": ("pressure_mpa", lambda r: round(r.uniform(0.2, 0.5), 2)),
    "streetlight": ("power_w", lambda r: round(r.uniform(50, 150), 1)),
}


@contextmanager
def _database(kind: str, url: str | None) -> Iterator[tuple[Engine, str]]:
    """A migrated empty database and the URL a consumer process reaches it by."""
    from gridbrain.core.db import make_engine
    from gridbrain.migrate import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{Path(tmp) / 'bench.db'}"
            engine = make_engine(url)
            upgrade(engine)
            try:
                yield engine, url
            finally:
                engine.dispose()
        return
    url = url or os.environ.get("GRIDBRAIN_BENCH_POSTGRES") or PG_DEFAULT
    schema = f"gb_bench_{secrets.token_hex(4)}"
    admin = make_engine(url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        conn.commit()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    try:
        upgrade(engine)
        yield engine, f"{url}?options=-csearch_path%3D{schema}"
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.commit()
        admin.dispose()


@contextmanager
def _broker() -> Iterator[int]:
    """A private Mosquitto on a free port: no limit on queued or in-flight messages."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "mosquitto.conf"
        conf.write_text(
            f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            "max_queued_messages 0\nmax_inflight_messages 0\n"
        )
        proc = subprocess.Popen(  # noqa: S603
            ["mosquitto", "-c", str(conf)],  # noqa: S607 - the broker on PATH
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                    break
                except OSError:
                    time.sleep(0.05)
            yield port
        finally:
            proc.terminate()
            proc.wait(10)


def _devices(engine: Engine, n: int) -> list[tuple[str, str]]:
    from gridbrain.core.db import UnitOfWork, insert_many
    from gridbrain.perception.tables import devices

    kinds = list(KINDS)
    out = [(f"B{i:07d}", kinds[i % len(kinds)]) for i in range(n)]
    rows = [
        {"code": c, "kind": k, "name": f"压测{c}", "grid_code": GRID, "lat": 30.41, "lng": 120.01, "status": "online"}
        for c, k in out
    ]
    with UnitOfWork(engine) as uow:
        for i in range(0, n, 10_000):
            insert_many(uow, devices, rows[i : i + 10_000])
        uow.commit()
    return out


def _messages(devs: list[tuple[str, str]], total: int, bad_share: float) -> list[tuple[str, bytes]]:
    from gridbrain.core import clock
    from gridbrain.perception.consumer import topic_of

    rng = random.Random(7)
    start = clock.now().replace(microsecond=0) - timedelta(hours=2)
    out = []
    for i in range(total):
        code, kind = devs[i % len(devs)]
        measure, gen = KINDS[kind]
        value = 1e9 if rng.random() < bad_share else gen(rng)  # 1e9: out of range, rejected
        ts = start + timedelta(seconds=10 * (i // len(devs)))
        body = {"device_id": code, "ts": ts.isoformat(), "values": {measure: value}}
        out.append((topic_of(DISTRICT, kind, code), json.dumps(body).encode()))
    return out


def _publish(port: int, msgs: list[tuple[str, bytes]], result: dict[str, float]) -> None:
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="bench-pub", protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.max_queued_messages_set(0)
    c.connect("127.0.0.1", port)
    c.loop_start()
    t0 = time.perf_counter()
    infos = [c.publish(t, p, qos=1) for t, p in msgs]
    for info in infos:
        info.wait_for_publish(timeout=600)
    result["seconds"] = time.perf_counter() - t0
    result["published"] = sum(1 for i in infos if i.is_published())
    c.loop_stop()
    c.disconnect()


def _consumer(url: str, port: int, group: str, i: int) -> subprocess.Popen[str]:
    env = os.environ | {
        "GRIDBRAIN_DATABASE_URL": url,
        "GRIDBRAIN_DISTRICT_CODE": DISTRICT,
        "GRIDBRAIN_PERCEPTION_MQTT_PORT": str(port),
        "GRIDBRAIN_PERCEPTION_SWEEP_INTERVAL_S": "0",
    }
    cmd = [str(Path(sys.executable).parent / "gridbrain"), "perceive", "--client-id", f"bench-{group}-{i}"]
    cmd += ["--group", group, "--idle-exit", "5"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # noqa: S603


def _counts(engine: Engine) -> tuple[int, dict[str, int]]:
    from gridbrain.perception.tables import readings, rejection_counts

    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(readings)).scalar_one()
        rejected = {r.reason: int(r._mapping["count"]) for r in conn.execute(sa.select(rejection_counts))}
    return int(stored), rejected


def _wait_subscribed(procs: list[subprocess.Popen[str]]) -> None:
    for p in procs:
        assert p.stdout is not None
        for line in p.stdout:
            if "subscribed to" in line:
                break


def _stop_all(procs: list[subprocess.Popen[str]]) -> list[str]:
    outs = []
    for p in procs:
        p.send_signal(signal.SIGTERM)
        out, _ = p.communicate(timeout=120)
        outs.append(out.strip().splitlines()[-1] if out.strip() else "")
    return outs


def _run_once(
    engine: Engine,
    url: str,
    port: int,
    msgs: list[tuple[str, bytes]],
    consumers: int,
    kill_at: float | None,
    backlog: bool,
) -> None:
    group = f"b{secrets.token_hex(3)}"
    procs = [_consumer(url, port, group, i) for i in range(consumers)]
    _wait_subscribed(procs)
    pub: dict[str, float] = {}
    if backlog:  # the sessions stay on the broker: it holds what is published for them
        _stop_all(procs)
        _publish(port, msgs, pub)
        procs = [_consumer(url, port, group, i) for i in range(consumers)]
    t0 = time.perf_counter()
    publisher = threading.Thread(target=_publish, args=(port, msgs, pub)) if not backlog else None
    if publisher is not None:
        publisher.start()
    killed = False
    while True:
        stored, rejected = _counts(engine)
        done = stored + sum(v for k, v in rejected.items() if k != "duplicate")
        if kill_at is not None and not killed and done >= kill_at * len(msgs):
            procs[0].send_signal(signal.SIGKILL)
            procs[0].wait()
            procs[0] = _consumer(url, port, group, 0)
            killed = True
            console.print(f"  killed consumer 0 (SIGKILL) at {done:,} accounted; restarted it")
        idle = (publisher is None or not publisher.is_alive()) and all(p.poll() is not None for p in procs)
        if done >= len(msgs) or idle:
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - t0
    if publisher is not None:
        publisher.join()
    outs = _stop_all(procs)
    stored, rejected = _counts(engine)
    bad = sum(v for k, v in rejected.items() if k != "duplicate")
    rate = pub.get("published", 0) / max(pub.get("seconds", 1), 1e-9)
    console.print(
        f"  published {int(pub.get('published', 0)):,} in {pub.get('seconds', 0):.1f} s ({rate:,.0f}/s, one "
        f"publisher{', before the consumers started: a backlog' if backlog else ', while consuming'}); "
        f"stored {stored:,} + rejected {bad:,} = {stored + bad:,} "
        f"(duplicates from redelivery {rejected.get('duplicate', 0):,}); lost {len(msgs) - stored - bad:,}"
    )
    console.print(f"  consumed: {len(msgs) / seconds:,.0f} readings/s ({len(msgs):,} in {seconds:.1f} s)")
    for i, line in enumerate(outs):
        console.print(f"  consumer {i}: {line}")


def _rules_only(n_devices: int, n: int) -> None:
    from gridbrain.perception.kinds import kinds
    from gridbrain.perception.rules import DeviceState, RuleBook, evaluate

    book = RuleBook(kinds())
    rng = random.Random(3)
    kinds_ = list(KINDS)
    devs = [(f"B{i:07d}", kinds_[i % len(kinds_)]) for i in range(n_devices)]
    states = {c: DeviceState() for c, _ in devs}
    rules = {c: book.rules_for(k, c) for c, k in devs}
    values = [{KINDS[k][0]: KINDS[k][1](rng)} for _, k in devs[:1000]]
    with timed() as t:
        for i in range(n):
            code, _ = devs[i % n_devices]
            evaluate(code, rules[code], states[code], values[i % 1000], 1.7e9 + 10.0 * (i // n_devices))
    console.print(f"rule evaluation alone: {n / t.seconds:,.0f} readings/s ({n:,} over {n_devices:,} devices)")


def register(bench: typer.Typer) -> None:
    @bench.command("perceive")
    def perceive(
        database: Annotated[str, typer.Option(help="postgresql | sqlite")] = "postgresql",
        url: Annotated[str | None, typer.Option(help="PostgreSQL URL (a throw-away schema is made there)")] = None,
        devices: Annotated[int, typer.Option(help="simulated devices")] = 71_000,
        readings: Annotated[int, typer.Option(help="readings to publish (bounded: a shared machine)")] = 100_000,
        consumers: Annotated[str, typer.Option(help="consumer counts to run, e.g. 1,2,4")] = "1",
        kill_at: Annotated[float | None, typer.Option(help="SIGKILL consumer 0 at this share stored")] = None,
        bad_share: Annotated[float, typer.Option(help="share of readings out of range")] = 0.01,
        rules_only: Annotated[bool, typer.Option(help="only rule evaluation, in process")] = False,
        backlog: Annotated[
            bool, typer.Option(help="publish everything first, then measure the consumers draining it")
        ] = True,
    ) -> None:
        """Readings/s end to end (MQTT → consumers → admission → rules → stored), loss, memory."""
        _rules_only(devices, 500_000)
        if rules_only:
            return
        msgs = _messages([(f"B{i:07d}", list(KINDS)[i % len(KINDS)]) for i in range(devices)], readings, bad_share)
        with _broker() as port:
            for n in [int(x) for x in consumers.split(",")]:
                with _database(database, url) as (engine, consumer_url):
                    _devices(engine, devices)
                    console.print(f"{database}, {devices:,} devices, {readings:,} readings, {n} consumer(s):")
                    _run_once(engine, consumer_url, port, msgs, n, kill_at, backlog)
        console.print(f"bench process peak memory {peak_rss_mib():.0f} MiB")
