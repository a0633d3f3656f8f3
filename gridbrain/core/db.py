"""Database engine, the shared metadata, and the unit of work.

SQLite (WAL) is the zero-setup default; PostgreSQL (psycopg 3) when GRIDBRAIN_DATABASE_URL
names one. Services speak SQLAlchemy Core through a `UnitOfWork`: one transaction, committed
as a whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine

from gridbrain.core import signals

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING)

# JSON that is JSONB on PostgreSQL and JSON text on SQLite.
JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


class UtcDateTime(sa.TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on PostgreSQL and on SQLite.

    SQLite has no time zones: a plain DateTime(timezone=True) comes back naive there, and
    comparing it with `clock.now()` fails. Use this type for every timestamp column."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UtcDateTime column; use gridbrain.core.clock")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def normalize_url(url: str) -> str:
    """Accept the plain `postgresql://` form and use the psycopg 3 driver for it."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    if url.startswith("sqlite"):
        path = sa.engine.make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # A request may hold one connection while a signal handler takes another: size the pool
        # for two per worker thread (the app limits its threads to 30); SQLite connections are cheap.
        if "poolclass" not in kwargs and ":memory:" not in url and url != "sqlite://":
            kwargs.setdefault("pool_size", 20)
            kwargs.setdefault("max_overflow", 60)
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at commit in WAL mode
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take it over so that a
        # transaction really starts at begin() and writers queue instead of failing.
        @event.listens_for(engine, "connect")
        def _no_pysqlite_tx(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # no read-to-write upgrade deadlocks

        return engine
    if "poolclass" not in kwargs:  # two connections per worker thread at most (see above)
        kwargs.setdefault("pool_size", 20)
        kwargs.setdefault("max_overflow", 40)
    kwargs.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **kwargs)


def is_postgres(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def one_of(column: sa.ColumnElement[Any], values: Iterable[Any], *, postgres: bool) -> sa.ColumnElement[bool]:
    """`column IN (values)` written so that the statement's text does not grow with the values:
    `= ANY(:array)` on PostgreSQL, where psycopg caches a statement's parsing only while its text
    and parameter count stay small; a plain IN on SQLite, which parses statements cheaply."""
    values = list(values)
    if postgres:
        return column == sa.any_(sa.bindparam(None, values, type_=postgresql.ARRAY(column.type)))
    return column.in_(values)


_UNNEST_INSERTS: dict[tuple[str, tuple[str, ...], tuple[str, ...], str | None], tuple[str, tuple[Any, ...]]] = {}


def _unnest_insert(
    table: sa.Table, columns: tuple[str, ...], unique: tuple[str, ...], returning: str | None
) -> tuple[str, tuple[Any, ...]]:
    """`INSERT ... SELECT FROM unnest(arrays)` for these columns: one statement whose text does not
    depend on the number of rows, each column travelling as one array parameter in psycopg's
    binary format (`%(name)b`: no per-element quoting)."""
    key = (table.name, columns, unique, returning)
    found = _UNNEST_INSERTS.get(key)
    if found is not None:
        return found
    pg = postgresql.dialect()  # type: ignore[no-untyped-call]  # untyped in SQLAlchemy
    arrays, selected, converters = [], [], []
    for i, name in enumerate(columns):
        col = table.c[name]
        json_like = isinstance(col.type, sa.JSON) or isinstance(col.type.dialect_impl(pg), postgresql.JSONB)
        sql_type = "TEXT" if json_like else col.type.dialect_impl(pg).compile(dialect=pg)
        arrays.append(f"CAST(%(c{i})b AS {sql_type}[])")
        selected.append(f"CAST(c{i} AS JSONB)" if json_like else f"c{i}")
        converters.append(_json_text if json_like else col.type.bind_processor(pg))
    names = ", ".join(f'"{c}"' for c in columns)
    aliases = ", ".join(f"c{i}" for i in range(len(columns)))
    conflict = f" ON CONFLICT ({', '.join(unique)}) DO NOTHING" if unique else ""
    back = f' RETURNING "{table.c[returning].name}"' if returning else ""
    # names come from the table's own definition, never from input
    stmt = (
        f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(selected)} '  # noqa: S608
        f"FROM unnest({', '.join(arrays)}) AS u({aliases}){conflict}{back}"
    )
    _UNNEST_INSERTS[key] = (stmt, tuple(converters))
    return _UNNEST_INSERTS[key]


def _json_text(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False, default=str)


def insert_many(
    uow: UnitOfWork,
    table: sa.Table,
    rows: list[dict[str, Any]],
    *,
    skip_existing: tuple[str, ...] = (),
    returning: str | None = None,
) -> list[Any]:
    """Insert rows that all name the same columns, in one statement on PostgreSQL (arrays through
    unnest: no per-row round trip or statement parsing), by executemany on SQLite.
    `skip_existing` names a unique key: rows whose key exists are left out (ON CONFLICT DO NOTHING).
    Answers the `returning` column of the rows that went in (in no particular order), else []."""
    if not rows:
        return []
    if not uow.postgres:
        stmt: Any = table.insert()
        if skip_existing:
            stmt = sqlite.insert(table).on_conflict_do_nothing(index_elements=list(skip_existing))
        if returning:
            stmt = stmt.returning(table.c[returning])
            return list(uow.execute(stmt, rows).scalars())
        uow.execute(stmt, rows if len(rows) > 1 else rows[0])
        return []
    columns = tuple(rows[0])
    pg_stmt, converters = _unnest_insert(table, columns, skip_existing, returning)
    params = {}
    for i, (name, convert) in enumerate(zip(columns, converters, strict=True)):
        values = [r[name] for r in rows]
        params[f"c{i}"] = [convert(v) for v in values] if convert is not None else values
    result = uow.conn.exec_driver_sql(pg_stmt, params)
    return [r[0] for r in result] if returning else []


class UnitOfWork:
    """One transaction. `commit()` runs the in-transaction handlers of the collected signals,
    makes it all durable, and then publishes the signals."""

    def __init__(self, engine: Engine, *, connection: Connection | None = None) -> None:
        """`connection`: work on this connection (its owner keeps and closes it) instead of
        taking one from the pool for the block — a long-lived writer saves the checkout."""
        self.engine = engine
        self._conn: Connection | None = None
        self._own = connection
        self._pending: list[object] = []

    @property
    def conn(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._conn

    @property
    def postgres(self) -> bool:
        return is_postgres(self.engine)

    def __enter__(self) -> UnitOfWork:
        # The transaction begins with the first statement (SQLAlchemy's autobegin), so an
        # open but unused unit of work holds no lock (on SQLite: no BEGIN IMMEDIATE yet).
        self._conn = self._own if self._own is not None else self.engine.connect()
        self._pending = []
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        conn = self.conn
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            if self._own is None:
                conn.close()
            self._conn = None

    def execute(self, statement: Any, params: Any = None) -> sa.CursorResult[Any]:
        return self.conn.execute(statement, params) if params is not None else self.conn.execute(statement)

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """Send the block's statements without waiting for each answer — one round trip for
        them all on PostgreSQL (psycopg's pipeline mode); elsewhere a plain block. Only for
        statements whose results nobody reads (inserts, updates): an error surfaces, as the
        driver's exception, when the block ends, and the transaction is then rolled back."""
        if not self.postgres:
            yield
            return
        with self.conn.connection.dbapi_connection.pipeline():  # type: ignore[union-attr]
            yield

    def emit(self, signal: object, **payload: Any) -> None:
        """Queue a signal for after the commit: a typed signal (a frozen dataclass), or a name
        and its payload for the older `Signal`s."""
        if isinstance(signal, str):
            signal = signals.Signal(signal, payload)
        elif payload:
            raise TypeError("a typed signal carries its own fields")
        self._pending.append(signal)

    def commit(self) -> None:
        if self._pending:
            signals.before_commit(self, self._pending)
        self.conn.commit()
        pending, self._pending = self._pending, []
        for sig in pending:
            signals.publish(sig)

    def rollback(self) -> None:
        self.conn.rollback()
        self._pending = []


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[UnitOfWork]:
    with UnitOfWork(engine) as uow:
        yield uow
