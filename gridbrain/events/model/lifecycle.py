"""The event lifecycle: a strict state machine. Pure: no storage, no web.

An event moves reported → triage → dispatched → accepted | returned → in_progress → handled →
verified → closed; reopen; cancelled. Every move is an `Action`; `move()` either answers the
next status or refuses with the current status and the actions that are allowed from it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from gridbrain.core.errors import Conflict, Invalid, MissingField


class Status(StrEnum):
    REPORTED = "reported"
    TRIAGE = "triage"
    DISPATCHED = "dispatched"
    ACCEPTED = "accepted"
    RETURNED = "returned"
    IN_PROGRESS = "in_progress"
    HANDLED = "handled"
    VERIFIED = "verified"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    """What someone does to an event; the value is the verb used in URLs."""

    TRIAGE = "triage"  # classification or place unsure: to the human triage queue (分拣)
    DISPATCH = "dispatch"  # 派单 (also re-dispatch after a return, and dispatch out of triage)
    ACCEPT = "accept"  # 签收
    RETURN = "return"  # 退单, reason required
    START = "start"
    HANDLE = "handle"  # 处置完成
    REJECT = "reject"  # verification failed: back to work, reason required
    VERIFY = "verify"  # 核查
    CLOSE = "close"  # 结案
    REOPEN = "reopen"
    CANCEL = "cancel"  # duplicate or invalid, reason required
    REROUTE = "reroute"  # operator re-classifies and re-routes: re-dispatched
    ESCALATE = "escalate"  # to the level above (supervision's red card)

    @property
    def past(self) -> str:
        """The past-tense name used in signals and the transitions table."""
        return _PAST[self]


_PAST = {
    Action.TRIAGE: "triaged",
    Action.DISPATCH: "dispatched",
    Action.ACCEPT: "accepted",
    Action.RETURN: "returned",
    Action.START: "started",
    Action.HANDLE: "handled",
    Action.REJECT: "rejected",
    Action.VERIFY: "verified",
    Action.CLOSE: "closed",
    Action.REOPEN: "reopened",
    Action.CANCEL: "cancelled",
    Action.REROUTE: "rerouted",
    Action.ESCALATE: "escalated",
}

REPORTED = "reported"  # the first transition's action (no from-status)

_IN_WORK = (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS, Status.RETURNED)

# status -> {action: next status}
TRANSITIONS: dict[Status, dict[Action, Status]] = {
    Status.REPORTED: {
        Action.TRIAGE: Status.TRIAGE,
        Action.DISPATCH: Status.DISPATCHED,
        Action.CANCEL: Status.CANCELLED,
    },
    Status.TRIAGE: {Action.DISPATCH: Status.DISPATCHED, Action.CANCEL: Status.CANCELLED},
    Status.DISPATCHED: {
        Action.ACCEPT: Status.ACCEPTED,
        Action.RETURN: Status.RETURNED,
        Action.REROUTE: Status.DISPATCHED,
        Action.ESCALATE: Status.DISPATCHED,
        Action.CANCEL: Status.CANCELLED,
    },
    Status.RETURNED: {
        Action.DISPATCH: Status.DISPATCHED,
        Action.REROUTE: Status.DISPATCHED,
        Action.ESCALATE: Status.DISPATCHED,
        Action.TRIAGE: Status.TRIAGE,
        Action.CANCEL: Status.CANCELLED,
    },
    Status.ACCEPTED: {
        Action.START: Status.IN_PROGRESS,
        Action.REROUTE: Status.DISPATCHED,
        Action.ESCALATE: Status.DISPATCHED,
    },
    Status.IN_PROGRESS: {
        Action.HANDLE: Status.HANDLED,
        Action.REROUTE: Status.DISPATCHED,
        Action.ESCALATE: Status.DISPATCHED,
    },
    Status.HANDLED: {Action.VERIFY: Status.VERIFIED, Action.REJECT: Status.IN_PROGRESS},
    Status.VERIFIED: {Action.CLOSE: Status.CLOSED},
    Status.CLOSED: {Action.REOPEN: Status.DISPATCHED},
    Status.CANCELLED: {},
}

# actions that need a written reason
NEEDS_REASON = frozenset({Action.RETURN, Action.REJECT, Action.CANCEL, Action.REOPEN, Action.ESCALATE})
OPEN = frozenset(s for s in Status if s not in (Status.CLOSED, Status.CANCELLED))
TERMINAL = frozenset({Status.CANCELLED})


def allowed(status: Status | str) -> list[str]:
    """The actions allowed from a status, in a stable order."""
    return [a.value for a in TRANSITIONS[Status(status)]]


class IllegalTransition(Conflict):
    """The action is not allowed from the current status (409 naming status and allowed actions)."""

    code = "illegal_transition"

    def __init__(self, event_id: str, status: Status | str, action: str) -> None:
        self.status_now = Status(status)
        self.allowed = allowed(self.status_now)
        super().__init__(
            f"event {event_id} is {self.status_now.value}; cannot {action}; "
            f"allowed: {', '.join(self.allowed) or 'none'}",
            field="action",
            rule="transition",
        )

    def as_dict(self) -> dict[str, str]:
        out = super().as_dict()
        out["status"] = self.status_now.value
        out["allowed"] = ",".join(self.allowed)
        return out


def parse_action(raw: str) -> Action:
    try:
        return Action(raw)
    except ValueError:
        raise Invalid("action", f"must be one of {', '.join(a.value for a in Action)}") from None


def move(event_id: str, status: Status | str, action: Action | str, *, note: str | None = None) -> Status:
    """The status after `action`, or IllegalTransition; actions in NEEDS_REASON need a note."""
    act = parse_action(action) if isinstance(action, str) and not isinstance(action, Action) else Action(action)
    nxt = TRANSITIONS[Status(status)].get(act)
    if nxt is None:
        raise IllegalTransition(event_id, status, act.value)
    if act in NEEDS_REASON and not (note or "").strip():
        raise MissingField("reason")
    return nxt


def reopen_allowed(closed_at: datetime | None, now: datetime, window: timedelta) -> bool:
    """A closed event may be reopened only within the window after closing."""
    return closed_at is not None and now - closed_at <= window


# --- rating ------------------------------------------------------------------------------------


def check_rating(score: object, comment: str | None) -> tuple[int, str | None]:
    """Satisfaction 1–5 and an optional comment of at most 500 characters."""
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise Invalid("rating", "an integer from 1 to 5")
    if comment is not None and len(comment) > 500:
        raise Invalid("comment", "at most 500 characters")
    return score, (comment.strip() or None) if comment else None
