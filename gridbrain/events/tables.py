"""The event library (事件库): events, their transitions, the outbox, and what hangs off them."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

TS = UtcDateTime  # aware UTC on both databases
_BIGINT = sa.BigInteger().with_variant(sa.Integer, "sqlite")

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column(
        "channel", sa.String(16), nullable=False
    ),  # hotline_12345 | app | patrol | department | iot | video_ai | system
    sa.Column("external_id", sa.String(64), nullable=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("matter_code", sa.String(16), nullable=True, index=True),
    sa.Column("nature", sa.String(4), nullable=True),  # 求决 | 投诉 | 咨询 | 建议 | 举报 | 感谢
    sa.Column("parameters", JSONType, nullable=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("level", sa.String(12), nullable=True),  # grid | community | street | district
    sa.Column("department_code", sa.String(64), nullable=True, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),  # where it is handled, for scoping
    sa.Column("grid_code", sa.String(15), nullable=True, index=True),
    sa.Column("address_code", sa.String(24), nullable=True),
    sa.Column("address_text", sa.String(200), nullable=True),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lng", sa.Float, nullable=True),
    sa.Column("reporter_name", sa.String(32), nullable=True),
    sa.Column("reporter_phone", sa.String(20), nullable=True),
    sa.Column("reported_at", TS, nullable=False, index=True),
    sa.Column("closed_at", TS, nullable=True),
    sa.Column("satisfaction", sa.SmallInteger, nullable=True),
    sa.Column("reports_count", sa.Integer, nullable=False, server_default="1"),
    # --- added by the event hub (all nullable or defaulted: the demo generator writes base columns)
    sa.Column("updated_at", TS, nullable=True),
    sa.Column("dispatched_at", TS, nullable=True),
    sa.Column("triage_reason", sa.String(64), nullable=True),
    sa.Column("confidence", sa.Float, nullable=True),  # classifier confidence of matter_code
    sa.Column("candidates", JSONType, nullable=True),  # classifier top 3 [{matter_code, confidence}]
    sa.Column("catalog_version", sa.String(16), nullable=True),
    sa.Column("assignee", sa.String(64), nullable=True),  # a person within the department
    sa.Column("duplicate_of", sa.String(32), nullable=True),
    sa.Column("returns_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("rating_comment", sa.Text, nullable=True),
    sa.Column("rated_at", TS, nullable=True),
    sa.Column("reporter_contact", sa.String(120), nullable=True),  # e-mail / app account / device id
    sa.Column("media_url", sa.String(500), nullable=True),
    sa.Column("reported_by", sa.String(64), nullable=True),  # the account that submitted it
    sa.Column("transitions_count", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("channel", "external_id", name="uq_events_channel_external_id"),
    # the duplicate check asks for recent events of one matter (at seed scale: 1.3 M rows)
    sa.Index("ix_events_matter_reported", "matter_code", "reported_at"),
    sa.Index("ix_events_matter_lat", "matter_code", "lat"),  # the duplicate check: a box around a point
    # the duplicates of an event; only the few rows that are one, so that no planner takes this
    # index for the duplicate check's `duplicate_of IS NULL` (nearly every row)
    sa.Index(
        "ix_events_duplicate_of",
        "duplicate_of",
        postgresql_where=sa.text("duplicate_of IS NOT NULL"),
        sqlite_where=sa.text("duplicate_of IS NOT NULL"),
    ),
)

# One row per move of the lifecycle, written in the same transaction as the move.
event_transitions = sa.Table(
    "event_transitions",
    metadata,
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("at", TS, nullable=False, index=True),
    sa.Column("action", sa.String(16), nullable=False, index=True),  # past tense: reported, dispatched...
    sa.Column("from_status", sa.String(16), nullable=True),
    sa.Column("to_status", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(64), nullable=False),
    sa.Column("actor_role", sa.String(32), nullable=True),
    sa.Column("department_code", sa.String(64), nullable=True, index=True),
    sa.Column("level", sa.String(12), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.PrimaryKeyConstraint("event_id", "seq", name="pk_event_transitions"),
)

# The transactional outbox of the one door out (一个口子出): answers, notices, follower updates.
event_outbox = sa.Table(
    "event_outbox",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("kind", sa.String(24), nullable=False),  # answer | dispatch_notice | reroute_notice | follow_update
    sa.Column("adapter", sa.String(32), nullable=False),  # hotline_12345 | sms | app_push | department | logging
    sa.Column("recipient", sa.String(120), nullable=True),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("status", sa.String(8), nullable=False, server_default="pending"),  # pending | sent | dead
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("next_attempt_at", TS, nullable=False),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("sent_at", TS, nullable=True),
    sa.Index("ix_event_outbox_due", "status", "next_attempt_at"),
)

event_photos = sa.Table(
    "event_photos",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("path", sa.String(300), nullable=False),  # relative to the upload directory
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
)

# Residents who follow an event or a place (an area code) and are told of changes.
event_followers = sa.Table(
    "event_followers",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=True, index=True),
    sa.Column("area_code", sa.String(15), nullable=True, index=True),
    sa.Column("adapter", sa.String(32), nullable=False),
    sa.Column("contact", sa.String(120), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)

# Approved delegations of an out-of-list matter to grid workers (清单外事项下派, with funding and handbook).
event_delegations = sa.Table(
    "event_delegations",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("matter_code", sa.String(16), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), nullable=False),  # where it applies (district, street...)
    sa.Column("funding_note", sa.Text, nullable=False),
    sa.Column("handbook_url", sa.String(300), nullable=False),
    sa.Column("approved_by", sa.String(64), nullable=False),
    sa.Column("approved_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
)

# Corrections from triage and returns (退单): training data for the classifier.
event_training = sa.Table(
    "event_training",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("at", TS, nullable=False),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("source", sa.String(16), nullable=False),  # triage | reroute | return
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("matter_code", sa.String(16), nullable=True),  # the right matter (None: unknown yet)
    sa.Column("wrong_matter_code", sa.String(16), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

# Return visits (回访) for closed events nobody rated.
event_visits = sa.Table(
    "event_visits",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("done_at", TS, nullable=True),
    sa.Column("done_by", sa.String(64), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

# API keys of client systems posting Open311 requests.
open311_keys = sa.Table(
    "open311_keys",
    metadata,
    sa.Column("id", _BIGINT, primary_key=True, autoincrement=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("created_at", TS, nullable=False),
    sa.Column("revoked_at", TS, nullable=True),
)
