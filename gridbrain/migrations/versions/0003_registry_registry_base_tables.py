"""registry: base tables

Revision ID: 0003_registry
Revises: 
Create Date: 2026-11-24 06:55:18.553776
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op


from sqlalchemy.dialects import postgresql

revision = '0003_registry'
down_revision = None
branch_labels = ('registry',)
depends_on = '0001_foundation'


def upgrade() -> None:
    op.create_table('enterprises',
    sa.Column('uscc', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('legal_representative', sa.String(length=32), nullable=True),
    sa.Column('registered_address', sa.String(length=200), nullable=True),
    sa.Column('operating_address_code', sa.String(length=24), nullable=True),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('industry', sa.String(length=40), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='存续', nullable=False),
    sa.Column('tax_location', sa.String(length=12), nullable=True),
    sa.Column('established_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=32), server_default='import', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('uscc', name=op.f('pk_enterprises'))
    )
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprises_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprises_operating_address_code'), ['operating_address_code'], unique=False)

    op.create_table('people',
    sa.Column('id_number', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('sex', sa.String(length=1), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('phone', sa.String(length=20), nullable=True),
    sa.Column('registered_address', sa.String(length=200), nullable=True),
    sa.Column('residence_address_code', sa.String(length=24), nullable=True),
    sa.Column('grid_code', sa.String(length=15), nullable=True),
    sa.Column('tags', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('source', sa.String(length=32), server_default='import', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id_number', name=op.f('pk_people'))
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_grid_code'), ['grid_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_residence_address_code'), ['residence_address_code'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_residence_address_code'))
        batch_op.drop_index(batch_op.f('ix_people_grid_code'))

    op.drop_table('people')
    with op.batch_alter_table('enterprises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprises_operating_address_code'))
        batch_op.drop_index(batch_op.f('ix_enterprises_grid_code'))

    op.drop_table('enterprises')
