"""Storage: CSV drops, monthly partitions on PostgreSQL, the retention policy."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.perception import csvdrop, intake, storage
from gridbrain.perception.tables import reading_hourly, readings, rejection_counts
from tests.perception.helpers import add_device, reading, send

T0 = datetime(2026, 7, 15, 12, 0)


def _count(engine, table) -> int:
    with UnitOfWork(engine) as uow:
        return int(uow.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def test_a_csv_drop_stores_its_good_rows_and_counts_the_bad_ones(engine, district, tmp_path):
    clock.set_now(T0)
    add_device(engine, district, "AQ1", "air_quality")
    path = tmp_path / "drop.csv"
    path.write_text(
        "device_id,ts,pm25,pm10\n"
        "AQ1,2026-07-15T10:00:00,35,60\n"
        "AQ1,2026-07-15T11:00:00,,80\n"  # an empty cell: not reported
        "AQ1,2026-07-15T11:30:00,lots,80\n"
        "ZZ9,2026-07-15T11:00:00,35,60\n",
        encoding="utf-8",
    )
    stored = rejected = 0
    for batch in csvdrop.rows_of(path, batch=2):
        with UnitOfWork(engine) as uow:
            out = intake.ingest(uow, batch)
            uow.commit()
        stored += out.stored
        rejected += sum(out.rejected.values())
    assert (stored, rejected) == (2, 2)
    with UnitOfWork(engine) as uow:
        counts = dict(uow.execute(sa.select(rejection_counts.c.reason, rejection_counts.c.count)).all())
    assert counts == {"schema": 1, "unknown_device": 1}


def test_readings_go_to_their_months_partition_on_postgresql_and_old_months_are_dropped(engine, district):
    clock.set_now(T0)
    add_device(engine, district, "PK1", "parking")
    with UnitOfWork(engine) as uow:
        made = storage.ensure_partitions(uow, clock.now() - timedelta(days=31), ahead=2)
        uow.commit()
    send(engine, reading("PK1", clock.now() - timedelta(days=5), occupied=1), reading("PK1", clock.now(), occupied=0))
    if engine.dialect.name == "postgresql":
        assert made == ["readings_202606", "readings_202607", "readings_202608"]
        with UnitOfWork(engine) as uow:
            july = uow.conn.exec_driver_sql("SELECT count(*) FROM readings_202607").scalar_one()
        assert july == 2
    clock.set_now(datetime(2026, 9, 20, 12, 0))
    with UnitOfWork(engine) as uow:
        gone = storage.purge(uow, clock.now(), keep_days=60, keep_hourly_days=30)
        uow.commit()
    assert gone == 2 and _count(engine, readings) == 0
    assert _count(engine, reading_hourly) == 0
