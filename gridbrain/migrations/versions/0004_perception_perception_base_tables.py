"""perception: base tables

Revision ID: 0004_perception
Revises: 
Create Date: 2026-11-24 06:55:24.274996
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text  # noqa: F401 - autogenerate renders JSONB(astext_type=Text())




revision = '0004_perception'
down_revision = None
branch_labels = ('perception',)
depends_on = '0001_foundation'


def upgrade() -> None:
    op.create_table('devices',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('address_code', sa.String(length=24), nullable=True),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='online', nullable=False),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_devices'))
    )
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_devices_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_devices_kind'), ['kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('devices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_devices_kind'))
        batch_op.drop_index(batch_op.f('ix_devices_grid_code'))

    op.drop_table('devices')
