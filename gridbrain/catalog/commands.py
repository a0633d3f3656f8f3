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
    calibrate: Annotated[bool, typer.Option(help="fit the confidence temperature (slower, better calibrated)")] = True,
) -> None:
    """Train a candidate model (shipped texts, learned work orders, the event hub's returns and
    re-classifications), score it and the model in force on the evaluation set, and publish it
    only when it is not worse. Running servers take a published model within seconds."""
    from gridbrain.catalog import service

    with console.status("training and scoring..."), UnitOfWork(make_engine(get_settings().database_url)) as uow:
        result = service.retrain_candidate(uow, Actor.system("cli"), calibrate=calibrate)
    c, old = result.candidate, result.in_force
    console.print(f"candidate {c.version}: matter top-1 {c.top1:.3f}, responsible department {c.responsible:.3f}")
    if old is not None:
        console.print(
            f"in force  {old.version}: matter top-1 {old.top1:.3f}, responsible department {old.responsible:.3f}"
        )
    console.print("published: the candidate is in force" if result.published else "kept: the candidate is worse")


@app.command("learn")
def learn(
    file: Annotated[
        Path, typer.Argument(help="closed work orders: CSV or XLSX with text, department[, matter]", exists=True)
    ],
    then_retrain: Annotated[bool, typer.Option("--retrain/--no-retrain", help="retrain after learning")] = True,
) -> None:
    """Map closed work orders onto the catalog (the matter given, else the best matter of the
    final department), report what could not be mapped, keep the rest (masked) and retrain."""
    from gridbrain.catalog import classifier, learning, service
    from gridbrain.catalog.loader import department_names

    with UnitOfWork(make_engine(get_settings().database_url)) as uow:
        catalog = service.active_catalog(uow)
    orders = learning.read_work_orders(file)
    report = learning.map_work_orders(orders, catalog, classifier.classify_many, department_names())
    kept = learning.keep_learned(report.mapped, source=file.name)
    console.print(f"read {report.read} work orders: {kept} mapped onto the catalog, {len(report.unmapped)} not")
    for line, reason in report.unmapped[:20]:
        console.print(f"  line {line}: {reason}")
    if len(report.unmapped) > 20:
        console.print(f"  … and {len(report.unmapped) - 20} more")
    if then_retrain and kept:
        retrain(calibrate=True)


@app.command("models")
def list_models() -> None:
    """Saved classifier models, newest first; * marks the one in force."""
    from gridbrain.catalog import models

    active = models.active_version()
    rows = models.list_models()
    if not rows:
        console.print("no model published yet (the first run's model is in var/models/classifier.pkl)")
    for m in rows:
        mark = "*" if m.version == active else " "
        typer.echo(
            f"{mark} {m.version}  top-1 {m.top1:.3f}  responsible {m.responsible:.3f}  "
            f"trained on {m.trained_on}  {m.created_at}  {m.note}"
        )


@app.command("rollback")
def rollback(version: Annotated[str, typer.Argument(help="a version from `gridbrain catalog models`")]) -> None:
    """Put an earlier model in force again."""
    from gridbrain.catalog import service

    with UnitOfWork(make_engine(get_settings().database_url)) as uow:
        info = service.rollback_model(uow, Actor.system("cli"), version)
    console.print(f"model {info.version} is in force (top-1 {info.top1:.3f}, responsible {info.responsible:.3f})")


@app.command("evaluate")
def evaluate(
    model: Annotated[Path | None, typer.Option(help="a model file (default: the model in force)")] = None,
    fresh: Annotated[bool, typer.Option(help="train a model from the shipped data first and score it")] = False,
    every: Annotated[int, typer.Option(help="score every n-th text only", min=1)] = 1,
    threshold: Annotated[float | None, typer.Option(help="triage threshold (default: the one in force)")] = None,
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
    at = classifier.DEFAULT_THRESHOLD if threshold is None else threshold
    report = evaluation.evaluate(clf.predict_many, catalog, cases, threshold=at)
    seconds = time.perf_counter() - started
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(report), ensure_ascii=False))
    else:
        typer.echo(evaluation.render(report, catalog))
        typer.echo(
            f"\nscored {len(cases)} texts in {seconds:.2f} s ({len(cases) / seconds:,.0f} texts/s incl. decisions)"
        )


@app.command("bench")
def bench(
    model: Annotated[Path | None, typer.Option(help="a model file (default: the model in force)")] = None,
) -> None:
    """Speed of the classifier in a fresh process on one core: load, texts/s batched, p50/p99 of
    one text and of the full decision, peak memory (JSON on stdout)."""
    import subprocess
    import sys

    from gridbrain.catalog import classifier, models

    if model is None:
        version = models.active_version()
        model = models.model_file(version) if version else classifier.model_path()
        if not model.exists():
            classifier.default_classifier()  # the first run trains and saves one
    out = subprocess.run(  # noqa: S603 - our own module with a path, no shell
        [sys.executable, "-m", "gridbrain.catalog.speed", str(model)], check=True, capture_output=True, text=True
    )
    typer.echo(out.stdout.strip())
