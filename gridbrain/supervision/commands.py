"""`gridbrain supervise`: the sweeper from cron (--once) or as a standalone worker."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Annotated

import typer

from gridbrain.core.clock import aware


def _parse_now(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise typer.BadParameter(
            f"not an ISO time: {raw!r} (e.g. 2026-10-09T17:31 or 2026-10-09T09:31+00:00)"
        ) from None
    return aware(at)


def register(app: typer.Typer) -> None:
    @app.command("supervise")
    def supervise(
        once: Annotated[bool, typer.Option("--once", help="one pass, then exit (for cron)")] = False,
        now: Annotated[
            str | None, typer.Option("--now", help="ISO time the pass runs at (drills, tests); naive = China time")
        ] = None,
    ) -> None:
        """Issue yellow and red cards, escalate red-carded events, flag missed report-ins and late orders."""
        from gridbrain.config import get_settings
        from gridbrain.core import clock
        from gridbrain.core.db import make_engine
        from gridbrain.supervision import sweeper, wiring

        at = _parse_now(now)
        settings = get_settings()
        engine = make_engine(settings.database_url)
        wiring.connect(engine)  # escalations re-dispatch: the new handler's clocks start
        if at is not None:
            clock.set_now(at)  # escalations and audit entries carry the drill's time too
        from gridbrain.core.db import UnitOfWork
        from gridbrain.supervision.service import reconcile

        while True:
            with UnitOfWork(engine) as uow:
                lost = reconcile(uow)
                uow.commit()
            if lost:
                typer.echo(f"started the lost clocks of {lost} events")
            res = sweeper.sweep(engine, at)
            typer.echo(
                f"{clock.local(at):%Y-%m-%d %H:%M:%S} yellow={res.yellow} red={res.red} escalated={res.escalated}"
                f" escalation_failed={res.escalation_failed} no_report_in={res.no_report_in}"
                f" no_result={res.no_result} orders_overdue={res.orders_overdue}"
            )
            if once:
                break
            time.sleep(settings.sweeper_interval_s)
