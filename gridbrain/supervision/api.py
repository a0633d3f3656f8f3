"""HTTP API of supervision (督办): cards, extension and suspension, supervision orders, whistle and
report-in, assessment and the case library. Deadlines and cards of one event are in
`GET /api/v1/events/{id}` (`deadlines`, `cards`, `similar_cases`)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder

from gridbrain.core import clock
from gridbrain.core.web import CurrentUser, UowDep
from gridbrain.supervision import assessment, cases, orders, service
from gridbrain.supervision.model import CHINA
from gridbrain.supervision.schemas import (
    Assessment,
    AssessmentRow,
    CardCount,
    CardPublic,
    CaseCreate,
    Decision,
    OrderCreate,
    OrderReply,
    PauseCreate,
    ReportIn,
    SummonsResult,
    WhistleCreate,
)

router = APIRouter(prefix="/api/v1", tags=["supervision"])

Since = Annotated[datetime | None, Query(description="ISO time; without an offset China time")]
By = Annotated[Literal["department", "street", "community"], Query()]


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=CHINA) if at is not None and at.tzinfo is None else at


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """Default: this month so far (China time)."""
    now = clock.now()
    until = _aware(until) or now
    if since is None:
        local = clock.local(now)
        since = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return _aware(since) or now - timedelta(days=30), until


def _json(value: Any) -> Any:
    return jsonable_encoder(value)


# --- cards --------------------------------------------------------------------------------------------


@router.get("/supervision/cards", response_model=list[CardPublic])
def list_cards(
    user: CurrentUser,
    uow: UowDep,
    colour: Annotated[Literal["yellow", "red"] | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=64)] = None,
    mine: Annotated[bool, Query(description="cards sent to my department or supervised by my area")] = False,
    since: Since = None,
    until: Since = None,
) -> list[dict[str, Any]]:
    """Red and yellow cards (红黄牌) in the user's area, newest first."""
    return service.list_cards(
        uow, user, colour=colour, department=department, mine=mine, since=_aware(since), until=_aware(until)
    )


@router.get("/supervision/cards/counts", response_model=list[CardCount])
def card_counts(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> list[dict[str, Any]]:
    """Cards counted per department, street or community (for the cockpit)."""
    return service.card_counts(uow, user, by=by, since=_aware(since), until=_aware(until))


# --- extension and suspension -------------------------------------------------------------------------


@router.post("/events/{event_id}/pauses", status_code=201)
def request_pause(event_id: str, body: PauseCreate, user: CurrentUser, uow: UowDep) -> Any:
    """Ask for an extension (延期) or a suspension (挂起); only an approved one moves the clocks."""
    out = service.request_pause(
        uow, user, event_id, kind=body.kind, reason=body.reason, value=body.value, unit=body.unit
    )
    uow.commit()
    return _json(out)


@router.get("/supervision/pauses")
def list_pauses(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[Literal["requested", "approved", "rejected", "ended"] | None, Query()] = None,
    event_id: Annotated[str | None, Query(max_length=32)] = None,
) -> Any:
    """Extension and suspension requests in the user's area, newest first."""
    return _json(service.list_pauses(uow, user, status=status, event_id=event_id))


@router.post("/supervision/pauses/{pause_id}/approve")
def approve_pause(pause_id: int, user: CurrentUser, uow: UowDep, body: Decision | None = None) -> Any:
    out = service.decide_pause(uow, user, pause_id, approve=True, note=(body or Decision()).note)
    uow.commit()
    return _json(out)


@router.post("/supervision/pauses/{pause_id}/reject")
def reject_pause(pause_id: int, body: Decision, user: CurrentUser, uow: UowDep) -> Any:
    """Reject with a note saying why."""
    out = service.decide_pause(uow, user, pause_id, approve=False, note=body.note)
    uow.commit()
    return _json(out)


@router.post("/supervision/pauses/{pause_id}/end")
def end_suspension(pause_id: int, user: CurrentUser, uow: UowDep) -> Any:
    """End an approved suspension: the clocks run again with the time they had left."""
    out = service.end_suspension(uow, user, pause_id)
    uow.commit()
    return _json(out)


# --- supervision orders ------------------------------------------------------------------------------


@router.post("/events/{event_id}/supervision-orders", status_code=201)
def open_order(event_id: str, body: OrderCreate, user: CurrentUser, uow: UowDep) -> Any:
    """Open a supervision order (督办单) on an event in the user's area."""
    out = orders.open_order(uow, user, event_id, due_at=body.due_at, requirement=body.requirement)
    uow.commit()
    return _json(out)


@router.get("/supervision/orders")
def list_orders(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[Literal["open", "replied", "closed"] | None, Query()] = None,
    event_id: Annotated[str | None, Query(max_length=32)] = None,
    overdue: Annotated[bool | None, Query()] = None,
) -> Any:
    return _json(orders.list_orders(uow, user, status=status, event_id=event_id, overdue=overdue))


@router.get("/supervision/orders/{order_id}")
def get_order(order_id: str, user: CurrentUser, uow: UowDep) -> Any:
    return _json(orders.get_order(uow, user, order_id))


@router.post("/supervision/orders/{order_id}/reply")
def reply_order(order_id: str, body: OrderReply, user: CurrentUser, uow: UowDep) -> Any:
    out = orders.reply_order(uow, user, order_id, reply=body.reply)
    uow.commit()
    return _json(out)


@router.post("/supervision/orders/{order_id}/close")
def close_order(order_id: str, user: CurrentUser, uow: UowDep) -> Any:
    out = orders.close_order(uow, user, order_id)
    uow.commit()
    return _json(out)


# --- whistle and report-in ------------------------------------------------------------------------------


@router.post("/events/{event_id}/whistles", status_code=201)
def blow_whistle(event_id: str, body: WhistleCreate, user: CurrentUser, uow: UowDep) -> Any:
    """A grid, community or street blows the whistle (吹哨), naming the departments to report in."""
    out = orders.blow_whistle(uow, user, event_id, departments_=body.departments, reason=body.reason)
    uow.commit()
    return _json(out)


@router.get("/supervision/whistles")
def list_whistles(user: CurrentUser, uow: UowDep, event_id: Annotated[str | None, Query(max_length=32)] = None) -> Any:
    return _json(orders.list_whistles(uow, user, event_id=event_id))


@router.get("/supervision/whistles/{whistle_id}")
def get_whistle(whistle_id: str, user: CurrentUser, uow: UowDep) -> Any:
    """A whistle with every summoned department, its report-in and its flags (吹哨不到、人到无效)."""
    return _json(orders.get_whistle(uow, user, whistle_id))


@router.post("/supervision/summons/{summons_id}/report-in")
def report_in(summons_id: int, body: ReportIn, user: CurrentUser, uow: UowDep) -> Any:
    """The summoned department reports in (报到) and names who comes."""
    out = orders.report_in(uow, user, summons_id, attendees=body.attendees)
    uow.commit()
    return _json(out)


@router.post("/supervision/summons/{summons_id}/arrive")
def arrive(summons_id: int, user: CurrentUser, uow: UowDep) -> Any:
    out = orders.arrive(uow, user, summons_id)
    uow.commit()
    return _json(out)


@router.post("/supervision/summons/{summons_id}/result")
def summons_result(summons_id: int, body: SummonsResult, user: CurrentUser, uow: UowDep) -> Any:
    out = orders.report_result(uow, user, summons_id, result=body.result)
    uow.commit()
    return _json(out)


# --- assessment ----------------------------------------------------------------------------------------


@router.get("/supervision/assessment", response_model=Assessment)
def get_assessment(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> Assessment:
    """Assessment (考核) per department or area over a period, ranked (default: this month)."""
    start, end = _period(since, until)
    rows = assessment.assess(uow, user, since=start, until=end, by=by)
    return Assessment(by=by, since=start, until=end, rows=[AssessmentRow.of(r) for r in rows])


@router.get("/supervision/assessment.xlsx")
def export_assessment(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> Response:
    """The same assessment as a printable Excel workbook."""
    start, end = _period(since, until)
    rows = assessment.assess(uow, user, since=start, until=end, by=by)
    data = assessment.to_excel(rows, since=start, until=end, by=by, title="督查考核排名表")
    name = f"assessment-{by}-{clock.local(start):%Y%m%d}-{clock.local(end):%Y%m%d}.xlsx"
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# --- case library ----------------------------------------------------------------------------------------


@router.post("/events/{event_id}/case", status_code=201)
def add_case(event_id: str, body: CaseCreate, user: CurrentUser, uow: UowDep) -> Any:
    """Add a closed event to the case library (案例库) with tags, summary and review notes (复盘)."""
    out = cases.add_case(
        uow,
        user,
        event_id,
        title=body.title,
        summary=body.summary,
        review_notes=body.review_notes,
        tags=body.tags,
    )
    uow.commit()
    return _json(out)


@router.get("/supervision/cases")
def search_cases(
    user: CurrentUser,
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=20)] = None,
    matter_class: Annotated[str | None, Query(max_length=64)] = None,
) -> Any:
    """Full-text search over the case library."""
    return _json(cases.search_cases(uow, user, q=q, tag=tag, matter_class=matter_class))


@router.get("/supervision/cases/similar")
def similar_cases(user: CurrentUser, uow: UowDep, event_id: Annotated[str, Query(max_length=32)]) -> Any:
    """Past cases of the same matter class as an event, most similar first."""
    return _json(cases.similar_cases(uow, user, event_id))
