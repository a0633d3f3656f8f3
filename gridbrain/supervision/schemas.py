"""Request and response shapes of the supervision API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


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


class CardPublic(BaseModel):
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


class CardCount(BaseModel):
    key: str
    yellow: int
    red: int


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
    def of(cls, row: dict[str, Any]) -> AssessmentRow:
        return cls.model_validate({k: v for k, v in row.items() if k in cls.model_fields})


class Assessment(BaseModel):
    by: str
    since: datetime
    until: datetime
    rows: list[AssessmentRow]
