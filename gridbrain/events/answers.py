"""The answer a reporter is told when their event closes (答复): the handler's result (处置结果,
the note of the latest `handled` move), else the close note, else 已办结. One rule for the
outbox's answer back and the resident's ticket page."""

from __future__ import annotations

import sqlalchemy as sa

from gridbrain.core.db import UnitOfWork
from gridbrain.events.tables import event_transitions

DONE = "已办结"


def handler_result(uow: UnitOfWork, event_id: str) -> str | None:
    """What the handler wrote when they finished the work: the note of the latest `handled` move."""
    t = event_transitions.c
    q = sa.select(t.note).where(t.event_id == event_id, t.action == "handled").order_by(t.seq.desc()).limit(1)
    note = uow.execute(q).scalar()
    return note.strip() if note and note.strip() else None


def answer_text(result: str | None, close_note: str | None) -> str:
    """The answer told to the reporter, from the handler's result and the close note."""
    return result or (close_note.strip() if close_note and close_note.strip() else None) or DONE
