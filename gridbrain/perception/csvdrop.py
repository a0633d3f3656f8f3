"""The CSV drop adapter: periodic statistical reports as files, one reading per row.

Columns: `device_id`, `ts` (ISO 8601), then one column per measure; an empty cell is a measure
not reported. The file is read in batches, never whole."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gridbrain.perception.intake import Incoming


def _number(cell: str) -> Any:
    try:
        return float(cell)
    except ValueError:
        return cell  # admission rejects it by name (schema), with the row as its sample


def rows_of(path: Path, *, batch: int = 2000) -> Iterator[list[Incoming]]:
    """The file's readings as intake items, `batch` at a time."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        out: list[Incoming] = []
        for row in csv.DictReader(f):
            values = {
                k: _number(v) for k, v in row.items() if k not in ("device_id", "ts") and k and v not in ("", None)
            }
            out.append(Incoming("csv", {"device_id": row.get("device_id"), "ts": row.get("ts"), "values": values}))
            if len(out) >= batch:
                yield out
                out = []
        if out:
            yield out
