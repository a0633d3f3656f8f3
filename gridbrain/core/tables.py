"""Kernel tables: staff users, API tokens, the audit trail and its hash chain."""

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
    sa.Column("expires_at", UtcDateTime, nullable=True),  # NULL only for tokens made before expiry existed
)

# server-side web sessions: the cookie carries a random id whose hash is kept here, so logout,
# deactivation and expiry end a session everywhere (a signed cookie alone cannot be taken back)
web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("address", sa.String(64), nullable=True),
)

# login tries, for throttling per account and per client address
login_attempts = sa.Table(
    "login_attempts",
    metadata,
    sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("address", sa.String(64), nullable=True, index=True),
    sa.Column("succeeded", sa.Boolean, nullable=False),
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
    # the hash chain (core.audit_chain): position, the hash of the entry before, this entry's hash;
    # NULL until the sealer reaches the entry (seconds after its commit)
    sa.Column("chain_seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=True, unique=True),
    sa.Column("prev_hash", sa.String(64), nullable=True),
    sa.Column("hash", sa.String(64), nullable=True),
)

# the newest sealed entry of the audit chain: one row (id 1), locked while sealing
audit_chain_head = sa.Table(
    "audit_chain_head",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer, "sqlite"), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("sealed_at", UtcDateTime, nullable=False),
)
