"""The `gridbrain` command. Thin: parse, call a service, print.

Capabilities add their own commands through an optional `commands.py` with
`register(app: typer.Typer)`. Every command runs through `main`, which checks the database
first and answers every known failure in one line (exit code 2); `--debug` or GRIDBRAIN_DEBUG=1
shows the traceback instead.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import Engine
from typer import _click as click

from gridbrain import preflight
from gridbrain.config import get_settings
from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork
from gridbrain.explain import Problem, explain
from gridbrain.migrate import upgrade
from gridbrain.plugins import CAPABILITIES, optional

app = typer.Typer(
    help="gridbrain — 基层智治大脑: a grassroots smart-governance brain (--debug: tracebacks).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Staff users and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
console = Console()


def engine(*, creates_schema: bool = False) -> Engine:
    """The engine of GRIDBRAIN_DATABASE_URL, checked (see `preflight.database`)."""
    return preflight.database(get_settings(), creates_schema=creates_schema)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version (GRIDBRAIN_DATABASE_URL)."""
    eng = engine(creates_schema=True)
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
def users_token(
    name: Annotated[str, typer.Argument(help="login name")],
    days: Annotated[int | None, typer.Option(help="valid this many days (default GRIDBRAIN_TOKEN_TTL_DAYS)")] = None,
    label: Annotated[str, typer.Option(help="what the token is for")] = "cli",
) -> None:
    """Print a new bearer token for scripts (Authorization: Bearer ...); it expires."""
    from gridbrain.core import audit

    with UnitOfWork(engine()) as uow:
        token = auth.issue_token(uow, name, label, days=days)
        audit.record(uow, "core:token:issued", actor=auth.Actor.system("cli"), subject_id=name)
        uow.commit()
    typer.echo(token)


@users_app.command("tokens")
def users_tokens(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """List a user's bearer tokens (never the tokens themselves)."""
    with UnitOfWork(engine()) as uow:
        views = auth.list_tokens(uow, name)
    for v in views:
        state = "live" if v.live else ("revoked" if v.revoked_at else "expired")
        expires = v.expires_at.isoformat(timespec="minutes") if v.expires_at else "never"
        typer.echo(f"{v.id}\t{v.name}\t{state}\tmade {v.created_at.isoformat(timespec='minutes')}\texpires {expires}")


@users_app.command("revoke")
def users_revoke(
    name: Annotated[str, typer.Argument(help="login name")],
    token_id: Annotated[
        int | None, typer.Option("--token", help="one token's id (from `users tokens`); default all")
    ] = None,
) -> None:
    """Revoke one of a user's bearer tokens, or all of them."""
    from gridbrain.core import audit

    with UnitOfWork(engine()) as uow:
        n = auth.revoke_tokens(uow, name, token_id=token_id)
        audit.record(
            uow, "core:token:revoked", actor=auth.Actor.system("cli"), subject_id=name, detail={"token": token_id}
        )
        uow.commit()
    typer.echo(f"revoked {n} token(s) of {name}")


@users_app.command("deactivate")
def users_deactivate(name: Annotated[str, typer.Argument(help="login name")]) -> None:
    """Deactivate a user: every session ends and every token is revoked at once."""
    from gridbrain.core import audit

    with UnitOfWork(engine()) as uow:
        auth.set_active(uow, name, False)
        audit.record(uow, "core:user:deactivated", actor=auth.Actor.system("cli"), subject_id=name)
        uow.commit()
    typer.echo(f"{name} deactivated; sessions ended, tokens revoked")


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[bool, typer.Option(help="run background workers in this process")] = True,
) -> None:
    """Serve the web application and API."""
    import uvicorn

    from gridbrain.app import create_app
    from gridbrain.core.masking import redact_logs

    config = uvicorn.Config(create_app(workers=workers), host=host, port=port, log_level="info")
    redact_logs("uvicorn.access", "uvicorn.error")  # after Config, which sets up uvicorn's loggers
    uvicorn.Server(config).run()


def _register_capability_commands() -> None:
    from gridbrain.bench import commands as bench_commands  # these two always exist
    from gridbrain.demo import commands as demo_commands

    for cap in CAPABILITIES:  # a capability has a commands.py when it has commands
        mod = optional(f"gridbrain.{cap}.commands")
        if mod is not None:
            mod.register(app)
    demo_commands.register(app)
    bench_commands.register(app)


_register_capability_commands()


# commands that work without the schema at the newest migration (they create it, or use none)
NO_SCHEMA = {("db", "upgrade"), ("demo-data",), ("demo-logins",), ("catalog", "validate"), ("bench",)}
# count-like options: a negative value is refused by the parser, for every capability's command
NON_NEGATIVE = {
    "limit", "n", "records", "batch", "events", "per_kind", "matches", "concurrency", "threads", "rate",
    "rate_seconds", "scale", "fraction", "dirty",
}  # fmt: skip


def _command_path(root: click.Command, args: Sequence[str]) -> tuple[str, ...]:
    path: list[str] = []
    node = root
    for tok in args:
        commands = getattr(node, "commands", None)
        if tok.startswith("-") or not commands or tok not in commands:
            break
        path.append(tok)
        node = commands[tok]
    return tuple(path)


def _guard_counts(node: click.Command) -> None:
    """Every capability's count-like option refuses a negative number, as `typer.Option(min=0)` would."""
    for sub in getattr(node, "commands", {}).values():
        _guard_counts(sub)
    for p in node.params:
        described = getattr(p, "type_descriptor", None)
        if described is None or described.annotation not in (int, float) or p.name not in NON_NEGATIVE:
            continue
        if described.parameter_info.min is None:
            described.parameter_info.min = 0
            p.min = 0  # type: ignore[attr-defined]  # shown in --help


def _check_database(root: click.Command, args: Sequence[str]) -> None:
    path = _command_path(root, args)
    if not path or "--help" in args or any(path[: len(p)] == p for p in NO_SCHEMA):
        return
    preflight.database(get_settings()).dispose()


def _fail(message: str, code: int) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(code)


def main(argv: Sequence[str] | None = None) -> None:
    """The `gridbrain` entry point: every failure a user can cause is one line and exit code 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args or os.environ.get("GRIDBRAIN_DEBUG", "") not in ("", "0")
    args = [a for a in args if a != "--debug"]
    root = typer.main.get_command(app)
    _guard_counts(root)
    try:
        _check_database(root, args)
        code = root.main(args, prog_name="gridbrain", standalone_mode=False)
    except click.exceptions.UsageError as e:
        where = f" (see `{e.ctx.command_path} --help`)" if e.ctx else ""
        _fail(f"{e.format_message()}{where}", 2)
    except (typer.Abort, KeyboardInterrupt):
        _fail("interrupted", 130)
    except Exception as e:
        if debug:
            raise
        known = explain(e)
        if known is not None:
            _fail(known, e.exit_code if isinstance(e, Problem) else 2)
        _fail(f"unexpected {type(e).__name__}: {e} (rerun with --debug or GRIDBRAIN_DEBUG=1 for the traceback)", 1)
    raise SystemExit(code if isinstance(code, int) else 0)
