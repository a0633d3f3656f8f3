"""Kernel tables: staff users, API tokens, the audit trail."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(64), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    # the area the user may see: a 12-digit division or 15-digit grid code; NULL = everything
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("department_code", sa.String(64), nullable=True, index=True),
    sa.Column("phone", sa.String(20), nullable=True),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("tag", sa.String(96), nullable=False, index=True),  # capability:subject:action
    sa.Column("subject_id", sa.String(64), nullable=True, index=True),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=True),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("detail", JSONType, nullable=True),
)
