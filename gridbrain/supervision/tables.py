"""Tables of supervision: deadline clocks, cards, pauses, supervision orders, whistles, cases."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import JSONType, UtcDateTime, metadata

TS = UtcDateTime()
_ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")

# Few indexes on purpose: every card rewrites the row (next_check_at moves), and each index
# makes that dearer. Reads are by event, by start time (assessment) and by next_check_at (sweeper).
# One clock per event, deadline kind (response | disposal) and dispatch round: a re-dispatch
# (reroute, escalation, reopening, dispatch after a return) ends the running clocks and starts
# a new round for the new handler.
deadlines = sa.Table(
    "supervision_deadlines",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),  # response | disposal
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # running | paused | met | ended
    sa.Column("end_reason", sa.String(16), nullable=True),  # returned | superseded | cancelled | closed
    sa.Column("unit", sa.String(16), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("matter_code", sa.String(16), nullable=True),
    sa.Column("department_code", sa.String(64), nullable=True),
    sa.Column("level", sa.String(12), nullable=True),
    sa.Column("area_code", sa.String(15), nullable=False),  # the event's area, for scoping
    sa.Column("supervisor_area_code", sa.String(15), nullable=False),
    sa.Column("grid_code", sa.String(15), nullable=True),  # where it happened, for area assessment
    # what started the round: dispatched | rerouted | escalated | reopened
    sa.Column("cause", sa.String(12), nullable=False, server_default="dispatched"),
    sa.Column("previous_department_code", sa.String(64), nullable=True),  # who had the round before
    sa.Column("started_at", TS, nullable=False, index=True),
    sa.Column("yellow_at", TS, nullable=False),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("paused_at", TS, nullable=True),
    sa.Column("ended_at", TS, nullable=True),
    # when the sweeper must look again; NULL when nothing more can happen (ended, paused, red)
    sa.Column("next_check_at", TS, nullable=True, index=True),
    sa.Column("yellow_card_at", TS, nullable=True),
    sa.Column("red_card_at", TS, nullable=True),
    sa.Column("extensions", sa.Integer, nullable=False, server_default="0"),
    # also the index of an event's clocks (event_id leads): a second one on (event_id, status)
    # cost every card's update one more index entry for nothing
    sa.UniqueConstraint("event_id", "kind", "round", name="uq_supervision_deadlines_event_kind_round"),
)

# Red and yellow cards (红黄牌). The unique key makes issuing idempotent across sweepers and restarts.
cards = sa.Table(
    "supervision_cards",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False),
    sa.Column("deadline_id", _ID, nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("round", sa.Integer, nullable=False),
    sa.Column("colour", sa.String(8), nullable=False),  # yellow | red
    sa.Column("issued_at", TS, nullable=False, index=True),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("department_code", sa.String(64), nullable=True, index=True),  # the handler it goes to
    sa.Column("level", sa.String(12), nullable=True),
    # no index: scoping asks area_code OR grid_code, which one index cannot answer; the card lists
    # walk issued_at newest first
    sa.Column("area_code", sa.String(15), nullable=False),
    sa.Column("supervisor_area_code", sa.String(15), nullable=False),  # and their supervisor
    sa.Column("grid_code", sa.String(15), nullable=True),
    sa.Column("escalated_to", sa.String(12), nullable=True),
    sa.UniqueConstraint("event_id", "kind", "round", "colour", name="uq_supervision_cards_event_kind_round_colour"),
)

# Extension (延期) and suspension (挂起) requests: only an approved one moves or stops a clock.
pauses = sa.Table(
    "supervision_pauses",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),
    sa.Column("kind", sa.String(12), nullable=False),  # extension | suspension
    sa.Column("status", sa.String(12), nullable=False),  # requested | approved | rejected | ended
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("value", sa.Float, nullable=True),  # extension: how much more time
    sa.Column("unit", sa.String(16), nullable=True),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("requested_at", TS, nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", TS, nullable=True),
    sa.Column("decision_note", sa.Text, nullable=True),
    sa.Column("ended_by", sa.String(64), nullable=True),
    sa.Column("ended_at", TS, nullable=True),
)

# Supervision orders (督办单): opened by an operator with a due time and a required reply.
orders = sa.Table(
    "supervision_orders",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),
    sa.Column("department_code", sa.String(64), nullable=True, index=True),
    sa.Column("status", sa.String(12), nullable=False),  # open | replied | closed
    sa.Column("requirement", sa.Text, nullable=False),
    sa.Column("opened_by", sa.String(64), nullable=False),
    sa.Column("opened_at", TS, nullable=False),
    sa.Column("due_at", TS, nullable=False),
    sa.Column("reply", sa.Text, nullable=True),
    sa.Column("replied_by", sa.String(64), nullable=True),
    sa.Column("replied_at", TS, nullable=True),
    sa.Column("overdue_at", TS, nullable=True),  # set once by the sweeper when the reply is late
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("closed_at", TS, nullable=True),
    sa.Index("ix_supervision_orders_open", "status", "due_at"),
)

# Whistles (网格吹哨) and the departments they summon (部门报到).
whistles = sa.Table(
    "supervision_whistles",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),  # the event's area
    sa.Column("blown_from", sa.String(15), nullable=False),  # the grid / community / street blowing
    sa.Column("blown_level", sa.String(12), nullable=False),
    sa.Column("blown_by", sa.String(64), nullable=False),
    sa.Column("blown_at", TS, nullable=False, index=True),
    sa.Column("reason", sa.Text, nullable=False),
)

summons = sa.Table(
    "supervision_summons",
    metadata,
    sa.Column("id", _ID, primary_key=True, autoincrement=True),
    sa.Column("whistle_id", sa.String(32), nullable=False, index=True),
    sa.Column("event_id", sa.String(32), nullable=False, index=True),
    sa.Column("area_code", sa.String(15), nullable=False, index=True),
    sa.Column("department_code", sa.String(64), nullable=False, index=True),
    sa.Column("grid_code", sa.String(15), nullable=True),
    sa.Column("summoned_at", TS, nullable=False, index=True),
    sa.Column("report_in_due_at", TS, nullable=False),
    sa.Column("result_due_at", TS, nullable=False),
    sa.Column("reported_in_at", TS, nullable=True),
    sa.Column("reported_in_by", sa.String(64), nullable=True),
    sa.Column("attendees", sa.Text, nullable=True),  # who comes (人员)
    sa.Column("arrived_at", TS, nullable=True),
    sa.Column("result_at", TS, nullable=True),
    sa.Column("result", sa.Text, nullable=True),
    # recorded once by the sweeper (吹哨不到 / 人到无效), so they stay visible even if fixed later
    sa.Column("no_report_in_at", TS, nullable=True),
    sa.Column("no_result_at", TS, nullable=True),
    sa.Column("next_check_at", TS, nullable=True, index=True),
    sa.UniqueConstraint("whistle_id", "department_code", name="uq_supervision_summons_whistle_department"),
)

# The case library (案例库) of typical closed events, with review notes (复盘).
cases = sa.Table(
    "supervision_cases",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("event_id", sa.String(32), nullable=False, unique=True),
    sa.Column("matter_code", sa.String(16), nullable=True, index=True),
    sa.Column("matter_class", sa.String(64), nullable=True, index=True),  # class_path[:2] joined by /
    sa.Column("area_code", sa.String(15), nullable=False, index=True),
    sa.Column("title", sa.String(120), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("review_notes", sa.Text, nullable=True),
    sa.Column("tags", JSONType, nullable=False),
    sa.Column("search_text", sa.Text, nullable=False),  # jieba tokens, space separated, lower case
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", TS, nullable=False),
)
