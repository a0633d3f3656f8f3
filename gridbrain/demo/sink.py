"""Bulk writers for seed-scale loads: executemany on SQLite, COPY on PostgreSQL.

Rows arrive as tuples in the order of the given columns, in batches, so nothing seed-sized
is ever held in memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
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


class Sink:
    """Writes many rows into one table, as fast as the database allows."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"

    def write(self, table: sa.Table, columns: list[str], rows: Iterable[tuple[Any, ...]], on_batch: Any = None) -> int:
        json_cols = {i for i, c in enumerate(columns) if isinstance(table.c[c].type, sa.JSON)}
        time_cols = {
            i
            for i, c in enumerate(columns)
            if isinstance(table.c[c].type, sa.DateTime)
            or getattr(table.c[c].type, "impl", None).__class__ is sa.DateTime
        }
        raw = self.engine.raw_connection()
        n = 0
        try:
            cur = raw.cursor()
            if self.postgres:
                n = self._copy(cur, table, columns, rows, json_cols, on_batch)
            else:
                n = self._insert(cur, table, columns, rows, json_cols, time_cols, on_batch)
            raw.commit()
        finally:
            raw.close()
        return n

    def _copy(
        self,
        cur: Any,
        table: sa.Table,
        columns: list[str],
        rows: Iterable[tuple[Any, ...]],
        json_cols: set[int],
        on_batch: Any,
    ) -> int:
        n = 0
        cols = ", ".join(f'"{c}"' for c in columns)
        with cur.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
            for batch in batches(rows):
                for row in batch:
                    if json_cols:
                        row = tuple(
                            json.dumps(v, ensure_ascii=False) if i in json_cols and v is not None else v
                            for i, v in enumerate(row)
                        )
                    copy.write_row(row)
                n += len(batch)
                if on_batch:
                    on_batch(len(batch))
        return n

    def _insert(
        self,
        cur: Any,
        table: sa.Table,
        columns: list[str],
        rows: Iterable[tuple[Any, ...]],
        json_cols: set[int],
        time_cols: set[int],
        on_batch: Any,
    ) -> int:
        n = 0
        cols = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})'  # noqa: S608 - names come from our metadata
        cur.execute("PRAGMA synchronous=OFF")  # a bulk load is all or nothing: re-run it on failure
        cur.execute("BEGIN")
        for batch in batches(rows):
            if json_cols or time_cols:
                batch = [tuple(_sqlite_value(v, i in json_cols) for i, v in enumerate(row)) for row in batch]
            cur.executemany(sql, batch)
            n += len(batch)
            if on_batch:
                on_batch(len(batch))
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
