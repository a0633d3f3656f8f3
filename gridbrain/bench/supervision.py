"""`gridbrain bench sweeper` and `gridbrain bench assessment`: supervision figures.

Both build their own data in a throw-away place (a new PostgreSQL schema, dropped after; or a
temporary SQLite file) so they never touch a real district's database.
"""

from __future__ import annotations

import os
import random
import secrets
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import sqlalchemy as sa
import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from gridbrain.bench.measure import peak_rss_mib, timed

console = Console()
CHINA_T0 = "2026-11-23T09:00:00+08:00"
PG_DEFAULT = "postgresql://127.0.0.1:5432/test"


@contextmanager
def scratch_database(kind: str, url: str | None) -> Iterator[Engine]:
    """A migrated, empty database: a new schema on PostgreSQL, a temporary file on SQLite."""
    from gridbrain.core.db import make_engine
    from gridbrain.migrate import upgrade

    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
            upgrade(engine)
            try:
                yield engine
            finally:
                engine.dispose()
        return
    url = url or os.environ.get("GRIDBRAIN_BENCH_POSTGRES") or PG_DEFAULT
    schema = f"gb_bench_{secrets.token_hex(4)}"
    admin = make_engine(url, poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        conn.commit()
    engine = make_engine(url, connect_args={"options": f"-csearch_path={schema}"}, pool_size=4)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.commit()
        admin.dispose()


def _places(rng: random.Random) -> tuple[str, str, str]:
    street = rng.randint(1, 8)
    community = rng.randint(1, 10)
    grid = rng.randint(1, 5)
    c = f"330110{street:03d}{community:03d}"
    return c, f"{c}{grid:03d}", f"330110{street:03d}"


DEPT_TYPES = ("city_management", "market_supervision", "sanitation", "public_security", "street_office")


def _insert(engine: Engine, table: sa.Table, rows: list[dict[str, Any]], chunk: int = 20000) -> None:
    for i in range(0, len(rows), chunk):
        with engine.begin() as conn:
            conn.execute(table.insert(), rows[i : i + chunk])


def _events_and_clocks(
    engine: Engine, n: int, *, start: datetime, spread: timedelta, history: bool, seed: int = 7
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`n` events with a response and a disposal clock each. `history`: a year of finished work."""
    from gridbrain.supervision import model
    from gridbrain.supervision.calendar import working_calendar

    rng = random.Random(seed)
    cal = working_calendar()
    response, disposal = model.Limit(1, model.Unit.WORKING_HOURS), model.Limit(5, model.Unit.WORKING_DAYS)
    evs, clocks = [], []
    for i in range(n):
        _community, grid, street = _places(rng)
        if history:
            at = start + timedelta(seconds=rng.random() * spread.total_seconds())
        else:  # 1 in 100 came in an hour earlier (clock from 08:30): due in the "ordinary minute"
            at = start - timedelta(hours=1) if i % 100 == 0 else start
        dept = f"{street}:{rng.choice(DEPT_TYPES)}"
        eid = f"B{i:09d}"
        closed = history and rng.random() < 0.93
        evs.append(
            {
                "id": eid,
                "channel": "hotline_12345",
                "text": "基准测试事件",
                "status": "closed" if closed else "dispatched",
                "level": "street",
                "department_code": dept,
                "area_code": street.ljust(12, "0"),
                "grid_code": grid,
                "reported_at": at,
                "matter_code": "E010101",
                "closed_at": at + timedelta(days=rng.uniform(0.2, 9)) if closed else None,
                "satisfaction": rng.choice((None, 3, 4, 5, 5, 5)) if closed else None,
            }
        )
        for kind, limit in (("response", response), ("disposal", disposal)):
            c = model.start_clock(cal, at, limit, 0.8)
            row = {
                "event_id": eid,
                "kind": kind,
                "round": 1,
                "status": "running",
                "unit": limit.unit.value,
                "value": limit.value,
                "matter_code": "E010101",
                "department_code": dept,
                "level": "street",
                "area_code": street.ljust(12, "0"),
                "supervisor_area_code": "330110000000",
                "grid_code": grid,
                "cause": "dispatched",
                "started_at": at,
                "yellow_at": c.yellow_at,
                "due_at": c.due_at,
                "next_check_at": c.yellow_at,
                "end_reason": None,
                "ended_at": None,
                "yellow_card_at": None,
                "red_card_at": None,
            }
            if history:
                late = rng.random() < 0.1
                ended = c.due_at + timedelta(hours=3) if late else c.yellow_at - timedelta(minutes=5)
                returned = kind == "response" and rng.random() < 0.04
                row.update(
                    status="ended" if returned else "met",
                    end_reason="returned" if returned else None,
                    ended_at=ended,
                    next_check_at=None,
                    yellow_card_at=c.yellow_at if late else None,
                    red_card_at=c.due_at if late else None,
                )
            clocks.append(row)
    return evs, clocks


@dataclass(frozen=True)
class Way:
    """One way of sweeping, for the side-by-side figures."""

    name: str
    what: str
    stepwise: bool
    workers: int
    old_indexes: bool


BEFORE = Way("before", "4 statements per batch, 1 batch at a time, the 2 indexes since dropped", True, 1, True)
AFTER = Way("after", "1 statement per batch, 2 batches side by side", False, 2, False)
SQLITE = Way("sqlite", "4 statements per batch, one writer", True, 1, False)
_OLD_INDEXES = (
    "CREATE INDEX ix_supervision_deadlines_event ON supervision_deadlines (event_id, status)",
    "CREATE INDEX ix_supervision_cards_area_code ON supervision_cards (area_code)",
)
_STEPS = (
    ("nothing due", timedelta(minutes=-30)),
    ("an ordinary minute: 1% of response clocks due (yellow + red)", timedelta(minutes=40)),
    ("nothing due again", timedelta(minutes=41)),
    ("worst case: every response clock turns yellow at once", timedelta(minutes=50)),
    ("worst case: every response clock turns red at once (escalation off)", timedelta(minutes=61)),
)


def _reset(engine: Engine, way: Way) -> None:
    """Every clock as just started, no cards, no audit entries; the indexes of `way`."""
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE supervision_deadlines SET next_check_at = yellow_at, yellow_card_at = NULL, red_card_at = NULL"
        )
        conn.exec_driver_sql("DELETE FROM supervision_cards")
        conn.exec_driver_sql("DELETE FROM audit_log")
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_supervision_deadlines_event")
            conn.exec_driver_sql("DROP INDEX IF EXISTS ix_supervision_cards_area_code")
            for ddl in _OLD_INDEXES if way.old_indexes else ():
                conn.exec_driver_sql(ddl)
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")


class CpuMeter:
    """CPU seconds spent by this process and by the PostgreSQL backends serving its connections:
    a figure the other work on a shared machine does not inflate the way it inflates wall time."""

    def __init__(self, engine: Engine) -> None:
        self.pids: set[int] = set()
        if engine.dialect.name == "postgresql":
            engine.pool.dispose()  # every connection from now on is seen at its birth
            sa.event.listen(engine, "connect", self._connected)

    def _connected(self, dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("SELECT pg_backend_pid()")
        self.pids.add(int(cur.fetchone()[0]))
        cur.close()

    def seconds(self) -> tuple[float, float]:
        """(this process, the database backends)."""
        db = 0.0
        tick = os.sysconf("SC_CLK_TCK")
        for pid in self.pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a backend that ended (its connection was closed): counted no more
            db += (int(fields[11]) + int(fields[12])) / tick
        return time.process_time(), db


def _sweeps(engine: Engine, t0: datetime, way: Way) -> list[str]:
    """The timed passes of `_STEPS` done `way`, as printable cells: wall time, CPU time (this
    process + the database backends), cards."""
    from gridbrain.supervision import sweeper

    _reset(engine, way)
    cpu = CpuMeter(engine)
    out = []
    for _, offset in _STEPS:
        own0, db0 = cpu.seconds()
        with timed() as t:
            res = sweeper.sweep(engine, t0 + offset, escalate=False, workers=way.workers, stepwise=way.stepwise)
        own1, db1 = cpu.seconds()
        out.append(f"{t.seconds:.2f} s, cpu {own1 - own0:.2f}+{db1 - db0:.2f} s ({res.yellow + res.red:,})")
    return out


def register(bench: typer.Typer) -> None:
    @bench.command("sweeper")
    def bench_sweeper(
        database: Annotated[str, typer.Option(help="postgresql or sqlite")] = "postgresql",
        url: Annotated[str | None, typer.Option(help="PostgreSQL server (a scratch schema is made)")] = None,
        events_n: Annotated[int, typer.Option("--events", help="open events, two clocks each")] = 100_000,
        compare: Annotated[bool, typer.Option(help="also run the previous way, side by side")] = True,
    ) -> None:
        """One sweeper pass over N open events with deadlines: nothing due, all turning yellow, all red."""
        from gridbrain.events.tables import events
        from gridbrain.supervision.tables import deadlines

        t0 = datetime.fromisoformat(CHINA_T0)
        with scratch_database(database, url) as engine:
            evs, clocks = _events_and_clocks(engine, events_n, start=t0, spread=timedelta(0), history=False)
            with timed() as load:
                _insert(engine, events, evs)
                _insert(engine, deadlines, clocks)
            console.print(f"{database}: loaded {events_n:,} events and {len(clocks):,} clocks in {load.seconds:.1f} s")
            pg_ways = [BEFORE, AFTER] if compare else [AFTER]
            ways = pg_ways if database == "postgresql" else [SQLITE]
            figures = {way.name: _sweeps(engine, t0, way) for way in ways}
            console.print(f"  {'':70} " + " ".join(f"{w.name:>32}" for w in ways), soft_wrap=True)
            for i, (label, _) in enumerate(_STEPS):
                cells = [figures[w.name][i] for w in ways]
                console.print(f"  {label:70} " + " ".join(f"{c:>32}" for c in cells), soft_wrap=True)
            for way in ways:
                console.print(f"  {way.name}: {way.what}")
        console.print(f"peak memory {peak_rss_mib():.0f} MiB")

    @bench.command("assessment")
    def bench_assessment(
        database: Annotated[str, typer.Option(help="postgresql or sqlite")] = "postgresql",
        url: Annotated[str | None, typer.Option(help="PostgreSQL server (a scratch schema is made)")] = None,
        events_n: Annotated[int, typer.Option("--events", help="events over one year")] = 260_000,
    ) -> None:
        """Assessment of a whole district over one year of history, per department and per street."""
        from gridbrain.core.auth import Actor
        from gridbrain.core.db import UnitOfWork
        from gridbrain.events.tables import events
        from gridbrain.supervision.assessment import service as assessment
        from gridbrain.supervision.tables import cards, deadlines, summons

        start = datetime.fromisoformat("2025-11-01T00:00:00+08:00")
        year = timedelta(days=365)
        with scratch_database(database, url) as engine:
            evs, clocks = _events_and_clocks(engine, events_n, start=start, spread=year, history=True)
            card_rows, summons_rows = [], []
            rng = random.Random(11)
            for c in clocks:
                for colour, col in (("yellow", "yellow_card_at"), ("red", "red_card_at")):
                    if c[col] is not None:
                        card_rows.append(
                            {
                                "event_id": c["event_id"],
                                "deadline_id": 0,
                                "kind": c["kind"],
                                "round": 1,
                                "colour": colour,
                                "issued_at": c[col],
                                "due_at": c["due_at"],
                                "department_code": c["department_code"],
                                "level": "street",
                                "area_code": c["area_code"],
                                "supervisor_area_code": "330110000000",
                                "grid_code": c["grid_code"],
                            }
                        )
            for i, e in enumerate(evs[: events_n // 100]):
                at = e["reported_at"]
                reported = rng.random() < 0.85
                summons_rows.append(
                    {
                        "whistle_id": f"W{i:08d}",
                        "event_id": e["id"],
                        "area_code": e["area_code"],
                        "grid_code": e["grid_code"],
                        "department_code": e["department_code"],
                        "summoned_at": at,
                        "report_in_due_at": at + timedelta(hours=2),
                        "result_due_at": at + timedelta(days=2),
                        "reported_in_at": at + timedelta(hours=rng.uniform(0.2, 3)) if reported else None,
                        "result_at": at + timedelta(days=1) if reported and rng.random() < 0.9 else None,
                    }
                )
            with timed() as load:
                _insert(engine, events, evs)
                _insert(engine, deadlines, clocks)
                _insert(engine, cards, card_rows)
                _insert(engine, summons, summons_rows)
            console.print(
                f"{database}: loaded {len(evs):,} events, {len(clocks):,} clocks, {len(card_rows):,} cards, "
                f"{len(summons_rows):,} summons in {load.seconds:.1f} s"
            )
            if engine.dialect.name == "postgresql":
                with engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE")
            district = Actor("bench", "district_operator", area_code="330110000000")
            for by in ("department", "street", "community"):
                times = []
                for _ in range(3):
                    with UnitOfWork(engine) as uow, timed() as t:
                        rows = assessment.assess(uow, district, since=start, until=start + year, by=by)
                    times.append(t.seconds)
                console.print(
                    f"  assessment by {by}: {min(times):.3f} s best of 3 (first {times[0]:.3f} s), {len(rows)} rows"
                )
        console.print(f"peak memory {peak_rss_mib():.0f} MiB")
