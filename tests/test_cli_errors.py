"""Every wrong usage of the README's commands is answered in one line, never a traceback.

The commands run in this process through `gridbrain.cli.main`, the console script's entry point,
against real SQLite files (and a PostgreSQL port nobody listens on).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import typer

from gridbrain import cli
from gridbrain.config import get_settings
from gridbrain.core.db import make_engine
from gridbrain.migrate import upgrade


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cli") / "gridbrain.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture
def gridbrain(monkeypatch, capsys, tmp_path):
    """Runs `gridbrain ARGS` on a database URL; answers (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRIDBRAIN_DEBUG", raising=False)

    def run(url: str, *args: str) -> tuple[int, str, str]:
        monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", url)
        monkeypatch.setenv("GRIDBRAIN_VAR_DIR", str(tmp_path / "var"))
        get_settings.cache_clear()
        with pytest.raises(SystemExit) as done:
            cli.main(list(args))
        out, err = capsys.readouterr()
        return int(done.value.code or 0), out, err

    yield run
    get_settings.cache_clear()


def _one_line(code: int, out: str, err: str, *, exit_code: int = 2) -> str:
    assert "Traceback" not in out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert code == exit_code, (code, err)
    return lines[0]


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def test_a_malformed_database_url_is_one_line_naming_the_setting(gridbrain):
    line = _one_line(*gridbrain("not a url", "db", "upgrade"))
    assert "GRIDBRAIN_DATABASE_URL" in line and "sqlite:///" in line


def test_a_database_nobody_supports_is_one_line(gridbrain):
    assert "not sqlite or postgresql" in _one_line(*gridbrain("mysql://h/db", "db", "upgrade"))


def test_an_unreachable_postgresql_is_one_line_saying_so(gridbrain):
    line = _one_line(*gridbrain("postgresql://127.0.0.1:1/test", "db", "upgrade"))
    assert "cannot reach the database" in line


def test_a_sqlite_path_in_a_missing_folder_is_refused_and_nothing_is_created(gridbrain, tmp_path):
    target = tmp_path / "no" / "such" / "gridbrain.db"
    for args in (("db", "upgrade"), ("users", "token", "wang")):
        line = _one_line(*gridbrain(_url(target), *args))
        assert "does not exist" in line
    assert not (tmp_path / "no").exists()


def test_a_command_on_a_missing_database_file_says_run_upgrade_and_creates_nothing(gridbrain, tmp_path):
    target = tmp_path / "gridbrain.db"
    assert "gridbrain db upgrade" in _one_line(*gridbrain(_url(target), "users", "token", "wang"))
    assert not target.exists()


def test_a_command_on_a_database_without_the_schema_says_run_upgrade(gridbrain, tmp_path):
    target = tmp_path / "empty.db"
    sqlite3.connect(target).close()
    for args in (("users", "token", "wang"), ("events", "deliver"), ("serve", "--port", "1")):
        line = _one_line(*gridbrain(_url(target), *args))
        assert "no gridbrain schema" in line and "gridbrain db upgrade" in line


def test_a_command_on_a_database_behind_the_newest_migration_says_run_upgrade(gridbrain, tmp_path, migrated):
    behind = tmp_path / "behind.db"
    behind.write_bytes(migrated.read_bytes())
    with sqlite3.connect(behind) as conn:
        (head,) = conn.execute("SELECT version_num FROM alembic_version ORDER BY version_num DESC LIMIT 1").fetchone()
        conn.execute("DELETE FROM alembic_version WHERE version_num = ?", (head,))
    line = _one_line(*gridbrain(_url(behind), "users", "token", "wang"))
    assert head in line and "gridbrain db upgrade" in line


def test_db_upgrade_then_the_same_command_works(gridbrain, tmp_path):
    target = tmp_path / "new.db"
    code, out, _ = gridbrain(_url(target), "db", "upgrade")
    assert code == 0 and "schema up to date" in out
    line = _one_line(*gridbrain(_url(target), "users", "token", "nobody"))
    assert "nobody" in line  # now it is the user that is missing, not the schema


def test_negative_counts_are_refused_by_every_command(gridbrain, migrated):
    assert "--scale" in _one_line(*gridbrain(_url(migrated), "demo-data", "--scale", "-1"))
    assert "--limit" in _one_line(*gridbrain(_url(migrated), "events", "deliver", "--limit", "-5"))


def test_bad_json_in_an_option_is_one_line(gridbrain, migrated):
    line = _one_line(
        *gridbrain(
            _url(migrated),
            "reports",
            "export",
            "people_by_community",
            "--area",
            "330110000000",
            "--params",
            "{bad json",
        )
    )
    assert "bad JSON" in line


def test_json_of_the_wrong_shape_in_an_option_is_one_line(gridbrain, migrated):
    code, out, err = gridbrain(
        _url(migrated), "reports", "export", "people_by_community", "--area", "330110000000", "--params", "[1,2]"
    )
    assert code != 0 and "Traceback" not in out + err and len(err.strip().splitlines()) == 1


def test_malformed_yaml_is_one_line_with_its_place(gridbrain, migrated, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("matters: [unclosed\n  - x: {\n", encoding="utf-8")
    template = tmp_path / "t.xlsx"
    template.write_bytes(b"PK")
    for args in (
        ("catalog", "validate", str(bad)),
        ("reports", "register", str(template), "--code", "x", "--name", "x", "--mapping", str(bad)),
    ):
        line = _one_line(*gridbrain(_url(migrated), *args))
        assert "YAML" in line


def test_a_file_that_is_not_a_workbook_is_one_line(gridbrain, migrated, tmp_path):
    fake = tmp_path / "people.xlsx"
    fake.write_text("name,id\n", encoding="utf-8")
    assert "XLSX" in _one_line(*gridbrain(_url(migrated), "import", "people", str(fake)))


def test_a_missing_file_is_one_line(gridbrain, migrated, tmp_path):
    line = _one_line(*gridbrain(_url(migrated), "addresses", "match", str(tmp_path / "nope.csv")))
    assert "nope.csv" in line


def test_an_unwritable_out_path_is_one_line_and_no_folder_is_made(gridbrain, migrated, tmp_path):
    target = tmp_path / "missing" / "library.csv"
    assert "missing" in _one_line(*gridbrain(_url(migrated), "addresses", "export", str(target)))
    assert not (tmp_path / "missing").exists()


def test_a_rule_the_service_refuses_is_one_line_naming_it(gridbrain, migrated):
    line = _one_line(*gridbrain(_url(migrated), "users", "create", "x", "--role", "king", "--password", "12345678"))
    assert "role" in line


def test_an_unknown_command_is_one_line(gridbrain, migrated):
    assert "nosuch" in _one_line(*gridbrain(_url(migrated), "nosuch"))


@pytest.fixture
def boom():
    @cli.app.command("boom")
    def _boom() -> None:
        raise RuntimeError("something nobody foresaw")

    yield
    cli.app.registered_commands.pop()


def test_an_unexpected_failure_is_one_line_with_the_way_to_the_traceback(gridbrain, migrated, boom):
    line = _one_line(*gridbrain(_url(migrated), "boom"), exit_code=1)
    assert "something nobody foresaw" in line and "--debug" in line


def test_debug_lets_the_traceback_through(gridbrain, migrated, boom):
    with pytest.raises(RuntimeError, match="nobody foresaw"):
        gridbrain(_url(migrated), "--debug", "boom")


def test_help_works_without_any_database(gridbrain, tmp_path):
    code, out, err = gridbrain(_url(tmp_path / "none" / "x.db"), "users", "create", "--help")
    assert code == 0 and "--role" in out and not err
    assert isinstance(cli.app, typer.Typer)
