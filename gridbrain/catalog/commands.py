"""`gridbrain catalog ...`: check a catalog file, retrain the classifier, measure it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from gridbrain.config import get_settings
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, make_engine

app = typer.Typer(help="Matter catalog (事项清单) and the classifier (定性定责).", no_args_is_help=True)
console = Console(stderr=True)


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="catalog")


@app.command("validate")
def validate(
    path: Annotated[Path, typer.Argument(help="a catalog YAML file", exists=True)],
    overrides: Annotated[Path | None, typer.Option(help="a district override file applied on top")] = None,
) -> None:
    """Load and check a catalog file; prints how many matters it holds or the first error."""
    from gridbrain.catalog.loader import load_catalog

    catalog = load_catalog(path, overrides=overrides)
    console.print(f"catalog {catalog.version}: {len(catalog)} matters, {len(catalog.grid_list())} in the grid list")


@app.command("retrain")
def retrain(
    corrections: Annotated[bool, typer.Option(help="learn from triage corrections and returns (退单)")] = True,
    out: Annotated[Path | None, typer.Option(help="model file (default: <var_dir>/models/classifier.pkl)")] = None,
) -> None:
    """Retrain the text classifier on the active catalog, the labelled texts and the corrections."""
    from gridbrain.catalog import service

    with console.status("training the classifier..."), UnitOfWork(make_engine(get_settings().database_url)) as uow:
        figures = service.retrain(uow, Actor.system("cli"), path=out, use_corrections=corrections)
    console.print(
        f"trained on {figures['samples']} texts ({figures['corrections']} corrections) for "
        f"{figures['matters']} matters of catalog {figures['catalog_version']} in {figures['train_s']} s "
        f"→ {figures['path']}"
    )


@app.command("evaluate")
def evaluate(
    fraction: Annotated[float, typer.Option(help="held-out share of the labelled reports")] = 0.2,
    seed: Annotated[int, typer.Option(help="seed of the held-out split")] = 20261124,
) -> None:
    """Top-1 / top-3 accuracy and texts/s on a held-out split of the labelled texts (JSON on stdout)."""
    from gridbrain.catalog import classifier
    from gridbrain.catalog.loader import load_labelled_texts, shipped_catalog

    train, test = classifier.held_out_split(load_labelled_texts(), fraction=fraction, seed=seed)
    with console.status("training and scoring..."):
        figures = classifier.evaluate(train, test, base=classifier.catalog_samples(shipped_catalog()))
    typer.echo(json.dumps({k: round(v, 4) for k, v in figures.items()}))
