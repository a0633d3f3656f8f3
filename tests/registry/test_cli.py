"""`gridbrain import people FILE` and `gridbrain reports ...` on a fresh SQLite database."""

import pytest
from typer.testing import CliRunner

from gridbrain.cli import app
from gridbrain.config import get_settings
from gridbrain.core.db import make_engine
from gridbrain.migrate import upgrade
from gridbrain.registry import notify
from tests.registry.helpers import person_id, write_csv


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("GRIDBRAIN_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    get_settings.cache_clear()


def test_the_import_command_ends_with_the_counts(cli_db, tmp_path):
    f = write_csv(tmp_path / "p.csv", [
        [person_id(1), "张三", "男", "1950-03-01", "", "", "", ""],
        [person_id(2), "李四 ", "", "", "", "", "", ""],
        ["330110", "王五", "", "", "", "", "", ""],
    ])  # fmt: skip
    result = CliRunner().invoke(app, ["import", "people", str(f)])
    assert result.exit_code == 0, result.output
    assert "read 3 / accepted 1 / fixed 1 / quarantined 1" in result.output


def test_the_export_command_prints_csv(cli_db, tmp_path):
    f = write_csv(tmp_path / "p.csv", [[person_id(1), "张三", "男", "1950-03-01", "", "", "", "独居老人"]])
    CliRunner().invoke(app, ["import", "people", str(f)])
    out = CliRunner().invoke(app, ["reports", "export", "people_count", "--area", "330110000000",
                                   "--params", '{"tag": "独居老人"}'])  # fmt: skip
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["count", "1"]


def test_the_steward_digest_goes_by_smtp_only_when_configured(monkeypatch):
    monkeypatch.delenv("GRIDBRAIN_SMTP_HOST", raising=False)
    assert isinstance(notify.default_notifier(), notify.LogNotifier)
    monkeypatch.setenv("GRIDBRAIN_SMTP_HOST", "mail.example.org")
    monkeypatch.setenv("GRIDBRAIN_STEWARD_EMAIL", "steward@example.org")
    notifier = notify.default_notifier()
    assert isinstance(notifier, notify.SmtpNotifier)
    assert (notifier.host, notifier.port, notifier.to) == ("mail.example.org", 25, "steward@example.org")
