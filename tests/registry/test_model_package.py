"""The registry's model is a package: every module in it is as pure as a `model.py` file."""

import ast
from pathlib import Path

import pytest

MODEL = Path(__file__).resolve().parents[2] / "gridbrain" / "registry" / "model"
IMPURE = {"sqlalchemy", "fastapi", "starlette", "httpx", "requests", "paho", "psycopg", "alembic", "uvicorn"}
NO_IO = {"os", "pathlib", "socket", "subprocess", "sqlite3", "openpyxl", "yaml"}


def _imported(path: Path) -> list[str]:
    out: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
    return out


@pytest.mark.parametrize("path", sorted(MODEL.glob("*.py")), ids=lambda p: p.name)
def test_each_module_of_the_registry_model_imports_no_storage_web_or_io(path):
    for name in _imported(path):
        top = name.split(".")[0]
        assert top not in IMPURE | NO_IO, f"registry/model/{path.name} imports {name}"
        if name.startswith("gridbrain."):
            assert name.startswith(("gridbrain.registry.model", "gridbrain.core.codes", "gridbrain.core.levels",
                                    "gridbrain.core.errors")), f"registry/model/{path.name} imports {name}"  # fmt: skip
