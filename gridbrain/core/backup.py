"""Backup and restore of the whole brain, the same way on SQLite and PostgreSQL.

A backup is one tar file: `manifest.json` (format, schema revisions, per table its row count and
a checksum) and one gzipped JSON-lines file per table, rows in primary-key order. It is logical,
so a SQLite backup restores into PostgreSQL and back. Both directions stream in batches; nothing
holds a table in memory. `restore` loads into a database at the same schema revisions, refuses a
database that holds data unless told to replace it, and compares every table's count and
checksum with the manifest before it commits: a backup that does not restore exactly restores
nothing.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import tarfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from gridbrain.core import clock
from gridbrain.core.db import UtcDateTime
from gridbrain.core.errors import Conflict, Invalid

FORMAT = "gridbrain-backup/1"
BATCH = 5_000


@dataclass(frozen=True)
class TableCopy:
    """One table in a backup or a restore: its rows and their checksum."""

    name: str
    rows: int
    sha256: str


def _tables() -> list[sa.Table]:
    from gridbrain.migrate import load_all_tables  # the kernel finds every capability's tables

    return list(load_all_tables().sorted_tables)


def _encoder(col: sa.Column[Any]) -> Callable[[Any], Any]:
    if isinstance(col.type, sa.LargeBinary):
        return lambda v: None if v is None else base64.b64encode(v).decode("ascii")
    if isinstance(col.type, UtcDateTime | sa.DateTime):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(col.type, sa.Date):
        return lambda v: None if v is None else v.isoformat()
    return lambda v: v


def _decoder(col: sa.Column[Any]) -> Callable[[Any], Any]:
    if isinstance(col.type, sa.LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(col.type, UtcDateTime | sa.DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(col.type, sa.Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    return lambda v: v


def _order(table: sa.Table) -> list[sa.Column[Any]]:
    return list(table.primary_key.columns) or list(table.columns)


def _lines(conn: Connection, table: sa.Table) -> Iterator[bytes]:
    """The table's rows as canonical JSON lines, in primary-key order."""
    encoders = [_encoder(c) for c in table.columns]
    q = sa.select(*table.columns).order_by(*_order(table))
    for row in conn.execution_options(stream_results=True, yield_per=BATCH).execute(q):
        values = [enc(v) for enc, v in zip(encoders, row, strict=True)]
        yield orjson.dumps(values, option=orjson.OPT_SORT_KEYS) + b"\n"


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(clock.now().timestamp())
    tar.addfile(info, io.BytesIO(data))


def _revisions(conn: Connection) -> list[str]:
    try:
        return sorted(r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version"))
    except sa.exc.DBAPIError as e:
        raise Invalid("database", "has no schema: run `gridbrain db upgrade` first") from e


def backup(engine: Engine, path: Path) -> list[TableCopy]:
    """Write every table of the database at `engine` into the tar file `path`; answers what was copied."""
    copies: list[TableCopy] = []
    if not path.parent.is_dir():
        raise Invalid("file", f"folder {path.parent} does not exist")
    tmp = path.with_name(path.name + ".part")
    with engine.connect() as conn, tarfile.open(tmp, "w") as tar:
        revisions = _revisions(conn)
        for table in _tables():
            digest, n, buf = hashlib.sha256(), 0, io.BytesIO()
            with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
                for line in _lines(conn, table):
                    digest.update(line)
                    gz.write(line)
                    n += 1
            _add(tar, f"tables/{table.name}.jsonl.gz", buf.getvalue())
            copies.append(TableCopy(table.name, n, digest.hexdigest()))
        manifest = {
            "format": FORMAT,
            "made_at": clock.now().isoformat(),
            "source": engine.dialect.name,
            "revisions": revisions,
            "tables": [{"name": c.name, "rows": c.rows, "sha256": c.sha256} for c in copies],
        }
        _add(tar, "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1).encode())
    tmp.replace(path)
    return copies


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of a backup file, or Invalid naming what is wrong with the file."""
    try:
        with tarfile.open(path, "r") as tar:
            member = tar.extractfile("manifest.json")
            manifest = json.loads(member.read()) if member else None
    except (tarfile.TarError, KeyError, OSError, ValueError) as e:
        raise Invalid("file", f"not a gridbrain backup ({e})") from e
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise Invalid("file", f"not a {FORMAT} file")
    return manifest


def _rows_of(stream: IO[bytes], table: sa.Table) -> Iterator[list[dict[str, Any]]]:
    names = [c.name for c in table.columns]
    decoders = [_decoder(c) for c in table.columns]
    batch: list[dict[str, Any]] = []
    with gzip.GzipFile(fileobj=stream, mode="rb") as gz:
        for line in gz:
            values = orjson.loads(line)
            batch.append({n: dec(v) for n, dec, v in zip(names, decoders, values, strict=True)})
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def _holds_data(conn: Connection, tables: list[sa.Table]) -> bool:
    return any(conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first() for t in tables)


def _reset_sequences(conn: Connection, tables: list[sa.Table]) -> None:
    """Move each PostgreSQL sequence past the restored ids, so new rows do not collide."""
    for t in tables:
        for col in t.primary_key.columns:
            seq = conn.execute(sa.select(sa.func.pg_get_serial_sequence(t.name, col.name))).scalar()
            if seq is not None:
                top = sa.select(sa.func.coalesce(sa.func.max(col), 0) + 1).scalar_subquery()
                conn.execute(sa.select(sa.func.setval(seq, top, False)))


def _checksum(conn: Connection, table: sa.Table) -> TableCopy:
    digest, n = hashlib.sha256(), 0
    for line in _lines(conn, table):
        digest.update(line)
        n += 1
    return TableCopy(table.name, n, digest.hexdigest())


def restore(engine: Engine, path: Path, *, replace: bool = False) -> list[TableCopy]:
    """Load the backup `path` into the database at `engine` in one transaction; answers the
    tables as found in the database afterwards (equal to the manifest, or nothing is kept)."""
    manifest = read_manifest(path)
    tables = _tables()
    listed = {e["name"]: e for e in manifest["tables"]}
    if unknown := sorted(set(listed) - {t.name for t in tables}):
        raise Invalid("file", f"holds tables this version does not know: {', '.join(unknown)}")
    with engine.connect() as conn, tarfile.open(path, "r") as tar:
        _make_room(conn, tables, manifest, replace=replace)
        for table in tables:
            if table.name in listed:
                _load(conn, tar, table)
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, tables)
        found = [_checksum(conn, t) for t in tables if t.name in listed]
        _compare(conn, found, listed)
        conn.commit()
    return found


def _make_room(conn: Connection, tables: list[sa.Table], manifest: dict[str, Any], *, replace: bool) -> None:
    """Refuse another schema version, or data unless `replace` (which empties every table)."""
    if (have := _revisions(conn)) != sorted(manifest["revisions"]):
        raise Conflict(
            f"the database is at schema {have}, the backup at {manifest['revisions']}: "
            "bring both to the same version (`gridbrain db upgrade`)",
            field="revisions",
            rule="same_schema",
        )
    if _holds_data(conn, tables):
        if not replace:
            raise Conflict("the database holds data; restore --replace empties it first", field="database")
        for t in reversed(tables):
            conn.execute(t.delete())


def _load(conn: Connection, tar: tarfile.TarFile, table: sa.Table) -> None:
    member = tar.extractfile(f"tables/{table.name}.jsonl.gz")
    if member is None:
        raise Invalid("file", f"the backup lacks the rows of {table.name}")
    for batch in _rows_of(member, table):
        conn.execute(table.insert(), batch)


def _compare(conn: Connection, found: list[TableCopy], listed: dict[str, dict[str, Any]]) -> None:
    for copy in found:
        want = listed[copy.name]
        if (copy.rows, copy.sha256) != (want["rows"], want["sha256"]):
            conn.rollback()
            raise Conflict(
                f"{copy.name}: restored {copy.rows} rows with checksum {copy.sha256[:12]}…, "
                f"the backup holds {want['rows']} with {want['sha256'][:12]}…; nothing was restored",
                field="file",
                rule="checksum",
            )
