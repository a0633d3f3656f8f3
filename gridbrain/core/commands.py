"""Kernel commands: `gridbrain audit verify | seal | head`, `gridbrain backup FILE`, `gridbrain restore FILE`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import Engine

from gridbrain.config import get_settings
from gridbrain.core import audit_chain, backup
from gridbrain.core.db import make_engine

audit_app = typer.Typer(help="the audit trail's hash chain", no_args_is_help=True)


def _engine() -> Engine:
    return make_engine(get_settings().database_url)


@audit_app.command("seal")
def audit_seal() -> None:
    """Seal every committed audit entry into the chain (the server does this every few seconds)."""
    typer.echo(f"sealed {audit_chain.seal_all(_engine())} entries")


@audit_app.command("verify")
def audit_verify() -> None:
    """Seal what waits, then recompute the whole chain; names the first broken entry (exit 1)."""
    engine = _engine()
    audit_chain.seal_all(engine)
    started = time.perf_counter()
    verdict = audit_chain.verify(engine)
    took = time.perf_counter() - started
    if verdict.ok:
        typer.echo(f"audit chain holds: {verdict.checked} entries checked in {took:.2f} s")
        return
    where = f"entry {verdict.broken_id}" if verdict.broken_id is not None else "the end of the chain"
    typer.echo(f"audit chain broken at {where} (chain position {verdict.broken_seq}): {verdict.reason}", err=True)
    raise typer.Exit(1)


@audit_app.command("head")
def audit_head() -> None:
    """Print the newest sealed position and its hash, to keep outside the database."""
    seq, digest = audit_chain.head(_engine())
    typer.echo(f"{seq} {digest}")


def backup_cmd(
    file: Annotated[Path, typer.Argument(help="the backup file to write (a tar)")],
) -> None:
    """Write every table into one file (logical: restores into SQLite or PostgreSQL)."""
    copies = backup.backup(_engine(), file)
    typer.echo(f"backed up {sum(c.rows for c in copies):,} rows of {len(copies)} tables into {file}")


def restore_cmd(
    file: Annotated[Path, typer.Argument(help="a file written by `gridbrain backup`")],
    replace: Annotated[bool, typer.Option("--replace", help="empty a database that holds data first")] = False,
) -> None:
    """Load a backup into this database (same schema version); every count and checksum is compared."""
    if not file.is_file():
        raise typer.BadParameter(f"{file} does not exist", param_hint="FILE")
    copies = backup.restore(_engine(), file, replace=replace)
    typer.echo(f"restored {sum(c.rows for c in copies):,} rows of {len(copies)} tables; counts and checksums match")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
