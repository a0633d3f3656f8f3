"""`gridbrain bench ...`: benchmarks that print measured figures (recorded in BENCHMARKS.md).

Each module `gridbrain/bench/<name>.py` with `register(bench: typer.Typer)` adds its own
subcommand, so `gridbrain bench intake`, `gridbrain bench addresses`, ... stay independent.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

import gridbrain.bench

bench_app = typer.Typer(help="Benchmarks: print measured figures.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    for info in pkgutil.iter_modules(gridbrain.bench.__path__):
        if info.name not in ("commands", "measure"):
            mod = importlib.import_module(f"gridbrain.bench.{info.name}")
            if hasattr(mod, "register"):
                mod.register(bench_app)
    app.add_typer(bench_app, name="bench")
