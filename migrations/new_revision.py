"""Autogenerate a revision for one capability's tables, on its own branch.

    .venv/bin/python migrations/new_revision.py CAPABILITY "message" [--first]

--first starts the capability's branch (depends on the foundation); otherwise the revision
follows the capability's current head. Revisions are written into the package,
`gridbrain/migrations/versions/`, so that an installed wheel carries them.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.script import ScriptDirectory

from gridbrain.core.db import make_engine
from gridbrain.migrate import alembic_config, load_all_tables, upgrade
from gridbrain.plugins import optional


def main() -> None:
    cap, message = sys.argv[1], sys.argv[2]
    first = "--first" in sys.argv
    metadata = load_all_tables()
    module = optional(f"gridbrain.{cap}.tables")
    if module is None:
        raise SystemExit(f"gridbrain/{cap}/tables.py not found")
    tables = {t.name for t in vars(module).values() if isinstance(t, sa.Table) and t.metadata is metadata}
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


if __name__ == "__main__":
    main()
