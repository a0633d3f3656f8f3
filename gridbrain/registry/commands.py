"""CLI of the governance library: `gridbrain import ...` and `gridbrain reports ...`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TransferSpeedColumn

from gridbrain.config import get_settings
from gridbrain.core.auth import Actor, find_user
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.registry import importer, reports, templates
from gridbrain.registry.model import RegisterTemplate

import_app = typer.Typer(
    help="Import people, enterprises, houses, places (CSV, XLSX, JSON Lines).", no_args_is_help=True
)
reports_app = typer.Typer(help="Department reports filled from the library (智减负).", no_args_is_help=True)
console = Console()

KINDS = {"people": "person", "enterprises": "enterprise", "houses": "house", "places": "place"}
AsUser = Annotated[str | None, typer.Option("--as", help="act as this user (default: the system, whole district)")]


def _actor(uow: UnitOfWork, username: str | None) -> Actor:
    if username:
        return find_user(uow, username)
    return Actor(username="cli", role="admin", area_code=get_settings().district_code, display_name="cli")


def _import(kind: str, file: Path, source: str, user: str | None, batch: int) -> None:
    engine = make_engine(get_settings().database_url)
    size = file.stat().st_size
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.fields[rows]} 条"),
        TransferSpeedColumn(),
        TimeElapsedColumn(),
    )
    with UnitOfWork(engine) as uow, Progress(*columns, console=console) as bar:
        task = bar.add_task(f"导入 {file.name}", total=None, rows=0)
        actor = _actor(uow, user)
        result = importer.import_file(
            uow, actor, kind, file, source=source, batch_size=batch,
            progress=lambda n: bar.update(task, rows=n),
        )  # fmt: skip
        bar.update(task, total=size, completed=size)
    if not result.matcher:
        console.print("[yellow]no address library installed: addresses kept as text, marked unmatched[/yellow]")
    console.print(
        f"read {result.read} / accepted {result.accepted} / fixed {result.fixed} / quarantined {result.quarantined}"
        f"  (new {result.new}, changed {result.changed}; run {result.run_id})"
    )
    if not result.balanced:
        raise typer.Exit(1)


def _make(kind_plural: str):  # type: ignore[no-untyped-def]
    def command(
        file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX or JSON Lines file")],
        source: Annotated[str, typer.Option(help="import | public_security | civil_affairs | ...")] = "import",
        user: AsUser = None,
        batch: Annotated[int, typer.Option(min=100, help="records per committed batch")] = importer.BATCH,
    ) -> None:
        _import(KINDS[kind_plural], file, source, user, batch)

    command.__doc__ = f"Import {kind_plural}: accepted, fixed (listed) or quarantined (with reasons)."
    return command


for _plural in KINDS:
    import_app.command(_plural)(_make(_plural))


@reports_app.command("register")
def reports_register(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="the department's XLSX template")],
    code: Annotated[str, typer.Option(help="short code, e.g. elderly-alone")],
    name: Annotated[str, typer.Option(help="name shown to users")],
    mapping: Annotated[Path, typer.Option(exists=True, help="YAML or JSON mapping of cells to queries")],
    department: Annotated[str | None, typer.Option()] = None,
    replace: Annotated[bool, typer.Option(help="replace a template with the same code")] = False,
    user: AsUser = None,
) -> None:
    """Register a department's template with its mapping."""
    spec = yaml.safe_load(mapping.read_text("utf-8"))
    with UnitOfWork(make_engine(get_settings().database_url)) as uow:
        command = RegisterTemplate(code, name, file.read_bytes(), spec, department=department, replace=replace)
        templates.register_template(uow, _actor(uow, user), command)
        uow.commit()
    console.print(f"template {code} registered")


@reports_app.command("fill")
def reports_fill(
    template: Annotated[str, typer.Argument(help="template code")],
    area: Annotated[str, typer.Option(help="area code the report is for")],
    out: Annotated[Path | None, typer.Option(help="output file (default TEMPLATE-AREA.xlsx)")] = None,
    user: AsUser = None,
) -> None:
    """Fill a registered template for an area; the template's formatting is kept."""
    with UnitOfWork(make_engine(get_settings().database_url)) as uow:
        body = templates.fill(uow, _actor(uow, user), template, area)
        uow.commit()
    target = out or Path(f"{template}-{area}.xlsx")
    target.write_bytes(body)
    console.print(f"written {target}")


@reports_app.command("export")
def reports_export(
    query: Annotated[str, typer.Argument(help=f"one of: {', '.join(reports.QUERIES)}")],
    area: Annotated[str, typer.Option()],
    format: Annotated[str, typer.Option(help="csv or json")] = "csv",
    params: Annotated[str, typer.Option(help='JSON parameters, e.g. {"tag": "独居老人"}')] = "{}",
    user: AsUser = None,
) -> None:
    """Print a query's data as CSV or JSON for a department's system."""
    with UnitOfWork(make_engine(get_settings().database_url)) as uow:
        result = reports.run_query(uow, _actor(uow, user), query, area, json.loads(params))
    typer.echo(reports.export(result, format)[0], nl=False)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.add_typer(reports_app, name="reports")
