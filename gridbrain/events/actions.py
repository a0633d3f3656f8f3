"""Use cases of the lifecycle after intake: dispatch, re-route, escalation, return, close…, the
answer back, rating, assignment, follows and return visits.

Each loads the event (404 outside the user's area), asks the model (`model.event`) for the move —
which refuses illegal ones and decides who may act — and persists what the move answered: the
changed columns, the transition and its audit entry, outbox messages and the signal. Services
never commit: the caller's unit of work does (API route, CLI, worker, another capability's
service), so a change and all it leaves behind are durable together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas import locator
from gridbrain.areas.service import check_point
from gridbrain.catalog.model import Matter, Nature, decide
from gridbrain.catalog.nature import guess as guess_nature
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor, find_user
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, MissingField, NotFound
from gridbrain.core.levels import Level
from gridbrain.core.scoping import Scope
from gridbrain.events import answers, dispatch, model, outbox, trail
from gridbrain.events.matters import catalog
from gridbrain.events.model import Action, Event, Moved, Status, Target
from gridbrain.events.queries import load
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import event_followers, event_training, event_visits, events


@dataclass(frozen=True)
class Route:
    """Where a dispatch or re-route sends the event: a (corrected) matter and its parameters, a
    level, a concrete department, or a new place — each optional (派单 / 改派)."""

    matter_code: str | None = None
    parameters: Mapping[str, Any] | None = None
    level: str | None = None
    department_code: str | None = None
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"


def _persist(uow: UnitOfWork, actor: Actor, before: Event, moved: Moved) -> Event:
    """Write what a move changed, its transition, audit entry and signal."""
    ev, sig = moved
    old, new = before.as_row(), ev.as_row()
    changes = {k: v for k, v in new.items() if v != old[k]}
    uow.execute(events.update().where(events.c.id == ev.id).values(**changes))
    move = trail.Move(actor, new, ev.transitions_count, sig.action, sig.from_status, sig.to_status, sig.note, sig)
    trail.record(uow, [move], at=sig.at)
    return ev


def act(
    uow: UnitOfWork,
    actor: Actor,
    event_id: str,
    action: str | Action,
    *,
    note: str | None = None,
    level: str | None = None,
    route: Route | None = None,
) -> Event:
    """Do one lifecycle action on an event (409 naming the status and allowed actions if illegal,
    403 when the user may not). `level` is a shorthand for `Route(level=...)`."""
    act_ = model.parse_action(action)
    ev = load(uow, actor, event_id, lock=True)
    model.check(ev, act_, actor)  # legality first, so an illegal move answers 409 whoever asks
    now = clock.now()
    if act_ in (Action.DISPATCH, Action.REROUTE):
        ev = _redispatch(uow, actor, ev, act_, route or Route(level=level), note=note, at=now)
    elif act_ == Action.ESCALATE:
        ev = _escalate(uow, actor, ev, to_level=level or (route.level if route else None), reason=note, at=now)
    elif act_ == Action.RETURN:
        ev = _persist(uow, actor, ev, model.return_event(ev, by=actor, reason=note, at=now))
        _training(uow, ev, "return", matter_code=None, note=note, was=ev.matter_code)
    elif act_ == Action.REOPEN:
        window = timedelta(days=get_event_settings().reopen_window_days)
        ev = _persist(uow, actor, ev, model.reopen(ev, by=actor, reason=note, at=now, window=window))
        payload = {"event_id": ev.id, "action": "reopened", "note": note, "text": ev.text}
        outbox.enqueue(
            uow,
            event_id=ev.id,
            kind="dispatch_notice",
            adapter="department",
            recipient=ev.department_code,
            payload=payload,
        )
    elif act_ == Action.CLOSE:
        ev = _persist(uow, actor, ev, model.close(ev, by=actor, at=now, answer=note))
        _answer_back(uow, ev, note)
    else:
        ev = _persist(uow, actor, ev, model.transition(ev, act_, by=actor, at=now, note=note))
    if act_ != Action.CLOSE:
        outbox.notify_followers(uow, ev.as_row(), {"event_id": ev.id, "status": ev.status.value, "action": act_.past})
    return ev


def _send(uow: UnitOfWork, actor: Actor, ev: Event, action: Action, target: Target, **kw: Any) -> Event:
    previous = ev.department_code
    note = kw.pop("note", None)
    moved = _persist(uow, actor, ev, model.send(ev, action, target, by=actor, note=note, **kw))
    notices = trail.department_notices(moved.as_row(), target, action, note, previous=previous)
    outbox.enqueue_many(uow, notices)
    return moved


def _locate(uow: UnitOfWork, lat: float, lng: float, crs: str) -> tuple[str, float, float]:
    wlat, wlng = check_point(lat, lng, crs)
    hit = locator.locator_for(uow.engine, uow.conn).locate(wlat, wlng)
    if hit is None:
        raise Invalid("lat", "inside_district", f"point ({lat}, {lng}) is outside the district")
    return hit.grid_code, wlat, wlng


def _matter(ev: Event, code: str | None) -> Matter:
    cat = catalog()
    code = code or ev.matter_code
    if not code:
        raise MissingField("matter_code")
    if code not in cat:
        raise Invalid("matter_code", "exists", f"no matter {code} in catalog {cat.version}")
    return cat.get(code)


def _reclassify(ev: Event, matter: Matter, r: Route) -> tuple[Level, dict[str, Any]]:
    """The level the matter decides, and the columns a new matter or parameters change."""
    if not (r.matter_code or r.parameters is not None):
        return decide(matter, dict(ev.parameters or {})).level, {}
    kept = dict(ev.parameters or {}) if matter.code == ev.matter_code else {}  # parameters belong to their matter
    decision = decide(matter, dict(r.parameters) if r.parameters is not None else kept)
    changes: dict[str, Any] = {
        "matter_code": matter.code,
        "parameters": dict(decision.parameters),
        "confidence": 1.0,
        "catalog_version": catalog().version,
    }
    if not ev.nature or ev.nature not in {n.value for n in matter.natures or Nature}:
        guessed = guess_nature(ev.text or "", matter)
        changes["nature"] = guessed.value if guessed else None
    return decision.level, changes


def _redispatch(
    uow: UnitOfWork, actor: Actor, ev: Event, action: Action, r: Route, *, note: str | None, at: datetime
) -> Event:
    """Dispatch out of triage / after a return, or re-classify and re-route (operator)."""
    changes: dict[str, Any] = {}
    grid_code = ev.grid_code
    if r.lat is not None and r.lng is not None:
        grid_code, wlat, wlng = _locate(uow, r.lat, r.lng, r.crs)
        changes.update(grid_code=grid_code, lat=wlat, lng=wlng)
    matter = _matter(ev, r.matter_code)
    decided, reclassified = _reclassify(ev, matter, r)
    changes.update(reclassified)
    target: Target | None
    if r.department_code:
        target = dispatch.explicit(uow, matter, r.department_code, grid_code)
    else:
        if not grid_code:
            raise MissingField("location")  # lat/lng to place a triaged event
        to_level = r.level or decided
        target = (dispatch.level_target if r.level else dispatch.resolve)(uow, matter, to_level, grid_code)
        if target is None:
            raise Invalid("department_code", "exists", "no department for this matter here; name one")
    if matter.code != ev.matter_code or ev.status == Status.TRIAGE:
        source = {Status.TRIAGE: "triage", Status.RETURNED: "return"}.get(ev.status, "reroute")
        _training(uow, ev, source, matter_code=matter.code, note=note, was=ev.matter_code)
    return _send(uow, actor, ev, action, target, note=note, at=at, **changes)


def _escalate(
    uow: UnitOfWork, actor: Actor, ev: Event, *, to_level: str | None, reason: str | None, at: datetime
) -> Event:
    model.move(ev.id, ev.status, Action.ESCALATE, note=reason)  # the reason first: it is mandatory
    if not ev.matter_code or not ev.grid_code:
        raise Invalid("event", "dispatched", "only a classified, placed event can be escalated")
    matter = catalog().get(ev.matter_code)
    up = Level.parse(to_level, field="to_level") if to_level else None
    level = model.escalation_level(ev.level, up, [str(k) for k in matter.departments])
    target = dispatch.level_target(uow, matter, level, ev.grid_code)
    return _send(uow, actor, ev, Action.ESCALATE, target, note=reason, at=at)


def escalate(uow: UnitOfWork, actor: Actor, event_id: str, *, to_level: str, reason: str) -> Event:
    """Re-dispatch to the responsible department of the level above (supervision's red card)."""
    ev = load(uow, actor, event_id, lock=True)
    model.check(ev, Action.ESCALATE, actor)
    return _escalate(uow, actor, ev, to_level=to_level, reason=reason, at=clock.now())


def _training(
    uow: UnitOfWork, ev: Event, source: str, *, matter_code: str | None, note: str | None, was: str | None
) -> None:
    """Corrections in triage and returns (退单) become training data for the classifier."""
    uow.execute(
        event_training.insert().values(
            at=clock.now(),
            event_id=ev.id,
            source=source,
            text=ev.text,
            matter_code=matter_code,
            wrong_matter_code=was if was != matter_code else None,
            note=note,
        )
    )


def _answer_back(uow: UnitOfWork, ev: Event, note: str | None) -> None:
    """On close, answer every reporter (the event's and its linked duplicates') on their channel
    with the handler's result (the close note when there is none), and tell the followers too."""
    answer = answers.answer_text(answers.handler_result(uow, ev.id), note)
    dupes = [Event.of(r._mapping) for r in uow.execute(sa.select(events).where(events.c.duplicate_of == ev.id))]
    for r in [ev, *dupes]:
        outbox.enqueue(
            uow,
            event_id=r.id,
            kind="answer",
            adapter=outbox.adapter_for_channel(r.channel),
            recipient=r.reporter_phone or r.reporter_contact or r.external_id,
            payload={
                "event_id": r.id,
                "external_id": r.external_id,
                "channel": r.channel,
                "status": "closed",
                "answer": answer,
                "close_note": note,
                "primary_event_id": ev.id,
            },
        )
    outbox.notify_followers(uow, ev.as_row(), {"event_id": ev.id, "status": "closed", "answer": answer})


def rate(uow: UnitOfWork, actor: Actor, event_id: str, *, rating: int, comment: str | None = None) -> Event:
    """The reporter's satisfaction with a closed event (1–5 and a comment)."""
    model.check_rating(rating, comment)
    ev, sig = model.rate(
        load(uow, actor, event_id, lock=True), by=actor, rating=rating, comment=comment, at=clock.now()
    )
    values = {"satisfaction": ev.satisfaction, "rating_comment": ev.rating_comment, "rated_at": ev.rated_at}
    uow.execute(events.update().where(events.c.id == event_id).values(**values, updated_at=sig.at))
    uow.execute(
        event_visits.update()
        .where(event_visits.c.event_id == event_id, event_visits.c.done_at.is_(None))
        .values(done_at=sig.at, done_by=actor.username, note=f"rated {ev.satisfaction}")
    )
    detail = {"rating": ev.satisfaction, "comment": ev.rating_comment}
    audit.record(uow, "events:event:rated", actor=actor, subject_id=event_id, area_code=ev.area_code, detail=detail)
    uow.emit(sig)
    return ev


def schedule_return_visits(uow: UnitOfWork, actor: Actor) -> int:
    """Create a return visit (回访) task for each closed event nobody rated in time."""
    cutoff = clock.now() - timedelta(hours=get_event_settings().return_visit_after_h)
    rows = uow.execute(
        sa.select(events.c.id, events.c.area_code)
        .where(
            events.c.status == Status.CLOSED.value,
            events.c.satisfaction.is_(None),
            events.c.closed_at.is_not(None),
            events.c.closed_at <= cutoff,
            events.c.duplicate_of.is_(None),
            ~sa.exists().where(event_visits.c.event_id == events.c.id),
        )
        .limit(1000)
    ).all()
    now = clock.now()
    for r in rows:
        uow.execute(event_visits.insert().values(event_id=r.id, area_code=r.area_code, created_at=now))
        audit.record(uow, "events:visit:scheduled", actor=actor, subject_id=r.id, area_code=r.area_code)
    return len(rows)


def assign(uow: UnitOfWork, actor: Actor, event_id: str, *, username: str) -> Event:
    """Give the event to a person within its department (or the grid worker of its grid)."""
    ev = load(uow, actor, event_id, lock=True)
    model.check_assign(ev, by=actor)
    try:
        person = find_user(uow, username)
    except NotFound:
        raise Invalid("assignee", "exists", f"no user {username}") from None
    ev = model.assign(ev, by=actor, person=person, at=clock.now())
    uow.execute(events.update().where(events.c.id == event_id).values(assignee=ev.assignee, updated_at=ev.updated_at))
    detail = {"assignee": username, "department_code": ev.department_code}
    audit.record(uow, "events:event:assigned", actor=actor, subject_id=event_id, area_code=ev.area_code, detail=detail)
    return ev


def follow(
    uow: UnitOfWork,
    actor: Actor,
    *,
    adapter: str,
    contact: str,
    event_id: str | None = None,
    area_code: str | None = None,
) -> int:
    """A resident follows an event or a place and is told of changes (through `adapter`)."""
    if (event_id is None) == (area_code is None):
        raise Invalid("event_id", "exactly one of event_id or area_code")
    if not contact.strip() or len(contact) > 120:
        raise Invalid("contact", "1-120 characters")
    prefix = None
    if event_id is not None:
        load(uow, actor, event_id)
    else:
        try:
            prefix = Scope.of_area(area_code).prefix
        except ValueError as e:
            raise Invalid("area_code", str(e)) from None
    values = {"event_id": event_id, "area_code": prefix, "adapter": adapter, "contact": contact.strip()}
    new_id = uow.execute(
        event_followers.insert().values(**values, created_at=clock.now()).returning(event_followers.c.id)
    ).scalar_one()
    detail = {"adapter": adapter}
    audit.record(uow, "events:follower:added", actor=actor, subject_id=event_id or area_code, detail=detail)
    return int(new_id)
