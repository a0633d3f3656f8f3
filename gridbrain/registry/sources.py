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
    """Rows as {field name: raw value}, headings mapped from Chinese or English names. A file
    that is not what its format says (not UTF-8, not a workbook) is refused as a whole, naming
    the file; a line that cannot be read is answered as that line's problem."""
    headings = spec.heading_map()
    reader = {"csv": _csv_rows, "xlsx": _xlsx_rows}.get(fmt, _jsonl_rows)
    try:
        yield from reader(path, headings)
    except UnicodeDecodeError as e:
        raise Invalid("file", f"not UTF-8 text (byte {e.start})") from e


def _csv_rows(path: Path, headings: dict[str, str]) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        try:
            header = next(reader, None)
        except csv.Error as e:
            raise Invalid("file", f"not a CSV file ({e})") from e
        if header is None:
            return
        names = [headings.get(model.halfwidth(h).strip()) for h in header]
        for i, row in enumerate(reader, start=1):
            yield RawRow(i, {n: v for n, v in zip(names, row, strict=False) if n is not None})


def _xlsx_rows(path: Path, headings: dict[str, str]) -> Iterator[RawRow]:
    import zipfile

    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as e:
        raise Invalid("file", "not a real XLSX workbook") from e
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


def _jsonl_rows(path: Path, headings: dict[str, str]) -> Iterator[RawRow]:
    with path.open(encoding="utf-8-sig") as fh:
        for i, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                yield RawRow(i, {"line": line.strip()[:500]}, f"malformed JSON: {e.msg}")
                continue
            except RecursionError:
                yield RawRow(i, {"line": line.strip()[:500]}, "JSON nested too deeply")
                continue
            if not isinstance(obj, dict):
                yield RawRow(i, {"line": line.strip()[:500]}, "a line must hold one JSON object")
                continue
            yield RawRow(i, {headings[k]: v for k, v in obj.items() if k in headings})
