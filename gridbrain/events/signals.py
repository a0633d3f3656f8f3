"""What happened to an event, as typed past-tense facts other capabilities subscribe to.

Pure: no storage, no web. Every move of an event's lifecycle publishes one `EventChanged` of the
kind named for the move (`EventDispatched` for 派单, `EventReturned` for 退单, …) after the
commit, or inside it for handlers connected in-transaction (supervision's clocks). Subscribe to
`EventChanged` to hear every kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from gridbrain.core.levels import Level


@dataclass(frozen=True)
class EventChanged:
    """An event moved from one status to another (or was reported: no from-status)."""

    action: ClassVar[str] = ""  # the past-tense name, as in the transitions table
    event_id: str
    from_status: str | None
    to_status: str
    at: datetime
    actor: str
    matter_code: str | None = None
    nature: str | None = None
    level: Level | None = None
    department_code: str | None = None
    grid_code: str | None = None
    area_code: str | None = None
    channel: str | None = None
    note: str | None = None  # the move's reason or answer (退单理由, 结案答复…)


@dataclass(frozen=True)
class EventReported(EventChanged):
    action: ClassVar[str] = "reported"


@dataclass(frozen=True)
class EventTriaged(EventChanged):
    action: ClassVar[str] = "triaged"


@dataclass(frozen=True)
class EventDispatched(EventChanged):
    action: ClassVar[str] = "dispatched"


@dataclass(frozen=True)
class EventAccepted(EventChanged):
    action: ClassVar[str] = "accepted"


@dataclass(frozen=True)
class EventReturned(EventChanged):
    action: ClassVar[str] = "returned"


@dataclass(frozen=True)
class EventStarted(EventChanged):
    action: ClassVar[str] = "started"


@dataclass(frozen=True)
class EventHandled(EventChanged):
    action: ClassVar[str] = "handled"


@dataclass(frozen=True)
class EventRejected(EventChanged):
    action: ClassVar[str] = "rejected"


@dataclass(frozen=True)
class EventVerified(EventChanged):
    action: ClassVar[str] = "verified"


@dataclass(frozen=True)
class EventClosed(EventChanged):
    action: ClassVar[str] = "closed"


@dataclass(frozen=True)
class EventReopened(EventChanged):
    action: ClassVar[str] = "reopened"


@dataclass(frozen=True)
class EventCancelled(EventChanged):
    action: ClassVar[str] = "cancelled"


@dataclass(frozen=True)
class EventRerouted(EventChanged):
    action: ClassVar[str] = "rerouted"


@dataclass(frozen=True)
class EventEscalated(EventChanged):
    action: ClassVar[str] = "escalated"


@dataclass(frozen=True)
class EventRated(EventChanged):
    """The reporter rated the handling (满意度 1–5)."""

    action: ClassVar[str] = "rated"
    rating: int = 0


KINDS: dict[str, type[EventChanged]] = {
    cls.action: cls
    for cls in (
        EventReported,
        EventTriaged,
        EventDispatched,
        EventAccepted,
        EventReturned,
        EventStarted,
        EventHandled,
        EventRejected,
        EventVerified,
        EventClosed,
        EventReopened,
        EventCancelled,
        EventRerouted,
        EventEscalated,
        EventRated,
    )
}


def kind_of(action: str) -> type[EventChanged]:
    """The signal type of a past-tense action name ("dispatched" → EventDispatched)."""
    return KINDS[action]
