"""`gridbrain addresses ...`: match a CSV of texts, import a library, fill H3 cells."""

from __future__ import annotations

import csv
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from gridbrain.config import get_settings
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, make_engine

if TYPE_CHECKING:
    from gridbrain.addresses.resident import Labelled
    from gridbrain.addresses.variants import Variant

addresses_app = typer.Typer(help="Standard address library (标准地址库).", no_args_is_help=True)
console = Console(stderr=True)

OUT_COLUMNS = ("text", "resolved", "code", "level", "address", "grid_code", "lat", "lng", "h3", "score", "alternatives")


def register(app: typer.Typer) -> None:
    app.add_typer(addresses_app, name="addresses")


@addresses_app.command("match")
def match_file(
    file: Annotated[Path, typer.Argument(help="CSV with a 'text' column (or texts in the first column)", exists=True)],
    out: Annotated[Path | None, typer.Option(help="write the answers here (default: standard output)")] = None,
) -> None:
    """Match every text of a CSV to the standard address library; writes a CSV of answers."""
    from gridbrain.addresses.matcher import matcher_for

    engine = make_engine(get_settings().database_url)
    m = matcher_for(engine)
    with file.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader, [])
        col = header.index("text") if "text" in header else 0
        rows = [] if "text" in header else [header]
        target = out.open("w", encoding="utf-8", newline="") if out else sys.stdout
        w = csv.writer(target)
        w.writerow(OUT_COLUMNS)
        n = resolved = 0
        for row in (*rows, *reader):
            if not row or col >= len(row):
                continue
            r = m.match(row[col])
            n += 1
            resolved += r.resolved
            w.writerow(
                [
                    row[col],
                    int(r.resolved),
                    r.code or "",
                    r.level or "",
                    r.text or "",
                    r.grid_code or "",
                    "" if r.lat is None else f"{r.lat:.6f}",
                    "" if r.lng is None else f"{r.lng:.6f}",
                    r.h3 or "",
                    f"{r.score:.3f}",
                    "|".join(c.code for c in r.alternatives),
                ]
            )
        if out:
            target.close()
        else:
            sys.stdout.flush()
    console.print(f"{n} texts, {resolved} resolved, {n - resolved} unresolved")


@addresses_app.command("import")
def import_file(
    file: Annotated[
        Path,
        typer.Argument(
            help="library CSV (code,parent_code,level,full_text,road,number,"
            "compound,building,unit,room,grid_code,lat,lng,aliases)",
            exists=True,
        ),
    ],
    skip_invalid: Annotated[bool, typer.Option(help="import the valid rows when some are bad")] = False,
) -> None:
    """Import a standard address library from CSV, checking every row first."""
    from gridbrain.addresses import service

    engine = make_engine(get_settings().database_url)
    with UnitOfWork(engine) as uow, file.open(encoding="utf-8-sig", newline="") as f:
        report = service.import_csv(
            uow,
            Actor.system("cli"),
            f,
            skip_invalid=skip_invalid,
            reopen=lambda: file.open(encoding="utf-8-sig", newline=""),
        )
    for e in report.errors[:50]:
        console.print(f"line {e['line']} [{e['code']}]: {e['field']}: {e['rule']}")
    console.print(
        f"{report.rows} rows read, {report.imported} imported, {report.aliases} aliases, {report.error_count} problems"
    )
    if report.error_count and not skip_invalid:
        raise typer.Exit(1)


@addresses_app.command("export")
def export_file(file: Annotated[Path, typer.Argument(help="CSV to write, in the import format")]) -> None:
    """Write the standard address library as CSV (the format `gridbrain addresses import` reads)."""
    from gridbrain.addresses import service
    from gridbrain.addresses.matcher import reader

    engine = make_engine(get_settings().database_url)
    with reader(engine) as conn, file.open("w", encoding="utf-8", newline="") as f:
        n = service.export_csv(conn, f)
    console.print(f"{n} addresses written to {file}")


@addresses_app.command("fill-h3")
def fill_h3() -> None:
    """Compute the missing H3 cells (resolution 9 and 11) of the library."""
    from gridbrain.addresses import service

    engine = make_engine(get_settings().database_url)
    with UnitOfWork(engine) as uow:
        n = service.fill_missing_h3(uow, Actor.system("cli"))
    console.print(f"{n} addresses given H3 cells")


@addresses_app.command("variants")
def variants(
    out: Annotated[Path, typer.Argument(help="CSV to write: kind,text,expected_code,expected_level,expected_grid")],
    per_kind: Annotated[int, typer.Option(help="variants of each kind")] = 250,
    seed: Annotated[int, typer.Option(help="random seed")] = 20261124,
    residents: Annotated[
        bool, typer.Option(help="the residents' set instead (resident.py: homophones, traditional, ...)")
    ] = False,
) -> None:
    """Write the labelled set of messy address variants generated from the library."""
    from gridbrain.addresses.matcher import matcher_for
    from gridbrain.addresses.resident import generate_resident
    from gridbrain.addresses.variants import generate, load_rows

    engine = make_engine(get_settings().database_url)
    items: Sequence[Variant | Labelled]
    with engine.connect() as conn:
        if residents:
            made = generate_resident(conn, per_kind=per_kind, seed=seed)
            items = made.variants + made.ambiguous
        else:
            rows, aliases = load_rows(conn, per_kind * 4, seed)
    if not residents:
        items = generate(matcher_for(engine), rows, aliases, per_kind=per_kind, seed=seed)
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(("kind", "text", "expected_code", "expected_level", "expected_grid"))
        for v in items:
            w.writerow((v.kind, v.text, v.code, v.level, v.grid_code))
    console.print(f"{len(items)} variants written to {out}")
