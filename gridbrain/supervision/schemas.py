"""Request and response shapes of the supervision API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field

from gridbrain.supervision.assessment.service import Ranked


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PauseCreate(_Body):
    """Ask for an extension (延期: how much more time) or a suspension (挂起), with a reason."""

    kind: Literal["extension", "suspension"]
    reason: str = Field(min_length=1, max_length=2000)
    value: float | None = Field(None, gt=0, description="extension only: how much more time")
    unit: Literal["working_hours", "working_days", "hours", "days"] | None = None


class Decision(_Body):
    note: str | None = Field(None, max_length=2000)


class OrderCreate(_Body):
    """A supervision order (督办单): what reply is required, and by when."""

    due_at: datetime = Field(description="ISO time; without an offset it is read as China time")
    requirement: str = Field(min_length=1, max_length=2000)


class OrderReply(_Body):
    reply: str = Field(min_length=1, max_length=2000)


class WhistleCreate(_Body):
    """Blow the whistle (吹哨) on an event, naming the departments that must report in."""

    departments: list[str] = Field(min_length=1, max_length=20)
    reason: str = Field(min_length=1, max_length=2000)


class ReportIn(_Body):
    attendees: str = Field(min_length=1, max_length=500, description="who comes (报到人员)")


class SummonsResult(_Body):
    result: str = Field(min_length=1, max_length=2000)


class CaseCreate(_Body):
    title: str = Field(min_length=1, max_length=120)
    summary: str = Field(min_length=1, max_length=4000)
    review_notes: str | None = Field(None, max_length=8000)
    tags: list[str] = Field(default_factory=list, max_length=20)


# --- responses: only these fields leave the server ------------------------------------------------


class _Public(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, value: object) -> Self:
        """The public shape of a service's view or a stored row (read by attribute)."""
        return cls.model_validate(value, from_attributes=True)


class LimitPublic(_Public):
    value: float
    unit: str = Field(description="working_hours | working_days | hours | days")


class DeadlinePublic(_Public):
    """One clock of an event (响应 / 处置时限), in the event detail's `deadlines`."""

    kind: str = Field(description="response | disposal")
    round: int
    status: str = Field(description="running | paused | met | ended")
    end_reason: str | None
    limit: LimitPublic
    department_code: str | None
    level: str | None
    started_at: datetime
    yellow_at: datetime
    due_at: datetime
    paused_at: datetime | None
    ended_at: datetime | None
    extensions: int
    overdue: bool
    remaining_seconds: int | None
    yellow_card_at: datetime | None
    red_card_at: datetime | None


class CardPublic(_Public):
    """A yellow or red card (红黄牌)."""

    id: int
    event_id: str
    colour: str
    deadline_kind: str
    round: int
    issued_at: datetime
    due_at: datetime
    department_code: str | None
    level: str | None
    area_code: str
    supervisor_area_code: str
    escalated_to: str | None


class CardCount(_Public):
    key: str
    yellow: int
    red: int


class PausePublic(_Public):
    """An extension (延期) or suspension (挂起) request and its decision."""

    id: int
    event_id: str
    area_code: str
    kind: str
    status: str = Field(description="requested | approved | rejected | ended")
    reason: str
    value: float | None
    unit: str | None
    requested_by: str
    requested_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str | None
    ended_by: str | None
    ended_at: datetime | None


class OrderPublic(_Public):
    """A supervision order (督办单)."""

    id: str
    event_id: str
    area_code: str
    department_code: str | None
    status: str = Field(description="open | replied | closed")
    requirement: str
    opened_by: str
    opened_at: datetime
    due_at: datetime
    reply: str | None
    replied_by: str | None
    replied_at: datetime | None
    overdue_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    overdue: bool


class SummonsPublic(_Public):
    """One summoned department (部门报到) and its flags (吹哨不到、人到无效)."""

    id: int
    whistle_id: str
    event_id: str
    area_code: str
    grid_code: str | None
    department_code: str
    summoned_at: datetime
    report_in_due_at: datetime
    result_due_at: datetime
    reported_in_at: datetime | None
    reported_in_by: str | None
    attendees: str | None
    arrived_at: datetime | None
    result_at: datetime | None
    result: str | None
    no_report_in_at: datetime | None
    no_result_at: datetime | None
    state: str = Field(description="summoned | reported_in | arrived | done")
    flags: list[str]


class WhistlePublic(_Public):
    """A whistle (吹哨) and every department it summoned."""

    id: str
    event_id: str
    area_code: str
    blown_from: str
    blown_level: str
    blown_by: str
    blown_at: datetime
    reason: str
    summons: list[SummonsPublic]


class CasePublic(_Public):
    """A case of the library (案例库); `similarity` when found as similar to an event."""

    id: str
    event_id: str
    matter_code: str | None
    matter_class: str | None
    area_code: str
    title: str
    summary: str
    review_notes: str | None
    tags: list[str]
    created_by: str
    created_at: datetime
    similarity: int | None = None


class AssessmentRow(BaseModel):
    rank: int
    key: str
    name: str
    score: float
    received: int
    response_due: int
    accepted_on_time: int
    returned: int
    disposal_due: int
    closed_on_time: int
    yellow_cards: int
    red_cards: int
    summoned: int
    reported_in_on_time: int
    reported_in_late: int
    no_report_in: int
    no_result: int
    closed: int
    reopened: int
    satisfaction_n: int
    accepted_on_time_rate: float | None
    return_rate: float | None
    closed_on_time_rate: float | None
    report_in_rate: float | None
    satisfaction: float | None
    reopen_rate: float | None

    @classmethod
    def of(cls, row: Ranked) -> AssessmentRow:
        return cls.model_validate({name: row.value(name) for name in cls.model_fields})


class Assessment(BaseModel):
    by: str
    since: datetime
    until: datetime
    rows: list[AssessmentRow]
