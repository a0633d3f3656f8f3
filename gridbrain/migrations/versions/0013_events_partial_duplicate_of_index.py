"""events: index duplicate_of only where it is set

The full index on duplicate_of held nearly every row as NULL; with missing or stale statistics
PostgreSQL took it for the duplicate check's `duplicate_of IS NULL` and read every open event.

Revision ID: 0013_events
Revises: 0012_events
Create Date: 2026-12-02 17:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_events'
down_revision = '0012_events'
branch_labels = None
depends_on = None

_SET = sa.text("duplicate_of IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_duplicate_of')
        batch_op.create_index(
            'ix_events_duplicate_of', ['duplicate_of'], unique=False, postgresql_where=_SET, sqlite_where=_SET
        )


def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_duplicate_of')
        batch_op.create_index('ix_events_duplicate_of', ['duplicate_of'], unique=False)
