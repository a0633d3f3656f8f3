"""`gridbrain perceive` (the MQTT consumer), `gridbrain perceive-csv` (a CSV drop) and
`gridbrain perceive-maintain` (partitions, retention, absence and inactivity sweep)."""

from __future__ import annotations

import logging
import os
import resource
import signal
import socket
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine


def _engine() -> Engine:
    from gridbrain.config import get_settings
    from gridbrain.core.db import make_engine

    return make_engine(get_settings().database_url)


def register(app: typer.Typer) -> None:
    @app.command("perceive")
    def perceive(
        client_id: Annotated[str | None, typer.Option(help="MQTT client id: the persistent session's name")] = None,
        group: Annotated[str | None, typer.Option(help="shared subscription group (default from settings)")] = None,
        max_messages: Annotated[int | None, typer.Option(help="stop after this many messages")] = None,
        idle_exit: Annotated[float | None, typer.Option(help="stop when nothing came for this many seconds")] = None,
    ) -> None:
        """Consume readings from MQTT: gridbrain/{district}/{kind}/{device_id}/up (QoS 1, shared)."""
        from gridbrain.config import get_settings
        from gridbrain.perception.consumer import Consumer
        from gridbrain.perception.settings import get_perception_settings

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
        s = get_perception_settings()
        consumer = Consumer(
            _engine(),
            client_id=client_id or f"gridbrain-perceive-{socket.gethostname()}-{os.getpid()}",
            district_code=get_settings().district_code,
            host=s.mqtt_host,
            port=s.mqtt_port,
            group=group or s.mqtt_group,
            batch_size=s.batch_size,
            batch_wait_s=s.batch_wait_s,
            sweep_interval_s=s.sweep_interval_s,
        )
        signal.signal(signal.SIGTERM, lambda *_: consumer.stop())
        stats = consumer.run(max_messages=max_messages, idle_exit_s=idle_exit)
        typer.echo(
            f"received {stats.received}, stored {stats.stored}, rejected {sum(stats.rejected.values())} "
            f"{dict(stats.rejected)}, redelivered {stats.redelivered}, batches {stats.batches}, "
            f"peak_rss_mib {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}"
        )

    @app.command("perceive-csv")
    def perceive_csv(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
        """Take a CSV drop in (device_id, ts, one column per measure)."""
        from gridbrain.core.db import UnitOfWork
        from gridbrain.perception import csvdrop, intake

        engine = _engine()
        stored, rejected = 0, 0
        for batch in csvdrop.rows_of(path):
            with UnitOfWork(engine) as uow:
                out = intake.ingest(uow, batch)
                uow.commit()
            stored += out.stored
            rejected += sum(out.rejected.values())
        typer.echo(f"stored {stored}, rejected {rejected} (see GET /api/v1/readings/rejections)")

    @app.command("perceive-maintain")
    def perceive_maintain() -> None:
        """Monthly partitions ahead, the retention policy, and the absence/inactivity sweep."""
        from gridbrain.core import clock
        from gridbrain.core.db import UnitOfWork
        from gridbrain.perception import intake, storage
        from gridbrain.perception.settings import get_perception_settings

        s = get_perception_settings()
        with UnitOfWork(_engine()) as uow:
            made = storage.ensure_partitions(uow, clock.now())
            gone = storage.purge(uow, clock.now(), keep_days=s.retention_days, keep_hourly_days=s.hourly_retention_days)
            raised = intake.sweep(uow)
            uow.commit()
        typer.echo(f"partitions created {made}, readings purged {gone}, alarms raised {raised}")
