"""The `gridbrain` command. Thin: parse, call a service, print.

Capabilities add their own commands through an optional `commands.py` with
`register(app: typer.Typer)`.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import Engine

from gridbrain.config import get_settings
from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.core.errors import DomainError
from gridbrain.migrate import upgrade
from gridbrain.plugins import CAPABILITIES, optional

app = typer.Typer(help="gridbrain — 基层智治大脑: a grassroots smart-governance brain.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console()


def engine() -> Engine:
    """The engine of GRIDBRAIN_DATABASE_URL."""
    return make_engine(get_settings().database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version (GRIDBRAIN_DATABASE_URL)."""
    eng = engine()
    upgrade(eng)
    from gridbrain.areas.service import sync_department_types

    with UnitOfWork(eng) as uow:
        n = sync_department_types(uow)
        uow.commit()
    console.print(f"schema up to date on {eng.dialect.name}; {n} department types")


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="login name")],
    role: Annotated[str, typer.Option(help=f"one of: {', '.join(auth.Role)}")],
    area: Annotated[str | None, typer.Option(help="area code the user may see (not for admin)")] = None,
    password: Annotated[str | None, typer.Option(help="password (asked for when omitted)")] = None,
    display_name: Annotated[str | None, typer.Option(help="name shown in pages")] = None,
    department: Annotated[str | None, typer.Option(help="department code, for department handlers")] = None,
) -> None:
    """Create a staff user."""
    if password is None:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    with UnitOfWork(engine()) as uow:
        actor = auth.create_user(
            uow,
            name,
            role=role,
            password=password,
            area_code=area,
            display_name=display_name,
            department_code=department,
        )
        from gridbrain.core import audit

        audit.record(
            uow,
            "core:user:created",
            actor=auth.Actor.system("cli"),
            subject_id=name,
            area_code=area,
            detail={"role": role},
        )
        uow.commit()
    console.print(f"user {actor.username} ({actor.role}) created, area {actor.area_code or 'all'}")


@users_app.command("token")
def users_token(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Print a new bearer token for scripts (Authorization: Bearer ...)."""
    with UnitOfWork(engine()) as uow:
        token = auth.issue_token(uow, name)
        from gridbrain.core import audit

        audit.record(uow, "core:token:issued", actor=auth.Actor.system("cli"), subject_id=name)
        uow.commit()
    typer.echo(token)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[bool, typer.Option(help="run background workers in this process")] = True,
) -> None:
    """Serve the web application and API."""
    import uvicorn

    from gridbrain.app import create_app

    uvicorn.run(create_app(workers=workers), host=host, port=port, log_level="info")


def _register_capability_commands() -> None:
    for cap in (*CAPABILITIES, "demo", "bench"):
        mod = optional(f"gridbrain.{cap}.commands")
        if mod is not None:
            mod.register(app)


_register_capability_commands()


def main() -> None:
    try:
        app()
    except DomainError as e:
        console.print(f"[red]error:[/red] {e.message}")
        raise SystemExit(2) from e
