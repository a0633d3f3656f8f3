"""The package as users get it: a wheel installed into a fresh virtual environment."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_db_upgrade_works_from_a_wheel_installed_in_a_fresh_virtual_environment(tmp_path):
    if not UV.exists():
        pytest.skip(f"uv is not in {UV.parent} (make install puts it there)")
    built = _run(UV, "build", "--wheel", "--out-dir", tmp_path / "dist", REPO, cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "dist").glob("gridbrain-*.whl")
    venv = tmp_path / "venv"
    assert _run(UV, "venv", "-q", "--python", sys.executable, venv, cwd=tmp_path).returncode == 0
    python = venv / "bin" / "python"
    installed = _run(UV, "pip", "install", "-q", "--python", python, "--no-deps", wheel, cwd=tmp_path)
    assert installed.returncode == 0, installed.stderr
    # the dependencies come from the development venv's site-packages (a path, so its editable
    # install of gridbrain is not activated); gridbrain itself only from the wheel
    ask = _run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))", cwd=tmp_path)
    purelib = Path(ask.stdout.strip())
    (purelib / "zz_dev_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    where = _run(python, "-c", "import gridbrain; print(gridbrain.__file__)", cwd=tmp_path)
    assert where.stdout.startswith(str(venv)), where.stdout + where.stderr

    db = tmp_path / "fresh.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDBRAIN_")}
    env |= {"GRIDBRAIN_DATABASE_URL": f"sqlite:///{db}", "GRIDBRAIN_VAR_DIR": str(tmp_path / "var")}
    upgraded = _run(venv / "bin" / "gridbrain", "db", "upgrade", cwd=tmp_path, env=env)

    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "schema up to date" in upgraded.stdout
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        heads = {r[0] for r in conn.execute("SELECT version_num FROM alembic_version")}
    assert {"events", "addresses", "department_types"} <= tables
    assert heads, "no migration was recorded"
