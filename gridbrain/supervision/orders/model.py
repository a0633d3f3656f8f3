"""The lifecycles of a supervision order (督办单) and of a summons (吹哨报到): pure state machines.

Each knows its states and the moves allowed from each; a move that is not allowed is refused
with a 409 that names the state and what is allowed there. Commands are small dataclasses, so
the HTTP layer, the CLI and tests give the same input.

    order:    open --reply--> replied --close--> closed        (open --mark_overdue--> open, once)
    summons:  summoned --report_in--> reported_in --arrive--> arrived --report_result--> done
              (the sweeper flags 吹哨不到 and 人到无效 once each, whatever the state)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gridbrain.core.errors import Conflict, Invalid, MissingField

TEXT_MAX = 2000


class IllegalMove(Conflict):
    """A move the lifecycle does not allow from the current state (409)."""

    def __init__(self, what: str, ident: object, state: str, action: str, allowed: list[str], field: str) -> None:
        super().__init__(
            f"{what} {ident} is {state}: {action} is not allowed; allowed: {', '.join(allowed) or 'nothing'}",
            field=field,
            rule=f"state_{state}",
        )
        self.state, self.action, self.allowed = state, action, allowed


def text(value: str | None, field: str, limit: int = TEXT_MAX) -> str:
    """Required free text, stripped, at most `limit` characters."""
    if not (value or "").strip():
        raise MissingField(field)
    if len(value or "") > limit:
        raise Invalid(field, f"at most {limit} characters")
    return (value or "").strip()


# --- supervision orders (督办单) -------------------------------------------------------------------


class OrderState(StrEnum):
    OPEN = "open"
    REPLIED = "replied"
    CLOSED = "closed"


class OrderAction(StrEnum):
    REPLY = "reply"
    CLOSE = "close"
    MARK_OVERDUE = "mark_overdue"


ORDER_MOVES: Mapping[OrderState, Mapping[OrderAction, OrderState]] = {
    OrderState.OPEN: {OrderAction.REPLY: OrderState.REPLIED, OrderAction.MARK_OVERDUE: OrderState.OPEN},
    OrderState.REPLIED: {OrderAction.CLOSE: OrderState.CLOSED},
    OrderState.CLOSED: {},
}


@dataclass(frozen=True)
class OpenOrder:
    """Open a supervision order on an event: what reply is required, and by when."""

    event_id: str
    due_at: datetime
    requirement: str


@dataclass(frozen=True)
class ReplyOrder:
    order_id: str
    reply: str


@dataclass(frozen=True)
class Order:
    """A supervision order as its lifecycle sees it."""

    id: str
    status: OrderState
    due_at: datetime
    replied_at: datetime | None = None
    overdue_at: datetime | None = None
    closed_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        """Open past its due time, or replied late (stays marked)."""
        late_reply = self.replied_at is not None and self.replied_at > self.due_at
        return (self.status == OrderState.OPEN and now > self.due_at) or late_reply

    def move(self, action: OrderAction) -> OrderState:
        """The state `action` leads to, or IllegalMove."""
        moves = ORDER_MOVES[self.status]
        if action not in moves:
            raise IllegalMove("supervision order", self.id, self.status, action, list(moves), "order_id")
        return moves[action]


def opened(order_id: str, cmd: OpenOrder, *, at: datetime) -> tuple[Order, str]:
    """A new open order and its requirement text; the due time must be in the future."""
    requirement = text(cmd.requirement, "requirement")
    if cmd.due_at.tzinfo is None:
        raise Invalid("due_at", "aware", "due_at needs a time zone")
    if cmd.due_at <= at:
        raise Invalid("due_at", "in_future", "due_at must be in the future")
    return Order(order_id, OrderState.OPEN, cmd.due_at), requirement


def replied(order: Order, cmd: ReplyOrder, *, at: datetime) -> tuple[Order, str]:
    """The required reply came; a late one marks the order overdue for good."""
    state = order.move(OrderAction.REPLY)
    reply = text(cmd.reply, "reply")
    overdue_at = order.overdue_at or (at if at > order.due_at else None)
    return replace(order, status=state, replied_at=at, overdue_at=overdue_at), reply


def closed(order: Order, *, at: datetime) -> Order:
    """The operator accepts the reply."""
    return replace(order, status=order.move(OrderAction.CLOSE), closed_at=at)


def marked_overdue(order: Order, *, at: datetime) -> Order | None:
    """The sweeper marks an open order past its due time, once (None: nothing to mark)."""
    if order.overdue_at is not None or at < order.due_at or OrderAction.MARK_OVERDUE not in ORDER_MOVES[order.status]:
        return None
    return replace(order, overdue_at=at)


# --- summons (吹哨报到) -------------------------------------------------------------------------


class SummonsState(StrEnum):
    SUMMONED = "summoned"
    REPORTED_IN = "reported_in"
    ARRIVED = "arrived"
    DONE = "done"  # the result is reported


class SummonsAction(StrEnum):
    REPORT_IN = "report_in"
    ARRIVE = "arrive"
    REPORT_RESULT = "report_result"


SUMMONS_MOVES: Mapping[SummonsState, Mapping[SummonsAction, SummonsState]] = {
    SummonsState.SUMMONED: {SummonsAction.REPORT_IN: SummonsState.REPORTED_IN},
    SummonsState.REPORTED_IN: {SummonsAction.ARRIVE: SummonsState.ARRIVED},
    SummonsState.ARRIVED: {SummonsAction.REPORT_RESULT: SummonsState.DONE},
    SummonsState.DONE: {},
}


class SummonsFlag(StrEnum):
    NO_REPORT_IN = "no_report_in"  # 吹哨不到
    LATE_REPORT_IN = "late_report_in"
    NO_RESULT = "no_result"  # 人到无效: reported in but no result by the result deadline


@dataclass(frozen=True)
class BlowWhistle:
    """Summon departments to an event (网格吹哨), with the reason."""

    event_id: str
    departments: tuple[str, ...]
    reason: str


@dataclass(frozen=True)
class ReportIn:
    summons_id: int
    attendees: str


@dataclass(frozen=True)
class ReportResult:
    summons_id: int
    result: str


@dataclass(frozen=True)
class Summons:
    """One summoned department's report-in, as its lifecycle sees it."""

    report_in_due_at: datetime
    result_due_at: datetime
    reported_in_at: datetime | None = None
    arrived_at: datetime | None = None
    result_at: datetime | None = None
    no_report_in_at: datetime | None = None  # recorded once by the sweeper
    no_result_at: datetime | None = None
    id: int = 0

    @property
    def state(self) -> SummonsState:
        if self.result_at is not None:
            return SummonsState.DONE
        if self.arrived_at is not None:
            return SummonsState.ARRIVED
        if self.reported_in_at is not None:
            return SummonsState.REPORTED_IN
        return SummonsState.SUMMONED

    def move(self, action: SummonsAction) -> SummonsState:
        moves = SUMMONS_MOVES[self.state]
        if action not in moves:
            raise IllegalMove("summons", self.id, self.state, action, list(moves), "summons_id")
        return moves[action]


def whistle_departments(cmd: BlowWhistle) -> list[str]:
    """The departments a whistle names: at least one, each once."""
    codes = [c.strip() for c in cmd.departments if c and c.strip()]
    if not codes:
        raise MissingField("departments")
    if len(set(codes)) != len(codes):
        raise Invalid("departments", "unique", "a department is named twice")
    return codes


def reported_in(s: Summons, *, at: datetime) -> Summons:
    """The department reported in (报到)."""
    s.move(SummonsAction.REPORT_IN)
    return replace(s, reported_in_at=at)


def arrived(s: Summons, *, at: datetime) -> Summons:
    """The department's people are on site."""
    s.move(SummonsAction.ARRIVE)
    return replace(s, arrived_at=at)


def result_reported(s: Summons, *, at: datetime) -> Summons:
    """What the department did on site; without it the report-in counts as 人到无效."""
    s.move(SummonsAction.REPORT_RESULT)
    return replace(s, result_at=at)


def summons_flags(s: Summons, now: datetime) -> list[SummonsFlag]:
    """What went wrong with one summoned department, as far as can be said at `now`."""
    flags = []
    if s.reported_in_at is None:
        if now > s.report_in_due_at:
            flags.append(SummonsFlag.NO_REPORT_IN)
    elif s.reported_in_at > s.report_in_due_at:
        flags.append(SummonsFlag.LATE_REPORT_IN)
    if s.reported_in_at is not None and s.result_at is None and now > s.result_due_at:
        flags.append(SummonsFlag.NO_RESULT)
    return flags


def shown_flags(s: Summons, now: datetime) -> list[str]:
    """The flags a view shows: those that hold now plus those the sweeper recorded for good."""
    flags = {f.value for f in summons_flags(s, now)}
    if s.no_report_in_at:
        flags.add(SummonsFlag.NO_REPORT_IN.value)
    if s.no_result_at and s.result_at is None:
        flags.add(SummonsFlag.NO_RESULT.value)
    return sorted(flags)


def swept(s: Summons, now: datetime) -> tuple[Summons, list[SummonsFlag]]:
    """The flags the sweeper records now (吹哨不到, 人到无效), each once, and the summons after."""
    due = summons_flags(s, now)
    new: list[SummonsFlag] = []
    if SummonsFlag.NO_REPORT_IN in due and s.no_report_in_at is None:
        s, new = replace(s, no_report_in_at=now), [*new, SummonsFlag.NO_REPORT_IN]
    if SummonsFlag.NO_RESULT in due and s.no_result_at is None:
        s, new = replace(s, no_result_at=now), [*new, SummonsFlag.NO_RESULT]
    return s, new


def summons_next_check(s: Summons) -> datetime | None:
    """When a summons may next earn a flag: its report-in deadline, then its result deadline."""
    if s.result_at is not None:
        return None
    if s.reported_in_at is None and s.no_report_in_at is None:
        return s.report_in_due_at
    if s.reported_in_at is not None and s.no_result_at is None:
        return s.result_due_at
    return None
