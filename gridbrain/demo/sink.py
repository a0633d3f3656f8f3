"""Bulk writers for seed-scale loads: executemany on SQLite, COPY on PostgreSQL.

Rows arrive as tuples in the order of the given columns, in batches, so nothing seed-sized
is ever held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

BATCH = 20_000


def batches(rows: Iterable[tuple[Any, ...]], size: int = BATCH) -> Iterator[list[tuple[Any, ...]]]:
    it = iter(rows)
    while batch := list(islice(it, size)):
        yield batch


OnBatch = Callable[[int], None] | None  # told the size of each batch written


@dataclass(frozen=True)
class _Load:
    """One bulk write: the table, its columns in row order, and which of them need converting."""

    table: sa.Table
    columns: list[str]
    json_cols: set[int]
    time_cols: set[int]
    on_batch: OnBatch

    @property
    def column_list(self) -> str:
        return ", ".join(f'"{c}"' for c in self.columns)

    def written(self, batch: list[tuple[Any, ...]]) -> int:
        if self.on_batch:
            self.on_batch(len(batch))
        return len(batch)


class Sink:
    """Writes many rows into one table, as fast as the database allows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(
        self, table: sa.Table, columns: list[str], rows: Iterable[tuple[Any, ...]], on_batch: OnBatch = None
    ) -> int:
        json_cols = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)}
        time_cols = {
            i
            for i, c in enumerate(columns)
            if isinstance(table.c[c].type, sa.DateTime)
            or getattr(table.c[c].type, "impl", None).__class__ is sa.DateTime
        }
        load = _Load(table, columns, json_cols, time_cols, on_batch)
        raw = self.engine.raw_connection()
        try:
            cur = raw.cursor()
            n = _copy(cur, load, rows) if self.postgres else _insert(cur, load, rows)
            raw.commit()
        finally:
            raw.close()
        return n


def _copy(cur: Any, load: _Load, rows: Iterable[tuple[Any, ...]]) -> int:
    n = 0
    with cur.copy(f'COPY "{load.table.name}" ({load.column_list}) FROM STDIN') as copy:
        for batch in batches(rows):
            for row in batch:
                if load.json_cols:
                    row = tuple(
                        json.dumps(v, ensure_ascii=False) if i in load.json_cols and v is not None else v
                        for i, v in enumerate(row)
                    )
                copy.write_row(row)
            n += load.written(batch)
    return n


def _insert(cur: Any, load: _Load, rows: Iterable[tuple[Any, ...]]) -> int:
    n = 0
    marks = ", ".join("?" for _ in load.columns)
    sql = f'INSERT INTO "{load.table.name}" ({load.column_list}) VALUES ({marks})'  # noqa: S608 - names from our metadata
    cur.execute("PRAGMA synchronous=OFF")  # a bulk load is all or nothing: re-run it on failure
    cur.execute("BEGIN")
    for batch in batches(rows):
        if load.json_cols or load.time_cols:
            batch = [tuple(_sqlite_value(v, i in load.json_cols) for i, v in enumerate(row)) for row in batch]
        cur.executemany(sql, batch)
        n += load.written(batch)
    cur.execute("COMMIT")
    cur.execute("PRAGMA synchronous=NORMAL")
    return n


def _sqlite_value(v: Any, is_json: bool) -> Any:
    if v is None:
        return None
    if is_json:
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, datetime):
        # stored as SQLAlchemy stores DateTime on SQLite: naive UTC text
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    return v
