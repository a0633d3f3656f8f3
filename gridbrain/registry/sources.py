"""Reading the files an import takes: CSV, XLSX or JSON Lines, row by row (never whole in
memory), headings mapped from their Chinese or English names to field names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridbrain.core.errors import Invalid
from gridbrain.registry import model
from gridbrain.registry.model import RecordSpec

FORMATS = ("csv", "xlsx", "jsonl")


def detect_format(filename: str) -> str:
    suffix = Path(filename).suffix.lower().lstrip(".")
    fmt = {"json": "jsonl", "ndjson": "jsonl", "xlsm": "xlsx"}.get(suffix, suffix)
    if fmt not in FORMATS:
        raise Invalid("file", f"format must be one of {', '.join(FORMATS)} (by file name), got .{suffix}")
    return fmt


@dataclass
class RawRow:
    number: int  # 1-based data row (line for JSON Lines)
    values: dict[str, Any]
    problem: str | None = None  # the row could not even be parsed


def read_rows(path: Path, fmt: str, spec: RecordSpec) -> Iterator[RawRow]:
    """Rows as {field name: raw value}, headings mapped from Chinese or English names."""
    headings = spec.heading_map()
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None:
                return
            names = [headings.get(model.halfwidth(h).strip()) for h in header]
            for i, row in enumerate(reader, start=1):
                yield RawRow(i, {n: v for n, v in zip(names, row, strict=False) if n is not None})
    elif fmt == "xlsx":
        import openpyxl

        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            rows = wb.worksheets[0].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                return
            names = [headings.get(model.halfwidth(str(h)).strip()) if h is not None else None for h in header]
            for i, row in enumerate(rows, start=1):
                if all(v is None for v in row):
                    continue
                yield RawRow(i, {n: v for n, v in zip(names, row, strict=False) if n is not None and v is not None})
        finally:
            wb.close()
    else:
        with path.open(encoding="utf-8-sig") as fh:
            for i, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as e:
                    yield RawRow(i, {"line": line.strip()[:500]}, f"malformed JSON: {e.msg}")
                    continue
                if not isinstance(obj, dict):
                    yield RawRow(i, {"line": line.strip()[:500]}, "a line must hold one JSON object")
                    continue
                yield RawRow(i, {headings[k]: v for k, v in obj.items() if k in headings})
