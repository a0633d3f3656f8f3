"""Verify instead of re-collect (以核代采). Pure.

A grid worker gets a task per record of their grid that is due by policy (never verified, or
not for `every_days`) or flagged by a signal (an address change arriving from elsewhere). The
task's lifecycle is a small state machine: an open task is answered once, either confirmed
(what is held is right: only the verified date moves) or changed (the worker sent the fields
that changed); an answered task takes no further action.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from gridbrain.core.errors import Conflict

DEFAULT_VERIFY_EVERY_DAYS = 180


class TaskStatus(StrEnum):
    OPEN = "open"
    CONFIRMED = "confirmed"  # 核实无误
    CHANGED = "changed"  # 核实有变更


class TaskReason(StrEnum):
    POLICY = "policy"  # due by the verification period
    SIGNAL = "signal"  # flagged by a change from another source


class TaskAction(StrEnum):
    CONFIRM = "confirm"
    CHANGE = "change"


# state → action → the state it leads to
MOVES: dict[TaskStatus, dict[TaskAction, TaskStatus]] = {
    TaskStatus.OPEN: {TaskAction.CONFIRM: TaskStatus.CONFIRMED, TaskAction.CHANGE: TaskStatus.CHANGED},
    TaskStatus.CONFIRMED: {},
    TaskStatus.CHANGED: {},
}


def allowed(status: TaskStatus) -> tuple[str, ...]:
    """The actions a task in `status` still takes."""
    return tuple(a.value for a in MOVES[status])


class TaskAlreadyAnswered(Conflict):
    """409: the action is not allowed from the task's state; names the state and what is allowed."""

    code = "illegal_transition"

    def __init__(self, task_id: str, status: TaskStatus, action: TaskAction) -> None:
        self.status_now = status
        self.allowed = allowed(status)
        super().__init__(
            f"verification task {task_id} is {status.value}; cannot {action.value}; "
            f"allowed: {', '.join(self.allowed) or 'none'}",
            field="status",
            rule="open",
        )


@dataclass(frozen=True)
class VerificationTask:
    """One record for a grid worker to verify (核实任务)."""

    id: str
    kind: str  # person | enterprise | house | place
    record_key: str
    grid_code: str
    reason: TaskReason
    detail: str | None
    status: TaskStatus
    created_at: datetime
    due_on: date
    answered_at: datetime | None = None
    answered_by: str | None = None
    changed_fields: tuple[str, ...] = ()

    @classmethod
    def new(  # noqa: PLR0913 - the task's own fields, named at its one creation site
        cls, task_id: str, kind: str, record_key: str, grid_code: str, reason: TaskReason, detail: str | None,
        *, at: datetime, due_on: date,
    ) -> VerificationTask:  # fmt: skip
        return cls(task_id, kind, record_key, grid_code, reason, detail, TaskStatus.OPEN, at, due_on)

    def answered(self, changed_fields: tuple[str, ...], *, by: str, at: datetime) -> VerificationTask:
        """The task answered: confirmed when nothing changed, else changed; refused once answered."""
        action = TaskAction.CHANGE if changed_fields else TaskAction.CONFIRM
        target = MOVES[self.status].get(action)
        if target is None:
            raise TaskAlreadyAnswered(self.id, self.status, action)
        return replace(self, status=target, answered_at=at, answered_by=by, changed_fields=tuple(changed_fields))


def verification_due(verified_at: datetime | None, now: datetime, every_days: int = DEFAULT_VERIFY_EVERY_DAYS) -> bool:
    """A record is due when never verified, or last verified `every_days` ago or more."""
    return verified_at is None or now - verified_at >= timedelta(days=every_days)


def coverage(verified: int, total: int) -> float:
    """Share of records verified within policy (1.0 for an empty grid: nothing is overdue)."""
    return 1.0 if total == 0 else round(verified / total, 4)
