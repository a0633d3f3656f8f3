"""`gridbrain demo-data` and `gridbrain demo-logins`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()


def register(app: typer.Typer) -> None:
    app.command("demo-data")(demo_data)
    app.command("demo-logins")(demo_logins)


def demo_data(
    scale: Annotated[float, typer.Option(help="1.0 = seed scale (1,476 grids, 3.28 M people, 1.32 M events)")] = 0.02,
    seed: Annotated[int, typer.Option(help="the same seed (and --until) gives the same district")] = 42,
    until: Annotated[str | None, typer.Option(help="last day of the event history, YYYY-MM-DD (default today)")] = None,
) -> None:
    """Generate the synthetic demo district into the database (the schema is brought up to date first)."""
    from gridbrain.bench.measure import peak_rss_mib, timed
    from gridbrain.cli import engine
    from gridbrain.core import clock
    from gridbrain.demo.generator import DemoDistrict
    from gridbrain.migrate import upgrade

    if scale <= 0:
        raise typer.BadParameter(f"{scale} is not a positive number (1.0 is seed scale)", param_hint="--scale")
    try:
        last_day = date.fromisoformat(until) if until else clock.local().date()
    except ValueError:
        raise typer.BadParameter(f"{until!r} is not a date YYYY-MM-DD", param_hint="--until") from None
    eng = engine(creates_schema=True)
    upgrade(eng)
    with Progress(
        TextColumn("{task.description:<12}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(table: str, done: int, total: int) -> None:
            if table not in tasks:
                tasks[table] = bar.add_task(table, total=total)
            bar.update(tasks[table], completed=done, total=max(total, done))

        with timed() as t:
            counts = DemoDistrict(eng, scale=scale, seed=seed, until=last_day, progress=progress).build()
    table = Table(title=f"demo district (scale {scale}, seed {seed}, until {last_day}) on {eng.dialect.name}")
    table.add_column("what")
    table.add_column("rows", justify="right")
    for k in ("areas", "departments", "users", "addresses", "people", "enterprises", "devices", "events"):
        table.add_row(k, f"{getattr(counts, k):,}")
    console.print(table)
    console.print(f"addresses by level: {counts.by_level}")
    console.print(f"time {t.seconds:.1f} s, peak memory {peak_rss_mib():.0f} MiB")


def demo_logins(
    url: Annotated[str, typer.Option(help="where the demo is served")] = "http://127.0.0.1:8000",
) -> None:
    """Print the demo URL and the demo logins."""
    from gridbrain.demo.generator import DEMO_PASSWORD

    console.print(f"\n[bold]gridbrain demo[/bold] → {url}\n")
    t = Table(title=f"demo logins (password: {DEMO_PASSWORD})")
    t.add_column("username")
    t.add_column("role")
    for u, r in (
        ("admin", "系统管理员 admin"),
        ("district", "区指挥中心 district_operator"),
        ("street", "街道指挥中心 street_operator (first street)"),
        ("community", "社区工作人员 community_staff"),
        ("handler", "城管执法 department_handler"),
        ("steward", "数据管理员 data_steward"),
        ("gw<grid code>", "网格员 grid_worker, one per grid"),
    ):
        t.add_row(u, r)
    console.print(t)
