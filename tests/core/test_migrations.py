import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from gridbrain.core.db import UtcDateTime
from gridbrain.migrate import load_all_tables


def _same_type(context, inspected_column, metadata_column, inspected_type, metadata_type):
    if isinstance(metadata_type, UtcDateTime):
        return not hasattr(inspected_type, "timezone")  # compare as the DateTime it is stored as
    return None  # default comparison


def _not_a_partition(obj, name, type_, reflected, compare_to):
    # perception's readings are partitioned by month on PostgreSQL: its partitions are storage
    return not (
        type_ == "table" and reflected and compare_to is None and re.fullmatch(r"readings_(default|\d{6})", name)
    )


def test_the_migrations_build_exactly_the_tables_the_code_declares(engine):
    with engine.connect() as conn:
        opts = {"compare_type": _same_type, "include_object": _not_a_partition}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, load_all_tables())
    assert diff == [], "tables.py and migrations disagree; run migrations/new_revision.py"
