"""HTTP API of supervision (督办): cards, extension and suspension, supervision orders, whistle and
report-in, assessment and the case library. Deadlines and cards of one event are in
`GET /api/v1/events/{id}` (`deadlines`, `cards`, `similar_cases`). Thin: parse into a command,
call a service, commit, answer a `...Public` shape."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from gridbrain.core import clock
from gridbrain.core.web import CurrentUser, UowDep
from gridbrain.supervision import cases, queries
from gridbrain.supervision.assessment import excel
from gridbrain.supervision.assessment import service as assessment
from gridbrain.supervision.orders import model as orders_model
from gridbrain.supervision.orders import service as orders
from gridbrain.supervision.orders import whistles
from gridbrain.supervision.pauses import model as pauses_model
from gridbrain.supervision.pauses import service as pauses
from gridbrain.supervision.schemas import (
    Assessment,
    AssessmentRow,
    CardCount,
    CardPublic,
    CaseCreate,
    CasePublic,
    Decision,
    OrderCreate,
    OrderPublic,
    OrderReply,
    PauseCreate,
    PausePublic,
    ReportIn,
    SummonsResult,
    WhistleCreate,
    WhistlePublic,
)

router = APIRouter(prefix="/api/v1", tags=["supervision"])

Since = Annotated[datetime | None, Query(description="ISO time; without an offset China time")]
By = Annotated[Literal["department", "street", "community"], Query()]
Id = Annotated[str | None, Query(max_length=32)]


def _opt_aware(at: datetime | None) -> datetime | None:
    return None if at is None else clock.aware(at)


def _period(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """Default: this month so far (China time)."""
    now = clock.now()
    end = _opt_aware(until) or now
    if since is None:
        return clock.local(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0), end
    return _opt_aware(since) or now - timedelta(days=30), end


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
) -> list[CardPublic]:
    """Red and yellow cards (红黄牌) in the user's area, newest first."""
    found = queries.list_cards(
        uow, user, colour=colour, department=department, mine=mine, since=_opt_aware(since), until=_opt_aware(until)
    )
    return [CardPublic.of(c) for c in found]


@router.get("/supervision/cards/counts", response_model=list[CardCount])
def card_counts(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> list[CardCount]:
    """Cards counted per department, street or community (for the cockpit)."""
    return [
        CardCount.of(c) for c in queries.card_counts(uow, user, by=by, since=_opt_aware(since), until=_opt_aware(until))
    ]


# --- extension and suspension -------------------------------------------------------------------------


@router.post("/events/{event_id}/pauses", status_code=201, response_model=PausePublic)
def request_pause(event_id: str, body: PauseCreate, user: CurrentUser, uow: UowDep) -> PausePublic:
    """Ask for an extension (延期) or a suspension (挂起); only an approved one moves the clocks."""
    cmd = pauses_model.RequestPause.of(event_id, body.kind, body.reason, body.value, body.unit)
    out = PausePublic.of(pauses.request_pause(uow, user, cmd))
    uow.commit()
    return out


@router.get("/supervision/pauses", response_model=list[PausePublic])
def list_pauses(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[Literal["requested", "approved", "rejected", "ended"] | None, Query()] = None,
    event_id: Id = None,
) -> list[PausePublic]:
    """Extension and suspension requests in the user's area, newest first."""
    return [PausePublic.of(p) for p in pauses.list_pauses(uow, user, status=status, event_id=event_id)]


@router.post("/supervision/pauses/{pause_id}/approve", response_model=PausePublic)
def approve_pause(pause_id: int, user: CurrentUser, uow: UowDep, body: Decision | None = None) -> PausePublic:
    """Approve a request: an extension moves the clocks' times, a suspension stops them."""
    cmd = pauses_model.Decide(pause_id, approve=True, note=(body or Decision()).note)
    out = PausePublic.of(pauses.decide_pause(uow, user, cmd))
    uow.commit()
    return out


@router.post("/supervision/pauses/{pause_id}/reject", response_model=PausePublic)
def reject_pause(pause_id: int, body: Decision, user: CurrentUser, uow: UowDep) -> PausePublic:
    """Reject with a note saying why."""
    out = PausePublic.of(pauses.decide_pause(uow, user, pauses_model.Decide(pause_id, approve=False, note=body.note)))
    uow.commit()
    return out


@router.post("/supervision/pauses/{pause_id}/end", response_model=PausePublic)
def end_suspension(pause_id: int, user: CurrentUser, uow: UowDep) -> PausePublic:
    """End an approved suspension: the clocks run again with the time they had left."""
    out = PausePublic.of(pauses.end_suspension(uow, user, pause_id))
    uow.commit()
    return out


# --- supervision orders ------------------------------------------------------------------------------


@router.post("/events/{event_id}/supervision-orders", status_code=201, response_model=OrderPublic)
def open_order(event_id: str, body: OrderCreate, user: CurrentUser, uow: UowDep) -> OrderPublic:
    """Open a supervision order (督办单) on an event in the user's area."""
    cmd = orders_model.OpenOrder(event_id, clock.aware(body.due_at), body.requirement)
    out = OrderPublic.of(orders.open_order(uow, user, cmd))
    uow.commit()
    return out


@router.get("/supervision/orders", response_model=list[OrderPublic])
def list_orders(
    user: CurrentUser,
    uow: UowDep,
    status: Annotated[Literal["open", "replied", "closed"] | None, Query()] = None,
    event_id: Id = None,
    overdue: Annotated[bool | None, Query()] = None,
) -> list[OrderPublic]:
    """Supervision orders of the user's area or addressed to their department, soonest due first."""
    return [OrderPublic.of(o) for o in orders.list_orders(uow, user, status=status, event_id=event_id, overdue=overdue)]


@router.get("/supervision/orders/{order_id}", response_model=OrderPublic)
def get_order(order_id: str, user: CurrentUser, uow: UowDep) -> OrderPublic:
    """One supervision order."""
    return OrderPublic.of(orders.get_order(uow, user, order_id))


@router.post("/supervision/orders/{order_id}/reply", response_model=OrderPublic)
def reply_order(order_id: str, body: OrderReply, user: CurrentUser, uow: UowDep) -> OrderPublic:
    """The department gives the required reply; a late one stays marked overdue."""
    out = OrderPublic.of(orders.reply_order(uow, user, orders_model.ReplyOrder(order_id, body.reply)))
    uow.commit()
    return out


@router.post("/supervision/orders/{order_id}/close", response_model=OrderPublic)
def close_order(order_id: str, user: CurrentUser, uow: UowDep) -> OrderPublic:
    """The operator accepts the reply and closes the order."""
    out = OrderPublic.of(orders.close_order(uow, user, order_id))
    uow.commit()
    return out


# --- whistle and report-in ------------------------------------------------------------------------------


@router.post("/events/{event_id}/whistles", status_code=201, response_model=WhistlePublic)
def blow_whistle(event_id: str, body: WhistleCreate, user: CurrentUser, uow: UowDep) -> WhistlePublic:
    """A grid, community or street blows the whistle (吹哨), naming the departments to report in."""
    cmd = orders_model.BlowWhistle(event_id, tuple(body.departments), body.reason)
    out = WhistlePublic.of(whistles.blow_whistle(uow, user, cmd))
    uow.commit()
    return out


@router.get("/supervision/whistles", response_model=list[WhistlePublic])
def list_whistles(user: CurrentUser, uow: UowDep, event_id: Id = None) -> list[WhistlePublic]:
    """Whistles of the user's area or blown from it, newest first."""
    return [WhistlePublic.of(w) for w in whistles.list_whistles(uow, user, event_id=event_id)]


@router.get("/supervision/whistles/{whistle_id}", response_model=WhistlePublic)
def get_whistle(whistle_id: str, user: CurrentUser, uow: UowDep) -> WhistlePublic:
    """A whistle with every summoned department, its report-in and its flags (吹哨不到、人到无效)."""
    return WhistlePublic.of(whistles.get_whistle(uow, user, whistle_id))


@router.post("/supervision/summons/{summons_id}/report-in", response_model=WhistlePublic)
def report_in(summons_id: int, body: ReportIn, user: CurrentUser, uow: UowDep) -> WhistlePublic:
    """The summoned department reports in (报到) and names who comes."""
    out = WhistlePublic.of(whistles.report_in(uow, user, orders_model.ReportIn(summons_id, body.attendees)))
    uow.commit()
    return out


@router.post("/supervision/summons/{summons_id}/arrive", response_model=WhistlePublic)
def arrive(summons_id: int, user: CurrentUser, uow: UowDep) -> WhistlePublic:
    """The department's people are on site."""
    out = WhistlePublic.of(whistles.arrive(uow, user, summons_id))
    uow.commit()
    return out


@router.post("/supervision/summons/{summons_id}/result", response_model=WhistlePublic)
def summons_result(summons_id: int, body: SummonsResult, user: CurrentUser, uow: UowDep) -> WhistlePublic:
    """What the department did on site; without it the report-in counts as 人到无效."""
    out = WhistlePublic.of(whistles.report_result(uow, user, orders_model.ReportResult(summons_id, body.result)))
    uow.commit()
    return out


# --- assessment ----------------------------------------------------------------------------------------


@router.get("/supervision/assessment", response_model=Assessment)
def get_assessment(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> Assessment:
    """Assessment (考核) per department or area over a period, ranked (default: this month)."""
    start, end = _period(since, until)
    rows = assessment.assess(uow, user, since=start, until=end, by=by)
    return Assessment(by=by, since=start, until=end, rows=[AssessmentRow.of(r) for r in rows])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/supervision/assessment.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "the ranking as a printable workbook"}},
)
def export_assessment(
    user: CurrentUser, uow: UowDep, by: By = "department", since: Since = None, until: Since = None
) -> Response:
    """The same assessment as a printable Excel workbook."""
    start, end = _period(since, until)
    rows = assessment.assess(uow, user, since=start, until=end, by=by)
    data = excel.to_excel(rows, since=start, until=end, by=by, title="督查考核排名表")
    name = f"assessment-{by}-{clock.local(start):%Y%m%d}-{clock.local(end):%Y%m%d}.xlsx"
    return Response(data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- case library ----------------------------------------------------------------------------------------


@router.post("/events/{event_id}/case", status_code=201, response_model=CasePublic)
def add_case(event_id: str, body: CaseCreate, user: CurrentUser, uow: UowDep) -> CasePublic:
    """Add a closed event to the case library (案例库) with tags, summary and review notes (复盘)."""
    added = cases.add_case(
        uow, user, event_id, title=body.title, summary=body.summary, review_notes=body.review_notes, tags=body.tags
    )
    uow.commit()
    return CasePublic.of(added)


@router.get("/supervision/cases", response_model=list[CasePublic])
def search_cases(
    user: CurrentUser,
    uow: UowDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=20)] = None,
    matter_class: Annotated[str | None, Query(max_length=64)] = None,
) -> list[CasePublic]:
    """Full-text search over the case library."""
    return [CasePublic.of(c) for c in cases.search_cases(uow, user, q=q, tag=tag, matter_class=matter_class)]


@router.get("/supervision/cases/similar", response_model=list[CasePublic])
def similar_cases(user: CurrentUser, uow: UowDep, event_id: Annotated[str, Query(max_length=32)]) -> list[CasePublic]:
    """Past cases of the same matter class as an event, most similar first."""
    return [CasePublic.of(c) for c in cases.similar_cases(uow, user, event_id)]
