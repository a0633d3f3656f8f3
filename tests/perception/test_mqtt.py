"""The MQTT adapter against the real broker: readings in, alarms out, rejections counted, and a
consumer killed mid-run loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events.tables import events
from gridbrain.perception.tables import alarms, readings, rejection_counts, rejection_samples
from tests.conftest import database_url_of
from tests.perception.helpers import add_device, reading
from tests.perception.mqtt_helpers import Running, need_broker, new_group, publish

pytestmark = pytest.mark.mqtt


@pytest.fixture(autouse=True)
def _broker() -> None:
    need_broker()


def _count(engine, table) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_water_held_high_over_mqtt_opens_exactly_one_alarm_and_one_iot_event(engine, district):
    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    add_device(engine, district, "WLM1", "water_level")
    depths = [18, 19, 20, 21, 22, 23]  # above 15 cm from the first: the third opens the alarm
    msgs = [
        ("water_level", "WLM1", reading("WLM1", start + timedelta(minutes=5 * i), depth_cm=d))
        for i, d in enumerate(depths)
    ]
    with Running(engine, new_group()):
        publish(msgs)
    with UnitOfWork(engine) as uow:
        found = list(uow.execute(sa.select(alarms).where(alarms.c.rule_code == "flooding")))
        evs = list(uow.execute(sa.select(events.c.id, events.c.channel)))
    assert [(a.status, a.repeats) for a in found] == [("active", 4)]
    assert [(e.id, e.channel) for e in evs] == [(found[0].event_id, "iot")]
    assert _count(engine, readings) == 6


def test_unknown_future_out_of_range_and_malformed_readings_are_counted_by_reason_with_a_sample(engine, district):
    now = clock.now().replace(microsecond=0)
    add_device(engine, district, "WLM2", "water_level")
    msgs = [
        ("water_level", "NOPE", reading("NOPE", now, depth_cm=1)),
        ("water_level", "WLM2", reading("WLM2", now + timedelta(hours=2), depth_cm=1)),
        ("water_level", "WLM2", reading("WLM2", now, depth_cm=9999)),
        ("water_level", "WLM2", b"{not json"),
        ("water_level", "WLM2", reading("WLM2", now - timedelta(minutes=1), depth_cm=4)),
    ]
    with Running(engine, new_group()) as run:
        publish(msgs)
    with UnitOfWork(engine) as uow:
        counts = dict(uow.execute(sa.select(rejection_counts.c.reason, rejection_counts.c.count)).all())
        samples = {r.reason: r.payload for r in uow.execute(sa.select(rejection_samples))}
    assert counts == {"unknown_device": 1, "future": 1, "out_of_range": 1, "malformed": 1}
    assert samples["malformed"] == "{not json"
    assert json.loads(samples["out_of_range"])["values"] == {"depth_cm": 9999}
    assert _count(engine, readings) == 1
    assert run.stats is not None and run.stats.received == 5


def _consumer_env(engine) -> dict[str, str]:
    return os.environ | {"GRIDBRAIN_DATABASE_URL": database_url_of(engine), "GRIDBRAIN_PERCEPTION_BATCH_SIZE": "20"}


def _start(engine, group: str, client_id: str, *extra: str) -> subprocess.Popen[bytes]:
    cmd = [
        str(Path(sys.executable).parent / "gridbrain"),
        "perceive",
        "--client-id",
        client_id,
        "--group",
        group,
        *extra,
    ]
    return subprocess.Popen(cmd, env=_consumer_env(engine), stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _wait_for(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_a_consumer_killed_mid_run_and_restarted_loses_nothing(engine, district):
    now = clock.now().replace(microsecond=0)
    codes = [f"PK{i:03d}" for i in range(20)]
    for c in codes:
        add_device(engine, district, c, "parking")
    msgs = [("parking", c, reading(c, now - timedelta(seconds=i), occupied=i % 2)) for i in range(30) for c in codes]
    group, client_id = new_group(), f"test-kill-{new_group()}"
    first = _start(engine, group, client_id)
    try:
        # subscribed once the broker holds the session: wait for the log line
        assert _wait_for(lambda: first.poll() is None and _subscribed(first), 30), "consumer did not start"
        publisher = threading.Thread(target=publish, args=(msgs,))
        publisher.start()
        assert _wait_for(lambda: _count(engine, readings) >= 20, 30)
        first.send_signal(signal.SIGKILL)  # mid-run: messages in flight, in its inbox, unacknowledged
        first.wait(10)
        publisher.join(60)
    finally:
        if first.poll() is None:
            first.kill()
    stored_at_kill = _count(engine, readings)
    second = _start(engine, group, client_id, "--idle-exit", "3")
    out, _ = second.communicate(timeout=120)
    assert second.returncode == 0, out.decode()
    assert stored_at_kill < len(msgs), "the kill came too late to prove anything"
    assert _count(engine, readings) == len(msgs) == 600
    with UnitOfWork(engine) as uow:
        counts = dict(uow.execute(sa.select(rejection_counts.c.reason, rejection_counts.c.count)).all())
    assert set(counts) <= {"duplicate"}  # a reading stored but not acknowledged comes again


def _subscribed(proc: subprocess.Popen[bytes]) -> bool:
    assert proc.stdout is not None
    os.set_blocking(proc.stdout.fileno(), False)
    chunk = proc.stdout.read() or b""
    proc._seen = getattr(proc, "_seen", b"") + chunk  # type: ignore[attr-defined]
    return b"subscribed to" in proc._seen  # type: ignore[attr-defined]
