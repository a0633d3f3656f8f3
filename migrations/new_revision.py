"""Autogenerate a revision for one capability's tables, on its own branch.

    .venv/bin/python migrations/new_revision.py CAPABILITY "message" [--first]

--first starts the capability's branch (depends on the foundation); otherwise the revision
follows the capability's current head.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from alembic import command
from alembic.script import ScriptDirectory

from gridbrain.core.db import make_engine
from gridbrain.migrate import alembic_config, load_all_tables, upgrade


def main() -> None:
    cap, message = sys.argv[1], sys.argv[2]
    first = "--first" in sys.argv
    metadata = load_all_tables()
    module = f"gridbrain.{cap}.tables"
    tables = {t.name for t in metadata.sorted_tables if t.info.get("capability") == cap or _defined_in(t, module)}
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'gen.db'}")
        upgrade(engine)
        cfg = alembic_config(engine)
        cfg.attributes["only_tables"] = tables
        script = ScriptDirectory.from_config(cfg)
        n = sum(1 for _ in script.walk_revisions())
        rev_id = f"{n + 1:04d}_{cap}"
        if first:
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id, head="base",
                             branch_label=cap, depends_on="0001_foundation")
        else:
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id, head=f"{cap}@head")


def _defined_in(table, module: str) -> bool:  # type: ignore[no-untyped-def]
    import importlib

    mod = importlib.import_module(module) if _exists(module) else None
    return mod is not None and any(getattr(mod, n) is table for n in dir(mod))


def _exists(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    main()
