"""foundation: server-side web sessions, bearer tokens that expire, login attempts for throttling

Tokens made before expiry existed get one: 90 days after they were made.

Revision ID: 0015_foundation
Revises: 0014_foundation
Create Date: 2026-12-04 03:30:00
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from gridbrain.core.db import UtcDateTime

revision = '0015_foundation'
down_revision = '0014_foundation'
branch_labels = None
depends_on = None

_BIG = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', UtcDateTime(), nullable=True))
    tokens = sa.table('api_tokens', sa.column('id', sa.Integer), sa.column('created_at', UtcDateTime()),
                      sa.column('expires_at', UtcDateTime()))
    conn = op.get_bind()
    for row in conn.execute(sa.select(tokens.c.id, tokens.c.created_at)).all():
        conn.execute(tokens.update().where(tokens.c.id == row.id).values(expires_at=row.created_at + timedelta(days=90)))
    op.create_table(
        'web_sessions',
        sa.Column('id_hash', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('created_at', UtcDateTime(), nullable=False),
        sa.Column('last_seen_at', UtcDateTime(), nullable=False),
        sa.Column('expires_at', UtcDateTime(), nullable=False),
        sa.Column('ended_at', UtcDateTime(), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id_hash'),
    )
    op.create_index('ix_web_sessions_user_id', 'web_sessions', ['user_id'], unique=False)
    op.create_table(
        'login_attempts',
        sa.Column('id', _BIG, autoincrement=True, nullable=False),
        sa.Column('at', UtcDateTime(), nullable=False),
        sa.Column('username', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=True),
        sa.Column('succeeded', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_login_attempts_at', 'login_attempts', ['at'], unique=False)
    op.create_index('ix_login_attempts_username', 'login_attempts', ['username'], unique=False)
    op.create_index('ix_login_attempts_address', 'login_attempts', ['address'], unique=False)


def downgrade() -> None:
    op.drop_table('login_attempts')
    op.drop_table('web_sessions')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
