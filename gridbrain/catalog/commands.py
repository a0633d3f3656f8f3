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
    model: Annotated[Path | None, typer.Option(help="a model file (default: the model in force)")] = None,
    fresh: Annotated[bool, typer.Option(help="train a model from the shipped data first and score it")] = False,
    every: Annotated[int, typer.Option(help="score every n-th text only", min=1)] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="the figures as JSON on stdout")] = False,
) -> None:
    """Score the classifier on the hand-written evaluation set (never trained on): top-1/top-3
    matter, responsible department, per-department precision and recall, confused pairs,
    calibration, the triage threshold's share and accuracy, texts outside the catalog."""
    import dataclasses
    import time

    from gridbrain.catalog import classifier, evaluation
    from gridbrain.catalog.loader import shipped_catalog

    catalog = shipped_catalog()
    with console.status("loading / training the model..."):
        if fresh:
            clf = classifier.train_from_catalog(catalog)
        elif model is not None:
            clf = classifier.Classifier.load(model)
        else:
            clf = classifier.default_classifier()
    cases = evaluation.subset(evaluation.load_cases(), every)
    started = time.perf_counter()
    report = evaluation.evaluate(clf.predict_many, catalog, cases, threshold=classifier.DEFAULT_THRESHOLD)
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report), ensure_ascii=False))
    else:
        typer.echo(evaluation.render(report, catalog))
        typer.echo(
            f"\nscored {len(cases)} texts in {seconds:.2f} s ({len(cases) / seconds:,.0f} texts/s incl. decisions)"
        )
