"""`gridbrain bench audit`: sealing and verifying the audit hash chain (goal: 1 M entries
verified in under 10 s)."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer

from gridbrain.bench.measure import peak_rss_mib, timed
from gridbrain.core import audit, audit_chain, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.migrate import upgrade

TAGS = ("events:event:dispatched", "events:event:accepted", "supervision:card:yellow", "registry:person:verified")


def _fill(engine: sa.Engine, n: int, batch: int = 20_000) -> None:
    actor = Actor.system("bench")
    start = clock.now()
    for lo in range(0, n, batch):
        rows = [
            audit.entry(
                TAGS[i % len(TAGS)],
                actor=actor,
                subject_id=f"E{i:08d}",
                area_code="330110001000",
                detail={"seq": i, "note": "派单给城管执法", "level": "street"},
                at=start + timedelta(milliseconds=i),
            )
            for i in range(lo, min(n, lo + batch))
        ]
        with UnitOfWork(engine) as uow:
            audit.record_many(uow, rows)
            uow.commit()


def run(url: str | None, n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url or f"sqlite:///{Path(tmp) / 'audit.db'}")
        upgrade(engine)
        with timed() as fill:
            _fill(engine, n)
        with timed() as sealing:
            sealed = audit_chain.seal_all(engine)
        with timed() as checking:
            verdict = audit_chain.verify(engine)
        typer.echo(
            f"{engine.dialect.name}: {n:,} entries — fill {fill.seconds:.1f} s, seal {sealed:,} in "
            f"{sealing.seconds:.1f} s ({sealed / sealing.seconds:,.0f}/s), verify {verdict.checked:,} in "
            f"{checking.seconds:.2f} s ({verdict.checked / checking.seconds:,.0f}/s; goal 1 M in < 10 s), "
            f"chain {'holds' if verdict.ok else 'BROKEN'}, peak RSS {peak_rss_mib():.0f} MiB"
        )
        engine.dispose()


def register(bench: typer.Typer) -> None:
    @bench.command("audit")
    def audit_cmd(
        n: Annotated[int, typer.Option(help="audit entries to write, seal and verify")] = 1_000_000,
        database: Annotated[
            str | None, typer.Option(help="a PostgreSQL URL with an empty schema (default: a fresh SQLite file)")
        ] = None,
    ) -> None:
        """Seal and verify the audit hash chain over N entries."""
        run(database, n)
