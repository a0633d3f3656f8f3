"""The rules of the road from ARCHITECTURE.md, checked on the source itself."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "gridbrain"
# dependency order: a capability may import only from those to its left
ORDER = ["core", "areas", "addresses", "registry", "catalog", "events"]
RIGHT_OF_EVENTS = ["supervision", "perception", "emergency", "analysis", "council", "algorithms", "graph"]
RANK = {cap: i for i, cap in enumerate(ORDER)} | {cap: len(ORDER) for cap in RIGHT_OF_EVENTS}
IMPURE = ("sqlalchemy", "fastapi", "starlette", "httpx", "requests", "paho", "psycopg", "alembic", "uvicorn")
# the demo generator, benchmarks and web shell sit on top of every capability
TOP = {"demo", "bench", "web"}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def _capability_files():
    for cap_dir in sorted(p for p in ROOT.iterdir() if p.is_dir() and p.name in RANK):
        for f in sorted(cap_dir.rglob("*.py")):
            yield cap_dir.name, f


@pytest.mark.parametrize(("cap", "path"), list(_capability_files()), ids=lambda v: str(v).split("gridbrain/")[-1])
def test_capabilities_import_only_from_their_left(cap, path):
    for name in _imports(path):
        parts = name.split(".")
        if parts[0] == "gridbrain" and len(parts) > 1:
            assert parts[1] not in TOP | {"app"}, (
                f"{path.relative_to(ROOT)} imports {name}, which sits on top of everything"
            )
        if parts[0] != "gridbrain" or len(parts) < 2 or parts[1] not in RANK:
            continue
        other = parts[1]
        if other == cap:
            continue
        # capabilities to the right of events are siblings: none may import another
        assert RANK[other] < RANK[cap], f"{path.relative_to(ROOT)} imports {name}: {other} is not to the left of {cap}"


def test_the_kernel_imports_no_capability():
    for f in (ROOT / "core").rglob("*.py"):
        for name in _imports(f):
            parts = name.split(".")
            assert not (parts[0] == "gridbrain" and len(parts) > 1 and parts[1] in RANK and parts[1] != "core"), (
                f"core/{f.name} imports {name}"
            )


@pytest.mark.parametrize("path", sorted(ROOT.rglob("model.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_model_files_are_pure(path):
    for name in _imports(path):
        assert name.split(".")[0] not in IMPURE, f"{path.relative_to(ROOT)} imports {name}"
        assert name.split(".")[0] not in ("os", "pathlib", "socket", "subprocess", "sqlite3"), name


def test_every_model_file_is_found():
    assert (ROOT / "areas" / "model.py") in set(ROOT.rglob("model.py"))
