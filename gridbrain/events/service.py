"""Use cases of the event hub (智能事件中枢): the lifecycle after intake (dispatch, re-route,
escalation, return, close...), answer back and rating, and the reads (list, detail with
timeline). Intake itself is `intake.py` (re-exported here); what every change records is
`trail.py`.

Services take a `UnitOfWork` and an `Actor` and never commit: the caller (API route, CLI,
another capability's service) commits, so a change and its audit entries, transitions, outbox
messages and signals are durable together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas import locator
from gridbrain.areas.service import check_point
from gridbrain.catalog.model import Nature, decide
from gridbrain.catalog.nature import guess as guess_nature
from gridbrain.core import audit, clock, masking
from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Forbidden, Invalid, MissingField, NotFound
from gridbrain.core.scoping import Scope
from gridbrain.core.tables import audit_log
from gridbrain.events import dispatch, model, outbox, trail
from gridbrain.events.intake import CHANNELS, Intake, Report, check_report, report, report_many
from gridbrain.events.model import Action, Status
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import event_followers, event_training, event_transitions, event_visits, events
from gridbrain.events.trail import catalog, use_catalog

__all__ = [
    "CHANNELS",
    "Intake",
    "Report",
    "catalog",
    "check_report",
    "report",
    "report_many",
    "use_catalog",
]
OPERATORS = frozenset({Role.ADMIN, Role.DISTRICT_OPERATOR, Role.STREET_OPERATOR, Role.COMMUNITY_STAFF})
SYSTEM_ROLES = frozenset({"open311_client", "system"})  # client systems submitting for residents

# --- detail extensions (supervision adds deadlines and cards) ------------------------------------

DetailExtension = Callable[[UnitOfWork, Actor, str], Any]
_extensions: dict[str, DetailExtension] = {}


def register_detail_extension(key: str, fn: DetailExtension) -> None:
    """`GET /api/v1/events/{id}` adds `response[key] = fn(uow, actor, event_id)`."""
    _extensions[key] = fn


# --- transitions --------------------------------------------------------------------------------


def _transition(
    uow: UnitOfWork,
    actor: Actor,
    ev: dict[str, Any],
    action: str,
    to: Status,
    *,
    note: str | None = None,
    at: datetime,
) -> None:
    """Record a move of `ev` (which already holds the new routing) and advance its counters."""
    seq = int(ev.get("transitions_count") or 0) + 1
    from_status = None if action == model.REPORTED else ev["status"]
    trail.record(uow, [trail.Move(actor, ev, seq, action, from_status, to.value, note)], at=at)
    ev["transitions_count"] = seq
    ev["status"] = to.value


def _apply(
    uow: UnitOfWork,
    actor: Actor,
    ev: dict[str, Any],
    action: Action,
    *,
    note: str | None = None,
    changes: dict[str, Any] | None = None,
    at: datetime,
) -> None:
    """Move the event by `action` (checked by the model), persist the new columns and the trace."""
    to = model.move(ev["id"], ev["status"], action, note=note)
    values = dict(changes or {})
    ev.update(values)
    _transition(uow, actor, ev, action.past, to, note=note, at=at)
    values.update(status=to.value, updated_at=at, transitions_count=ev["transitions_count"])
    ev["updated_at"] = at
    uow.execute(events.update().where(events.c.id == ev["id"]).values(**values))


def _dispatch_to(
    uow: UnitOfWork,
    actor: Actor,
    ev: dict[str, Any],
    action: Action,
    target: dispatch.Target,
    *,
    note: str | None = None,
    at: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    previous = ev.get("department_code")
    changes = {
        "level": target.level,
        "department_code": target.department_code,
        "area_code": target.area_code,
        "assignee": target.assignee,
        "dispatched_at": at,
        "triage_reason": None,
        **(extra or {}),
    }
    if target.filtered:
        note = (note + "; " if note else "") + "out-of-list: lifted off the grid (清单外事项下派过滤)"
    _apply(uow, actor, ev, action, note=note, changes=changes, at=at)
    outbox.enqueue_many(uow, trail.department_notices(ev, target, action, note, previous=previous))


# --- loading and permissions --------------------------------------------------------------------


def _visible(actor: Actor) -> Any:
    scope = actor.scope
    if scope.unrestricted:
        return sa.true()
    return sa.or_(scope.where(events.c.area_code), scope.where(events.c.grid_code))


def _load(uow: UnitOfWork, actor: Actor, event_id: str, *, lock: bool = False) -> dict[str, Any]:
    q = sa.select(events).where(events.c.id == event_id, _visible(actor))
    if lock and uow.postgres:
        q = q.with_for_update()
    row = uow.execute(q).first()
    if row is None:
        raise NotFound(f"event {event_id} not found")
    return dict(row._mapping)


def _is_operator(actor: Actor) -> bool:
    return actor.role in OPERATORS


def _is_handler(actor: Actor, ev: dict[str, Any]) -> bool:
    """The department (or grid worker) the event is with, or an operator of the handling area."""
    if actor.role == Role.ADMIN:
        return True
    if actor.department_code and actor.department_code == ev.get("department_code"):
        return True
    if ev.get("level") == "grid" and actor.role == Role.GRID_WORKER:
        return actor.area_code == ev.get("grid_code")
    return _is_operator(actor) and actor.scope.covers(ev.get("area_code"))


def _is_reporter(actor: Actor, ev: dict[str, Any]) -> bool:
    return actor.username == ev.get("reported_by") and actor.role in SYSTEM_ROLES


def _may(actor: Actor, action: Action, ev: dict[str, Any]) -> None:
    ok: bool
    if action in (Action.ACCEPT, Action.RETURN, Action.START, Action.HANDLE):
        ok = _is_handler(actor, ev)
    elif action in (Action.VERIFY, Action.REJECT):
        grid_worker = actor.role == Role.GRID_WORKER and actor.area_code == ev.get("grid_code")
        ok = grid_worker or _is_operator(actor) or _is_reporter(actor, ev)
    elif action == Action.REOPEN:
        ok = _is_operator(actor) or _is_reporter(actor, ev)
    else:  # dispatch, triage, reroute, escalate, cancel, close: the command centre (指挥中心)
        ok = _is_operator(actor) or actor.role == "system"
    if not ok:
        raise Forbidden(f"{actor.role} {actor.username} may not {action.value} event {ev['id']}")


# --- the lifecycle -------------------------------------------------------------------------------


def act(
    uow: UnitOfWork,
    actor: Actor,
    event_id: str,
    action: str,
    *,
    note: str | None = None,
    matter_code: str | None = None,
    parameters: dict[str, Any] | None = None,
    level: str | None = None,
    department_code: str | None = None,
    lat: float | None = None,
    lng: float | None = None,
    crs: str = "wgs84",
) -> dict[str, Any]:
    """Do one lifecycle action on an event (409 naming the status and allowed actions if illegal)."""
    act_ = model.parse_action(action)
    ev = _load(uow, actor, event_id, lock=True)
    # check legality first, so an illegal move answers 409 whoever asks
    model.move(ev["id"], ev["status"], act_, note=note or "-")
    _may(actor, act_, ev)
    now = clock.now()
    if act_ in (Action.DISPATCH, Action.REROUTE):
        _redispatch(
            uow,
            actor,
            ev,
            act_,
            note=note,
            matter_code=matter_code,
            parameters=parameters,
            level=level,
            department_code=department_code,
            lat=lat,
            lng=lng,
            crs=crs,
            at=now,
        )
    elif act_ == Action.ESCALATE:
        _escalate(uow, actor, ev, to_level=level, reason=note or "", at=now)
    elif act_ == Action.RETURN:
        _apply(
            uow,
            actor,
            ev,
            act_,
            note=note,
            changes={"returns_count": (ev.get("returns_count") or 0) + 1},
            at=now,
        )
        _training(uow, ev, "return", matter_code=None, note=note)
    elif act_ == Action.REOPEN:
        window = timedelta(days=get_event_settings().reopen_window_days)
        if not model.reopen_allowed(ev.get("closed_at"), now, window):
            raise Invalid("action", "reopen_window", f"a closed event may be reopened within {window.days} days")
        _apply(uow, actor, ev, act_, note=note, changes={"closed_at": None}, at=now)
        outbox.enqueue(
            uow,
            event_id=ev["id"],
            kind="dispatch_notice",
            adapter="department",
            recipient=ev.get("department_code"),
            payload={"event_id": ev["id"], "action": "reopened", "note": note, "text": ev["text"]},
        )
    elif act_ == Action.CLOSE:
        _apply(uow, actor, ev, act_, note=note, changes={"closed_at": now}, at=now)
        _answer_back(uow, ev, note)
    else:
        _apply(uow, actor, ev, act_, note=note, at=now)
    if act_ != Action.CLOSE:
        outbox.notify_followers(uow, ev, {"event_id": ev["id"], "status": ev["status"], "action": act_.past})
    return ev


def _locate(uow: UnitOfWork, lat: float, lng: float, crs: str) -> tuple[str, float, float]:
    wlat, wlng = check_point(lat, lng, crs)
    hit = locator.locator_for(uow.engine, uow.conn).locate(wlat, wlng)
    if hit is None:
        raise Invalid("lat", "inside_district", f"point ({lat}, {lng}) is outside the district")
    return hit.grid_code, wlat, wlng


def _redispatch(
    uow: UnitOfWork,
    actor: Actor,
    ev: dict[str, Any],
    action: Action,
    *,
    note: str | None,
    matter_code: str | None,
    parameters: dict[str, Any] | None,
    level: str | None,
    department_code: str | None,
    lat: float | None,
    lng: float | None,
    crs: str,
    at: datetime,
) -> None:
    """Dispatch out of triage / after a return, or re-classify and re-route (operator)."""
    cat = catalog()
    extra: dict[str, Any] = {}
    if lat is not None and lng is not None:
        grid, wlat, wlng = _locate(uow, lat, lng, crs)
        extra.update(grid_code=grid, lat=wlat, lng=wlng)
        ev.update(grid_code=grid)
    grid_code = ev.get("grid_code")
    old_matter = ev.get("matter_code")
    code = matter_code or old_matter
    if not code:
        raise MissingField("matter_code")
    if code not in cat:
        raise Invalid("matter_code", "exists", f"no matter {code} in catalog {cat.version}")
    matter = cat.get(code)
    if matter_code or parameters is not None:
        kept = ev.get("parameters") or {} if code == old_matter else {}  # parameters belong to their matter
        decision = decide(matter, parameters if parameters is not None else kept)
        extra.update(
            matter_code=code,
            parameters=dict(decision.parameters),
            confidence=1.0,
            catalog_version=cat.version,
        )
        if not ev.get("nature") or ev["nature"] not in {n.value for n in matter.natures or Nature}:
            extra["nature"] = guess_nature(ev.get("text") or "", matter).value  # type: ignore[union-attr]
        decided_level = decision.level.value
    else:
        decided_level = decide(matter, ev.get("parameters") or {}).level.value
    target: dispatch.Target | None
    if department_code:
        target = dispatch.explicit(uow, matter, department_code, grid_code)
    else:
        if not grid_code:
            raise MissingField("location")  # lat/lng to place a triaged event
        target = (
            dispatch.level_target(uow, matter, level, grid_code)
            if level
            else dispatch.resolve(uow, matter, decided_level, grid_code)
        )
        if target is None:
            raise Invalid("department_code", "exists", "no department for this matter here; name one")
    if code != old_matter or ev["status"] == Status.TRIAGE:
        source = {Status.TRIAGE.value: "triage", Status.RETURNED.value: "return"}.get(ev["status"], "reroute")
        _training(uow, ev, source, matter_code=code, note=note)
    _dispatch_to(uow, actor, ev, action, target, note=note, at=at, extra=extra)


def _escalate(
    uow: UnitOfWork, actor: Actor, ev: dict[str, Any], *, to_level: str | None, reason: str, at: datetime
) -> None:
    if not reason.strip():
        raise MissingField("reason")
    current = ev.get("level") or "grid"
    up = to_level or model.level_above(current)
    if up is None or up not in model.LEVELS:
        raise Invalid("to_level", "above", f"nothing above {current}")
    if model.LEVELS.index(up) <= model.LEVELS.index(current):
        raise Invalid("to_level", "above", f"{up} is not above {current}")
    if not ev.get("matter_code") or not ev.get("grid_code"):
        raise Invalid("event", "dispatched", "only a classified, placed event can be escalated")
    matter = catalog().get(ev["matter_code"])
    depts = {str(k): v for k, v in matter.departments.items()}
    level: str | None = up
    while level is not None and level not in depts:  # the level above that names a department
        level = model.level_above(level)
    if level is None:
        raise Invalid("to_level", "department", f"matter {matter.code} names no department above {current}")
    target = dispatch.level_target(uow, matter, level, ev["grid_code"])
    _dispatch_to(uow, actor, ev, Action.ESCALATE, target, note=reason, at=at)


def escalate(uow: UnitOfWork, actor: Actor, event_id: str, *, to_level: str, reason: str) -> dict[str, Any]:
    """Re-dispatch to the responsible department of the level above (supervision's red card)."""
    ev = _load(uow, actor, event_id, lock=True)
    model.move(ev["id"], ev["status"], Action.ESCALATE, note=reason)
    _escalate(uow, actor, ev, to_level=to_level, reason=reason, at=clock.now())
    return ev


def _training(uow: UnitOfWork, ev: dict[str, Any], source: str, *, matter_code: str | None, note: str | None) -> None:
    """Corrections in triage and returns (退单) become training data for the classifier."""
    uow.execute(
        event_training.insert().values(
            at=clock.now(),
            event_id=ev["id"],
            source=source,
            text=ev["text"],
            matter_code=matter_code,
            wrong_matter_code=ev.get("matter_code") if ev.get("matter_code") != matter_code else None,
            note=note,
        )
    )


# --- answer back, rating, return visits -------------------------------------------------------------


def _answer_back(uow: UnitOfWork, ev: dict[str, Any], note: str | None) -> None:
    """On close, answer every reporter (the event's and its linked duplicates') on their channel."""
    rows = [ev] + [dict(r._mapping) for r in uow.execute(sa.select(events).where(events.c.duplicate_of == ev["id"]))]
    for r in rows:
        outbox.enqueue(
            uow,
            event_id=r["id"],
            kind="answer",
            adapter=outbox.adapter_for_channel(r["channel"]),
            recipient=r.get("reporter_phone") or r.get("reporter_contact") or r.get("external_id"),
            payload={
                "event_id": r["id"],
                "external_id": r.get("external_id"),
                "channel": r["channel"],
                "status": "closed",
                "answer": note or "已办结",
                "primary_event_id": ev["id"],
            },
        )
    outbox.notify_followers(uow, ev, {"event_id": ev["id"], "status": "closed", "answer": note})


def rate(uow: UnitOfWork, actor: Actor, event_id: str, *, rating: int, comment: str | None = None) -> dict[str, Any]:
    """The reporter's satisfaction with a closed event (1–5 and a comment)."""
    score, text = model.check_rating(rating, comment)
    ev = _load(uow, actor, event_id, lock=True)
    if ev["status"] != Status.CLOSED:
        raise Invalid("status", "closed", f"only a closed event can be rated; it is {ev['status']}")
    if not (_is_reporter(actor, ev) or _is_operator(actor) or actor.role == Role.GRID_WORKER):
        raise Forbidden("only the reporter's channel or staff may record satisfaction")
    now = clock.now()
    uow.execute(
        events.update()
        .where(events.c.id == event_id)
        .values(satisfaction=score, rating_comment=text, rated_at=now, updated_at=now)
    )
    uow.execute(
        event_visits.update()
        .where(event_visits.c.event_id == event_id, event_visits.c.done_at.is_(None))
        .values(done_at=now, done_by=actor.username, note=f"rated {score}")
    )
    audit.record(
        uow,
        "events:event:rated",
        actor=actor,
        subject_id=event_id,
        area_code=ev["area_code"],
        detail={"rating": score, "comment": text},
    )
    ev.update(satisfaction=score, rating_comment=text, rated_at=now)
    uow.emit(trail.signal(ev, "rated", ev["status"], ev["status"], actor, now, rating=score))
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


def list_visits(uow: UnitOfWork, actor: Actor, *, open_only: bool = True) -> list[dict[str, Any]]:
    q = sa.select(event_visits).where(actor.scope.where(event_visits.c.area_code)).order_by(event_visits.c.id)
    if open_only:
        q = q.where(event_visits.c.done_at.is_(None))
    return [dict(r._mapping) for r in uow.execute(q)]


def assign(uow: UnitOfWork, actor: Actor, event_id: str, *, username: str) -> dict[str, Any]:
    """Give the event to a person within its department (or the grid worker of its grid)."""
    from gridbrain.core.auth import find_user

    ev = _load(uow, actor, event_id, lock=True)
    if ev["status"] not in (Status.DISPATCHED, Status.ACCEPTED, Status.IN_PROGRESS):
        raise model.IllegalTransition(event_id, ev["status"], "assign")
    if not (_is_handler(actor, ev) or _is_operator(actor)):
        raise Forbidden(f"{actor.username} may not assign event {event_id}")
    try:
        person = find_user(uow, username)
    except NotFound:
        raise Invalid("assignee", "exists", f"no user {username}") from None
    if ev.get("level") == "grid":
        fits = person.role == Role.GRID_WORKER and person.area_code == ev.get("grid_code")
    else:
        fits = person.department_code == ev.get("department_code")
    if not fits:
        raise Invalid("assignee", "in_department", f"{username} does not work for {ev.get('department_code')}")
    uow.execute(events.update().where(events.c.id == event_id).values(assignee=username, updated_at=clock.now()))
    audit.record(
        uow,
        "events:event:assigned",
        actor=actor,
        subject_id=event_id,
        area_code=ev["area_code"],
        detail={"assignee": username, "department_code": ev.get("department_code")},
    )
    ev["assignee"] = username
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
        _load(uow, actor, event_id)
    else:
        try:
            prefix = Scope.of_area(area_code).prefix
        except ValueError as e:
            raise Invalid("area_code", str(e)) from None
    new_id = uow.execute(
        event_followers.insert()
        .values(
            event_id=event_id,
            area_code=prefix,
            adapter=adapter,
            contact=contact.strip(),
            created_at=clock.now(),
        )
        .returning(event_followers.c.id)
    ).scalar_one()
    audit.record(
        uow,
        "events:follower:added",
        actor=actor,
        subject_id=event_id or area_code,
        detail={"adapter": adapter},
    )
    return int(new_id)


# --- reads ---------------------------------------------------------------------------------------


@dataclass
class Page:
    items: list[dict[str, Any]]
    total: int
    page: int
    per_page: int


def list_events(
    uow: UnitOfWork,
    actor: Actor,
    *,
    status: str | None = None,
    area: str | None = None,
    matter: str | None = None,
    channel: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Events the user may see, newest first, filtered and paginated."""
    conds = [_visible(actor)]
    if status:
        wanted = [s.strip() for s in status.split(",") if s.strip()]
        for s in wanted:
            if s not in {st.value for st in Status}:
                raise Invalid("status", f"one of {', '.join(Status)}")
        conds.append(events.c.status.in_(wanted))
    if area:
        try:
            sc = Scope.of_area(area)
        except ValueError as e:
            raise Invalid("area", str(e)) from None
        conds.append(sa.or_(sc.where(events.c.area_code), sc.where(events.c.grid_code)))
    if matter:
        conds.append(events.c.matter_code == matter)
    if channel:
        conds.append(events.c.channel == channel)
    if since:
        conds.append(events.c.reported_at >= since)
    if until:
        conds.append(events.c.reported_at < until)
    if not 1 <= per_page <= 500:
        raise Invalid("per_page", "1-500")
    if page < 1:
        raise Invalid("page", "at least 1")
    where = sa.and_(*conds)
    total = uow.execute(sa.select(sa.func.count()).select_from(events).where(where)).scalar_one()
    rows = uow.execute(
        sa.select(events)
        .where(where)
        .order_by(events.c.reported_at.desc(), events.c.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page([dict(r._mapping) for r in rows], int(total), page, per_page)


def get_event(uow: UnitOfWork, actor: Actor, event_id: str) -> dict[str, Any]:
    """One event with its timeline (transitions + every capability's audit entries on it) and extensions."""
    ev = _load(uow, actor, event_id)
    timeline: list[dict[str, Any]] = [
        {
            "kind": "transition",
            "seq": t.seq,
            "at": t.at,
            "action": t.action,
            "from_status": t.from_status,
            "to_status": t.to_status,
            "actor": t.actor,
            "actor_role": t.actor_role,
            "department_code": t.department_code,
            "level": t.level,
            "note": t.note,
        }
        for t in uow.execute(
            sa.select(event_transitions)
            .where(event_transitions.c.event_id == event_id)
            .order_by(event_transitions.c.seq)
        )
    ]
    transition_tags = {f"events:event:{a.past}" for a in Action} | {f"events:event:{model.REPORTED}"}
    for a in uow.execute(sa.select(audit_log).where(audit_log.c.subject_id == event_id).order_by(audit_log.c.id)):
        if a.tag in transition_tags:
            continue  # already in the timeline as a transition
        timeline.append(
            {
                "kind": "audit",
                "at": a.at,
                "action": a.tag,
                "actor": a.actor,
                "actor_role": a.actor_role,
                "detail": a.detail,
            }
        )
    timeline.sort(key=lambda e: (_aware(e["at"]), 0 if e["kind"] == "transition" else 1))
    ev["timeline"] = timeline
    ev["allowed_actions"] = model.allowed(ev["status"])
    ev["extensions"] = {key: fn(uow, actor, event_id) for key, fn in _extensions.items()}
    return ev


def _aware(at: datetime) -> datetime:
    from datetime import UTC

    return at if at.tzinfo else at.replace(tzinfo=UTC)


def returns_by_matter(uow: UnitOfWork, actor: Actor) -> dict[str, int]:
    """How many times events of each matter were returned (退单), within the user's scope."""
    q = (
        sa.select(events.c.matter_code, sa.func.count().label("n"))
        .select_from(event_transitions.join(events, events.c.id == event_transitions.c.event_id))
        .where(event_transitions.c.action == Action.RETURN.past, _visible(actor))
        .group_by(events.c.matter_code)
    )
    return {r.matter_code or "": int(r.n) for r in uow.execute(q)}


def reporter_view(actor: Actor, ev: dict[str, Any]) -> dict[str, Any]:
    """The reporter's details as this user may see them (masked unless the role needs them)."""
    full = actor.sees_personal_data
    return {
        "name": ev.get("reporter_name") if full else masking.mask_name(ev.get("reporter_name")),
        "phone": masking.phone_for(actor, ev.get("reporter_phone")),
    }


def get_event_row(uow: UnitOfWork, actor: Actor, event_id: str) -> dict[str, Any]:
    """The event's stored columns (404 outside the user's area)."""
    return _load(uow, actor, event_id)


def training_samples(uow: UnitOfWork, *, since: datetime | None = None) -> list[tuple[str, str]]:
    """Labelled texts from triage corrections, re-routes and re-dispatched returns, as
    (text, matter_code) — for the catalog's classifier retraining."""
    q = sa.select(event_training.c.text, event_training.c.matter_code).where(event_training.c.matter_code.is_not(None))
    if since is not None:
        q = q.where(event_training.c.at >= since)
    return [(r.text, r.matter_code) for r in uow.execute(q.order_by(event_training.c.id))]
