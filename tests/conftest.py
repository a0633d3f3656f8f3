"""Shared fixtures: every storage test runs on SQLite and on PostgreSQL.

PostgreSQL: GRIDBRAIN_TEST_POSTGRES, or GRIDBRAIN_DATABASE_URL when it is a PostgreSQL URL (default
postgresql://127.0.0.1:5432/test). Each test run
gets its own schema, so parallel runs never see each other. When CI=true a PostgreSQL test that
cannot connect fails; elsewhere it is skipped with the reason.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain import config
from gridbrain.addresses import matcher as address_matcher
from gridbrain.areas import locator
from gridbrain.core import clock, signals
from gridbrain.core.db import UnitOfWork, make_engine
from gridbrain.events import service as events_service
from gridbrain.migrate import load_all_tables, upgrade
from tests import factories

ON_CI = os.environ.get("CI", "").lower() == "true"
# under pytest-xdist every worker is its own process with its own databases (the PostgreSQL schema
# is named after the process) and its own var folder (uploads, trained models)
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER:
    os.environ["GRIDBRAIN_VAR_DIR"] = f"var-test/{WORKER}"
TEST_VAR = Path("var-test") / (WORKER or "main")
# test apps load the classifier when a test needs it, not in the background of every app
os.environ.setdefault("GRIDBRAIN_WARM_START", "false")
os.environ.setdefault("GRIDBRAIN_EVENTS_CATALOG_POLL_S", "0")  # no poller thread per test app
_APP_DB = os.environ.get("GRIDBRAIN_DATABASE_URL", "")
# PostgreSQL for tests: GRIDBRAIN_TEST_POSTGRES, else GRIDBRAIN_DATABASE_URL when it names PostgreSQL
PG_URL = os.environ.get("GRIDBRAIN_TEST_POSTGRES") or (
    _APP_DB if _APP_DB.startswith(("postgresql", "postgres:")) else "postgresql://127.0.0.1:5432/test"
)
MQTT_ADDR = os.environ.get("GRIDBRAIN_TEST_MQTT", "127.0.0.1:1883")


# files whose tests each take seconds (a demo district built, a browser driven): marked slow, so
# `pytest -m "not slow"` is the quick loop while working; `make test` runs them all
SLOW_FILES = ("tests/demo/test_generator.py", "tests/demo/test_live.py")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.nodeid.startswith(SLOW_FILES):
            item.add_marker(pytest.mark.slow)


def need_service(name: str, problem: str) -> None:
    """Fail on CI, skip elsewhere, when a real service a test needs is missing."""
    message = f"{name} is not available: {problem}"
    if ON_CI:
        pytest.fail(message + " (CI=true: tests that need it fail instead of skipping)")
    pytest.skip(message)


def database_url_of(engine: Engine) -> str:
    """The URL a command or another process must read to reach this test's database (on
    PostgreSQL the run's private schema travels in it)."""
    url = engine.url.render_as_string(hide_password=False)
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            schema = conn.exec_driver_sql("SELECT current_schema()").scalar_one()
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    return url


def _pg_engine(tmp_schema: str) -> Engine:
    admin = make_engine(PG_URL, poolclass=sa.pool.NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{tmp_schema}"')
            conn.commit()
    except sa.exc.OperationalError as e:
        need_service("PostgreSQL", f"{PG_URL}: {e.orig}")
    finally:
        admin.dispose()
    return make_engine(PG_URL, connect_args={"options": f"-csearch_path={tmp_schema}"}, pool_size=5)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def _engine_session(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("db") / "gridbrain.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    schema = f"gb_test_{os.getpid()}_{secrets.token_hex(3)}"
    engine = _pg_engine(schema)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        admin = make_engine(PG_URL, poolclass=sa.pool.NullPool)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
            conn.commit()
        admin.dispose()


def _empty_all(engine: Engine) -> None:
    """DELETE from every table, children first, in one round trip on PostgreSQL.

    Not TRUNCATE: on PostgreSQL it rewrites every table (about 1.1 s per test for ~60 tables),
    where DELETE of a few rows takes milliseconds. Sequences are not reset: tests never rely
    on the value of a generated id.
    """
    # every declared table exists: tests/core/test_migrations.py holds migrations and tables equal
    tables = list(reversed(load_all_tables().sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("; ".join(f'DELETE FROM "{t.name}"' for t in tables))  # noqa: S608 - our table names
        else:
            for t in tables:
                conn.execute(t.delete())


@pytest.fixture
def engine(_engine_session: Engine) -> Iterator[Engine]:
    """A migrated, empty database (SQLite and PostgreSQL); emptied again after the test."""
    yield _engine_session
    _empty_all(_engine_session)
    locator.invalidate()
    address_matcher.invalidate()


@pytest.fixture
def uow(engine: Engine) -> Iterator[UnitOfWork]:
    with UnitOfWork(engine) as u:
        yield u


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing() -> None:
    """Argon2 with its lightest parameters: the tests create many users; the algorithm is the same."""
    from argon2 import PasswordHasher

    from gridbrain.core import auth

    auth._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture(autouse=True)
def _isolated_process_state() -> Iterator[None]:
    yield
    clock.set_now(None)
    config.use_settings(None)  # a test app's settings do not outlive the test
    signals.disconnect_all()
    events_service.use_catalog(None)  # a test that published a catalog version leaves no trace


@pytest.fixture
def district(engine: Engine) -> factories.District:
    """A small district: 2 streets × 2 communities × 2 grids, with departments and users."""
    return factories.build_district(engine)


@pytest.fixture
def client(engine: Engine):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from gridbrain.app import create_app
    from gridbrain.config import Settings

    app = create_app(Settings(database_url="sqlite://", var_dir=TEST_VAR), engine=engine, workers=False)
    with TestClient(app) as c:
        yield c
