"""The address matcher of a database: built once from the library, kept per engine.

    from gridbrain.addresses.matcher import matcher_for
    result = matcher_for(engine).match("星河苑3号楼2单元501")
    if result.resolved: result.code, result.level, result.grid_code, result.lat, result.lng, result.h3

Call `invalidate(engine)` after the library changes (the import does it itself).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gridbrain.addresses.index import IndexBuilder
from gridbrain.addresses.matching import Matcher
from gridbrain.addresses.model import LEVELS, Candidate, MatchResult
from gridbrain.addresses.tables import address_aliases, addresses
from gridbrain.areas.tables import areas

__all__ = ["Candidate", "MatchResult", "Matcher", "build_matcher", "invalidate", "matcher_for"]

_cache: dict[int, Matcher] = {}
_prints: dict[int, tuple[object, ...] | None] = {}  # the library's fingerprint when it was built
_lock = threading.Lock()
_BATCH = 20_000


def build_matcher(conn: Connection) -> Matcher:
    """Read the areas, the address library (level by level, parents first) and the aliases."""
    b = IndexBuilder(Matcher())
    for r in conn.execute(sa.select(areas.c.code, areas.c.name, areas.c.level)):
        b.add_area(r.code, r.name, r.level)
    a = addresses.c
    cols = (
        a.code,
        a.parent_code,
        a.level,
        a.full_text,
        a.road,
        a.number,
        a.compound,
        a.building,
        a.unit,
        a.room,
        a.grid_code,
        a.lat,
        a.lng,
    )
    for level in LEVELS:
        result = conn.execution_options(stream_results=True, yield_per=_BATCH).execute(
            sa.select(*cols).where(a.level == level.value).order_by(a.code)
        )
        for row in result:
            b.add_row(*row)  # type: ignore[call-arg]
    for r in conn.execute(sa.select(address_aliases.c.address_code, address_aliases.c.alias, address_aliases.c.kind)):
        b.add_alias(r.address_code, r.alias, r.kind)
    return b.finish()


def matcher_for(engine: Engine, conn: Connection | None = None) -> Matcher:
    """The matcher of this database, built on first use from what is committed.

    It is read through a connection of its own that takes no lock: on SQLite (WAL) a reader
    engine without the BEGIN IMMEDIATE of `make_engine`, so building the index of 1.77 M rows
    never holds up writers, and a caller inside a unit of work never waits on itself.

    Given the caller's `conn` (a unit of work's), it also checks that the library has not
    changed since the build (smallest and largest code, two index lookups) and rebuilds if it
    has, so addresses loaded by another process are picked up. Without `conn` the caller
    `invalidate()`s after changing the library (tests that rebuild it between tests do too)."""
    key = id(engine)
    found = _cache.get(key)
    fingerprint = _fingerprint(conn) if conn is not None else None
    if found is not None and (fingerprint is None or _prints.get(key) in (None, fingerprint)):
        return found
    with _lock:
        if key in _cache and (fingerprint is None or _prints.get(key) in (None, fingerprint)):
            return _cache[key]
        _cache[key] = _build(engine, conn)
        _prints[key] = fingerprint
        return _cache[key]


def _fingerprint(conn: Connection) -> tuple[object, ...]:
    # two scalar subqueries: SQLite answers a lone min() or max() from the index, both at once by a scan
    lowest = sa.select(sa.func.min(addresses.c.code)).scalar_subquery()
    highest = sa.select(sa.func.max(addresses.c.code)).scalar_subquery()
    return tuple(conn.execute(sa.select(lowest, highest)).one())


def _build(engine: Engine, conn: Connection | None) -> Matcher:
    database = engine.url.database
    if engine.dialect.name == "sqlite" and (not database or database == ":memory:") and conn is not None:
        return build_matcher(conn)
    with reader(engine) as own:
        return build_matcher(own)


@contextmanager
def reader(engine: Engine) -> Iterator[Connection]:
    """A connection for long reads that holds no write lock (see `matcher_for`)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        with engine.connect() as conn:
            yield conn
        return
    plain = sa.create_engine(engine.url, poolclass=sa.pool.NullPool, connect_args={"timeout": 30})
    try:
        with plain.connect() as conn:
            yield conn
    finally:
        plain.dispose()


def invalidate(engine: Engine | None = None) -> None:
    """Forget the built matcher (of one engine, or all) so the next use rebuilds it."""
    with _lock:
        if engine is None:
            _cache.clear()
            _prints.clear()
        else:
            _cache.pop(id(engine), None)
            _prints.pop(id(engine), None)
