"""addresses: base tables

Revision ID: 0002_addresses
Revises: 
Create Date: 2026-11-24 06:55:17.541634
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op




revision = '0002_addresses'
down_revision = None
branch_labels = ('addresses',)
depends_on = '0001_foundation'


def upgrade() -> None:
    op.create_table('address_aliases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('address_code', sa.String(length=24), nullable=False),
    sa.Column('alias', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_address_aliases'))
    )
    with op.batch_alter_table('address_aliases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_address_aliases_address_code'), ['address_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_address_aliases_alias'), ['alias'], unique=False)

    op.create_table('addresses',
    sa.Column('code', sa.String(length=24), nullable=False),
    sa.Column('parent_code', sa.String(length=24), nullable=True),
    sa.Column('level', sa.String(length=12), nullable=False),
    sa.Column('full_text', sa.String(length=200), nullable=False),
    sa.Column('road', sa.String(length=40), nullable=True),
    sa.Column('number', sa.String(length=16), nullable=True),
    sa.Column('compound', sa.String(length=40), nullable=True),
    sa.Column('building', sa.String(length=16), nullable=True),
    sa.Column('unit', sa.String(length=16), nullable=True),
    sa.Column('room', sa.String(length=16), nullable=True),
    sa.Column('grid_code', sa.String(length=15), nullable=False),
    sa.Column('lat', sa.Float(), nullable=False),
    sa.Column('lng', sa.Float(), nullable=False),
    sa.Column('h3_9', sa.String(length=16), nullable=True),
    sa.Column('h3_11', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_addresses'))
    )
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_addresses_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_h3_9'), ['h3_9'], unique=False)
        batch_op.create_index(batch_op.f('ix_addresses_parent_code'), ['parent_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_addresses_parent_code'))
        batch_op.drop_index(batch_op.f('ix_addresses_h3_9'))
        batch_op.drop_index(batch_op.f('ix_addresses_grid_code'))

    op.drop_table('addresses')
    with op.batch_alter_table('address_aliases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_address_aliases_alias'))
        batch_op.drop_index(batch_op.f('ix_address_aliases_address_code'))

    op.drop_table('address_aliases')
