"""What supervision did, as typed past-tense facts other capabilities subscribe to by type.

Pure: no storage, no web. Each is emitted with `uow.emit(instance)` and published after the
commit that made it true (`gridbrain.core.signals.connect(RedCardIssued, handler)`). Subscribe
to a base (`CardIssued`, `SummonsChanged`, `OrderChanged`) to hear all of its kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridbrain.core.levels import Level

# --- cards and escalation (红黄牌、超时升级) ----------------------------------------------------------


@dataclass(frozen=True)
class CardIssued:
    """A card was issued on one deadline of an event (once per event, deadline, round, colour)."""

    card_id: int
    event_id: str
    deadline_kind: str  # response | disposal
    round: int
    department_code: str | None
    area_code: str
    at: datetime


@dataclass(frozen=True)
class YellowCardIssued(CardIssued):
    """The deadline's yellow threshold passed (黄牌预警): most of the time is used."""


@dataclass(frozen=True)
class RedCardIssued(CardIssued):
    """The deadline ran out (红牌, 超时): the department missed it."""


DeadlineMissed = RedCardIssued  # the same fact, named as issue 13 names it


@dataclass(frozen=True)
class EventEscalatedBySupervision:
    """A red card sent the event one level up (超时升级)."""

    event_id: str
    card_id: int
    from_level: Level | None
    to_level: Level
    at: datetime


@dataclass(frozen=True)
class EscalationFailed:
    """A red card's escalation was refused by the event hub; recorded once, never retried."""

    event_id: str
    card_id: int
    reason: str
    at: datetime


# --- whistle and report-in (网格吹哨、部门报到) ------------------------------------------------------


@dataclass(frozen=True)
class WhistleBlown:
    """A grid, community or street summoned departments to an event (吹哨)."""

    whistle_id: str
    event_id: str
    area_code: str
    departments: tuple[str, ...]
    report_in_due_at: datetime
    at: datetime


@dataclass(frozen=True)
class SummonsChanged:
    """Something happened to one summoned department's summons."""

    summons_id: int
    whistle_id: str
    event_id: str
    department_code: str
    at: datetime


@dataclass(frozen=True)
class SummonsIssued(SummonsChanged):
    """A department was summoned by a whistle and must report in by `report_in_due_at`."""

    report_in_due_at: datetime | None = None


@dataclass(frozen=True)
class ReportedIn(SummonsChanged):
    """The department reported in (报到); `late` when after its deadline."""

    late: bool = False


@dataclass(frozen=True)
class ArrivedOnSite(SummonsChanged):
    """The department's people are on site (到场)."""


@dataclass(frozen=True)
class ResultReported(SummonsChanged):
    """The department said what it did on site."""


@dataclass(frozen=True)
class ReportInMissed(SummonsChanged):
    """No report-in by the deadline (吹哨不到), recorded once by the sweeper."""


@dataclass(frozen=True)
class ResultMissed(SummonsChanged):
    """Reported in but no result by the result deadline (人到无效), recorded once."""


# --- supervision orders (督办单) --------------------------------------------------------------------


@dataclass(frozen=True)
class OrderChanged:
    """Something happened to a supervision order."""

    order_id: str
    event_id: str
    department_code: str | None
    at: datetime


@dataclass(frozen=True)
class OrderOpened(OrderChanged):
    due_at: datetime | None = None


@dataclass(frozen=True)
class OrderReplied(OrderChanged):
    late: bool = False


@dataclass(frozen=True)
class OrderClosed(OrderChanged):
    pass


@dataclass(frozen=True)
class OrderOverdue(OrderChanged):
    """The reply did not come by the due time (督办超期), recorded once by the sweeper."""
