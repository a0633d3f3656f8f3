"""Tables of the matter catalog: every published version, one of them active."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

# A version is immutable once published; an admin's edit publishes a new one (事项清单版本).
catalog_versions = sa.Table(
    "catalog_versions",
    metadata,
    sa.Column("version", sa.String(40), primary_key=True),
    sa.Column("based_on", sa.String(40), nullable=True),
    sa.Column("document", JSONType, nullable=False),  # {version, matters: [...]} as in matters.yaml
    sa.Column("matters", sa.Integer, nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=False, index=True),
    info={"capability": "catalog"},
)
