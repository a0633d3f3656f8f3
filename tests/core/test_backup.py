"""`gridbrain backup` and `gridbrain restore`: a round trip gives back every row of every table,
on SQLite and PostgreSQL and across the two (issue 14: backup and restore)."""

from __future__ import annotations

import gzip
import io
import os
import secrets
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.core import audit_chain, backup
from gridbrain.core.db import make_engine
from gridbrain.core.errors import Conflict, Invalid
from gridbrain.migrate import upgrade
from tests.conftest import PG_URL, need_service


def _fresh_sqlite(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.db'}")
    upgrade(engine)
    return engine


@pytest.fixture
def fresh_postgres() -> Iterator[Engine]:
    schema = f"gb_restore_{os.getpid()}_{secrets.token_hex(3)}"
    admin = make_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            conn.commit()
    except sa.exc.OperationalError as e:
        need_service("PostgreSQL", f"{PG_URL}: {e.orig}")
    engine = make_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    upgrade(engine)
    yield engine
    engine.dispose()
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.commit()
    admin.dispose()


@pytest.fixture
def lived_in(engine, district):
    """A database with a district, users, events (one with a reporter's phone) and a sealed audit chain."""
    from gridbrain.core.auth import Actor
    from gridbrain.core.db import UnitOfWork
    from gridbrain.events import service

    lat, lng = district.centre(district.grids[0])
    with UnitOfWork(engine) as uow:
        for i in range(3):
            service.report(
                uow,
                Actor.system("hotline"),
                service.Report(
                    channel="app",
                    external_id=f"B-{i}",
                    text=f"小区门口垃圾堆放第{i}处，有异味",
                    lat=lat + i * 0.0004,
                    lng=lng,
                    matter_code="E010101",
                    parameters={"area_m2": 1},
                ),
            )
        uow.commit()
    audit_chain.seal_all(engine)
    return engine


def _counts(engine: Engine) -> dict[str, int]:
    from gridbrain.migrate import load_all_tables

    with engine.connect() as conn:
        return {
            t.name: conn.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
            for t in load_all_tables().sorted_tables
        }


def test_a_backup_restores_every_row_into_a_fresh_sqlite_database(lived_in, tmp_path):
    file = tmp_path / "district.gbk"
    copies = backup.backup(lived_in, file)
    assert sum(c.rows for c in copies) > 50
    target = _fresh_sqlite(tmp_path)
    restored = backup.restore(target, file)
    assert {c.name: (c.rows, c.sha256) for c in restored} == {c.name: (c.rows, c.sha256) for c in copies}
    assert _counts(target) == _counts(lived_in)
    assert audit_chain.verify(target).ok  # the chain travels intact


def test_a_backup_restores_into_postgresql_and_new_rows_get_new_ids(lived_in, tmp_path, fresh_postgres):
    file = tmp_path / "district.gbk"
    copies = backup.backup(lived_in, file)
    restored = backup.restore(fresh_postgres, file)
    assert [(c.rows, c.sha256) for c in restored] == [(c.rows, c.sha256) for c in copies]
    assert _counts(fresh_postgres) == _counts(lived_in)
    # sequences moved past the restored ids: a new audit entry does not collide
    from gridbrain.core import audit
    from gridbrain.core.auth import Actor
    from gridbrain.core.db import UnitOfWork

    with UnitOfWork(fresh_postgres) as uow:
        audit.record(uow, "core:backup:restored", actor=Actor.system("test"))
        uow.commit()
    assert audit_chain.seal_all(fresh_postgres) == 1
    assert audit_chain.verify(fresh_postgres).ok


def test_a_database_that_holds_data_is_refused_unless_replaced(lived_in, tmp_path):
    file = tmp_path / "district.gbk"
    backup.backup(lived_in, file)
    with pytest.raises(Conflict, match="holds data"):
        backup.restore(lived_in, file)
    before = _counts(lived_in)
    backup.restore(lived_in, file, replace=True)
    assert _counts(lived_in) == before


def test_a_tampered_backup_restores_nothing(lived_in, tmp_path):
    file = tmp_path / "district.gbk"
    backup.backup(lived_in, file)
    forged = tmp_path / "forged.gbk"
    with tarfile.open(file) as src, tarfile.open(forged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name == "tables/events.jsonl.gz":
                data = gzip.compress(gzip.decompress(data).replace("垃圾".encode(), "噪音".encode()))
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))
    target = _fresh_sqlite(tmp_path)
    with pytest.raises(Conflict, match="events: restored"):
        backup.restore(target, forged)
    assert sum(_counts(target).values()) == 0


def test_a_file_that_is_not_a_backup_is_refused_by_name(tmp_path, engine):
    junk = tmp_path / "junk.gbk"
    junk.write_bytes(os.urandom(2048))
    with pytest.raises(Invalid, match="not a gridbrain backup"):
        backup.restore(engine, junk)
    with pytest.raises(Invalid, match="does not exist"):
        backup.backup(engine, tmp_path / "no" / "such" / "folder" / "x.gbk")
    assert not (tmp_path / "no").exists()


def test_the_commands_back_up_and_restore_in_one_line_each(lived_in, cli_db, tmp_path):
    from typer.testing import CliRunner

    from gridbrain.cli import app

    file = tmp_path / "cli.gbk"
    runner = CliRunner()
    made = runner.invoke(app, ["backup", str(file)])
    assert made.exit_code == 0, made.output
    assert made.output.startswith("backed up ") and str(file) in made.output
    refused = runner.invoke(app, ["restore", str(file)])
    assert refused.exit_code != 0 and "holds data" in str(refused.exception or refused.output)
    again = runner.invoke(app, ["restore", str(file), "--replace"])
    assert again.exit_code == 0, again.output
    assert "counts and checksums match" in again.output
