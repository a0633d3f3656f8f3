"""events: base tables

Revision ID: 0005_events
Revises: 
Create Date: 2026-11-24 06:55:25.337629
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401 - autogenerate renders JSONB(astext_type=Text())


from sqlalchemy.dialects import postgresql

revision = '0005_events'
down_revision = None
branch_labels = ('events',)
depends_on = '0001_foundation'


def upgrade() -> None:
    op.create_table('events',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('matter_code', sa.String(length=16), nullable=True),
    sa.Column('nature', sa.String(length=4), nullable=True),
    sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), 'postgresql'), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('level', sa.String(length=12), nullable=True),
    sa.Column('department_code', sa.String(length=64), nullable=True),
    sa.Column('area_code', sa.String(length=15), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('address_code', sa.String(length=24), nullable=True),
    sa.Column('address_text', sa.String(length=200), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lng', sa.Float(), nullable=True),
    sa.Column('reporter_name', sa.String(length=32), nullable=True),
    sa.Column('reporter_phone', sa.String(length=20), nullable=True),
    sa.Column('reported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('reports_count', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events')),
    sa.UniqueConstraint('channel', 'external_id', name='uq_events_channel_external_id')
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_area_code'), ['area_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_department_code'), ['department_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_matter_code'), ['matter_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_reported_at'), ['reported_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index(batch_op.f('ix_events_reported_at'))
        batch_op.drop_index(batch_op.f('ix_events_matter_code'))
        batch_op.drop_index(batch_op.f('ix_events_grid_code'))
        batch_op.drop_index(batch_op.f('ix_events_department_code'))
        batch_op.drop_index(batch_op.f('ix_events_area_code'))

    op.drop_table('events')
