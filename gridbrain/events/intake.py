"""Intake (一个口子进): a problem from any channel becomes an event — placed on a grid, classified
and assigned (定性定责), checked for duplicates, dispatched or sent to triage — with its two
transitions, their audit entries, the department's notice and the signals, in the caller's
transaction (the caller commits: the event is durable before anyone is told it was accepted).

`report_many` takes a batch — what the API's group commit collects while the previous batch is
being written: the classifier runs once over all free-text reports and every lookup and insert is
one statement for the whole batch. `report` is a batch of one.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from gridbrain.areas import locator
from gridbrain.areas.model import haversine_m
from gridbrain.areas.service import check_point
from gridbrain.catalog.model import Catalog, Matter, decide
from gridbrain.catalog.nature import guess as guess_nature
from gridbrain.config import get_settings
from gridbrain.core import audit, clock, ids
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork, insert_many, one_of
from gridbrain.core.errors import Conflict, DomainError, Invalid
from gridbrain.core.levels import Level
from gridbrain.events import classify as classifier
from gridbrain.events import dispatch, matters, model, outbox, places, trail
from gridbrain.events.model import Action, Status
from gridbrain.events.model.report import CHANNELS, Report, check_report
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import events

__all__ = ["CHANNELS", "Intake", "Report", "check_report", "report", "report_many", "warm"]


@dataclass
class Intake:
    event: dict[str, Any]
    created: bool
    duplicate_of: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)


def warm(engine: sa.engine.Engine) -> None:
    """Load what every report needs — the classifier (model, dictionary) and the grids — ahead
    of the first one, then take all that was loaded out of the garbage collector's sight: a full
    collection walks every object of the process, and with the model and jieba's dictionary
    in memory that is ~90 ms with every request of the process waiting (BENCHMARKS.md)."""
    classifier.classify_many(matters.catalog(), ["小区门口垃圾堆放"])
    locator.locator_for(engine)
    gc.collect()
    gc.freeze()  # what lives now lives as long as the process: never scanned again


@dataclass
class _Draft:
    """A report on its way in: what is known of it so far."""

    actor: Actor
    report: Report
    index: int = 0  # position in the batch
    lat: float | None = None
    lng: float | None = None
    grid_code: str | None = None
    address_code: str | None = None
    address_text: str | None = None
    triage_reason: str | None = None
    matter: Matter | None = None
    params: dict[str, Any] | None = None
    level: Level | None = None
    confidence: float | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    primary: str | None = None  # the open event this one duplicates
    target: model.Target | None = None
    row: dict[str, Any] = field(default_factory=dict)
    second: tuple[Action, Status, str | None] | None = None  # the move after `reported`, its status, note


def _draft(uow: UnitOfWork, cat: Catalog, actor: Actor, r: Report, index: int) -> _Draft:
    """Check the report, place it, and decide its matter when the reporter chose one."""
    check_report(r)
    d = _Draft(actor, r, index, address_text=(r.address or "").strip() or None)
    # where: a point (any crs → WGS-84 → grid) or an address text through the address library
    if r.lat is not None and r.lng is not None:
        d.lat, d.lng = check_point(r.lat, r.lng, r.crs)
        hit = locator.locator_for(uow.engine, uow.conn).locate(d.lat, d.lng)
        d.grid_code = hit.grid_code if hit else None
        if d.grid_code is None:
            d.triage_reason = "outside_district"
    elif d.address_text:
        place = places.match_address(uow.engine, d.address_text, uow.conn)
        if place is None or not place.grid_code:
            d.triage_reason = "address_unresolved"
        else:
            d.grid_code, d.lat, d.lng, d.address_code = place.grid_code, place.lat, place.lng, place.address_code
            d.address_text = place.address_text
    # what: the reporter's choice decides (定性定责); otherwise the classifier, for the whole batch
    if r.matter_code:
        if r.matter_code not in cat:
            raise Invalid("matter_code", "exists", f"no matter {r.matter_code} in catalog {cat.version}")
        d.matter = cat.get(r.matter_code)
        decision = decide(d.matter, r.parameters)
        d.params, d.level, d.confidence = dict(decision.parameters), decision.level, 1.0
    elif r.parameters:
        raise Invalid("parameters", "needs matter_code", "parameters are given with the matter they belong to")
    return d


def _classify(cat: Catalog, drafts: list[_Draft]) -> None:
    """Place the free-text reports with the classifier's top 3, in one pass over the batch."""
    free = [d for d in drafts if d.matter is None]
    if not free:
        return
    threshold = get_event_settings().classify_threshold
    if threshold is None:
        threshold = classifier.default_threshold()
    for d, found in zip(free, classifier.classify_many(cat, [d.report.text for d in free]), strict=True):
        d.candidates = [{"matter_code": c.matter_code, "confidence": c.confidence} for c in found]
        if d.candidates and d.candidates[0]["confidence"] >= threshold:
            d.matter = cat.get(d.candidates[0]["matter_code"])
            d.confidence = d.candidates[0]["confidence"]
            try:
                d.params, d.level = {}, decide(d.matter, {}).level
            except DomainError:
                d.triage_reason = d.triage_reason or "parameters_needed"
        else:
            d.triage_reason = d.triage_reason or "low_confidence"


def _find_duplicates(uow: UnitOfWork, drafts: list[_Draft], at: datetime) -> None:
    """Same matter, near, recent, still open → link instead of dispatching again. Earlier reports
    of the same batch count as open events too."""
    settings = get_event_settings()
    probes = [d for d in drafts if d.matter is not None and d.lat is not None and d.lng is not None]
    if not probes:
        return
    found = dispatch.find_duplicates(
        uow,
        [(d.matter.code, d.lat, d.lng) for d in probes],  # type: ignore[union-attr,misc]
        at=at,
        distance_m=settings.duplicate_distance_m,
        window=timedelta(hours=settings.duplicate_window_h),
    )
    fresh: list[_Draft] = []  # this batch's new events that later reports may duplicate
    for d, hit in zip(probes, found, strict=True):
        best = (hit[0], hit[1].id) if hit is not None else None  # the nearest stored event, measured once
        for f in fresh:
            if f.matter.code == d.matter.code:  # type: ignore[union-attr]
                dist = haversine_m(d.lat, d.lng, f.lat, f.lng)  # type: ignore[arg-type]
                if dist <= settings.duplicate_distance_m and (best is None or dist < best[0]):
                    best = (dist, f.row["id"])
        if best is not None:
            d.primary = best[1]
        else:
            fresh.append(d)


def _route(uow: UnitOfWork, drafts: list[_Draft]) -> None:
    """The department (or grid worker) of each report, with one lookup of each kind per batch."""
    routable = [
        d
        for d in drafts
        if d.primary is None and d.matter is not None and d.level is not None and d.grid_code and not d.triage_reason
    ]
    if not routable:
        return
    directory = dispatch.Directory(uow)
    directory.prefetch_delegations({d.matter.code for d in routable if not d.matter.grid_list})  # type: ignore[union-attr]
    plans = [dispatch.plan(directory, d.matter, d.level, d.grid_code) for d in routable]  # type: ignore[arg-type]
    directory.prefetch(
        department_codes=[code for level, code, _, _ in plans if level != Level.GRID],
        grid_codes=[area for level, _, _, area in plans if level == Level.GRID],
    )
    for d, planned in zip(routable, plans, strict=True):
        d.target = dispatch.target_of(directory, planned, d.grid_code)  # type: ignore[arg-type]
        if d.target is None:
            d.triage_reason = "no_department"


def report(uow: UnitOfWork, actor: Actor, r: Report) -> Intake:
    """Take a problem in: classify, locate, dispatch (or triage), audit, outbox. Idempotent by
    (channel, external_id): a retried submission answers the event it already made."""
    out = report_many(uow, [(actor, r)])[0]
    if isinstance(out, DomainError):
        raise out
    return out


def report_many(uow: UnitOfWork, items: Sequence[tuple[Actor, Report]]) -> list[Intake | DomainError]:
    """Take several problems in at once, in order; a report that cannot be taken answers its
    error (naming field and rule) and costs the others nothing. Idempotent by (channel,
    external_id), within the batch too."""
    now = clock.now()
    cat = matters.catalog()
    results: list[Intake | DomainError | None] = [None] * len(items)
    drafts: list[_Draft] = []
    first_of_key: dict[tuple[str, str], _Draft] = {}
    repeats: list[tuple[int, _Draft]] = []  # a retry inside the batch answers its first submission
    for i, (actor, r) in enumerate(items):
        try:
            d = _draft(uow, cat, actor, r, i)
        except DomainError as e:
            results[i] = e
            continue
        if r.external_id is not None:
            key = (r.channel, r.external_id)
            if key in first_of_key:
                repeats.append((i, first_of_key[key]))
                continue
            first_of_key[key] = d
        d.row["id"] = ids.new_id()
        drafts.append(d)
    _classify(cat, drafts)
    _find_duplicates(uow, drafts, now)
    _route(uow, drafts)
    _settle(drafts, now, get_settings().district_code, cat.version)
    _write(uow, drafts, results, now)
    for i, first in repeats:
        done = results[first.index]
        assert isinstance(done, Intake)
        results[i] = _replay(items[i][0], done.event)
    assert all(r is not None for r in results), "every report of the batch is answered"
    return [r for r in results if r is not None]


def _replay(actor: Actor, found: dict[str, Any]) -> Intake | DomainError:
    """A retried submission answers the event it made, but only to a caller who may see it: a
    replayed (channel, external_id) from another area learns nothing of the event."""
    if actor.scope.covers_any(found.get("area_code"), found.get("grid_code")):
        return Intake(found, created=False, duplicate_of=found.get("duplicate_of"))
    return Conflict("this (channel, external_id) already names another report", field="external_id", rule="unique")


def _settle(drafts: list[_Draft], now: datetime, district: str, catalog_version: str) -> None:
    """Each draft's row, already in its second state (linked, dispatched or in triage): the row
    goes in once, and both transitions are recorded after it."""
    note: str | None
    for d in drafts:
        d.row = _row(d, now, district, catalog_version)
        if d.primary is not None:
            second, note = Action.CANCEL, f"duplicate of {d.primary}"
            d.row["duplicate_of"] = d.primary
        elif d.target is not None:
            second, note = Action.DISPATCH, (model.LIFTED if d.target.filtered else None)
            d.row.update(
                level=d.target.level.value,
                department_code=d.target.department_code,
                area_code=d.target.area_code,
                assignee=d.target.assignee,
                dispatched_at=now,
            )
        else:
            second, note = Action.TRIAGE, d.triage_reason
            d.row["triage_reason"] = d.triage_reason
        to = model.move(d.row["id"], Status.REPORTED, second, note=note)
        d.row.update(status=to.value, transitions_count=2)
        d.second = (second, to, note)


def _write(uow: UnitOfWork, drafts: list[_Draft], results: list[Intake | DomainError | None], now: datetime) -> None:
    """Insert the batch's events and all they leave behind; answer each draft's result (the
    event it made, or the one a concurrent retry made first)."""
    created = _insert(uow, [d.row for d in drafts])
    lost = [d for d in drafts if d.row["id"] not in created]  # a concurrent retry won the race
    existing = _existing(uow, [(d.report.channel, d.report.external_id or "") for d in lost])
    moves: list[trail.Move] = []
    notices: list[dict[str, Any]] = []
    linked: Counter[str] = Counter()
    links: list[dict[str, Any]] = []
    for d in drafts:
        if d.row["id"] not in created:
            results[d.index] = _replay(d.actor, existing[(d.report.channel, d.report.external_id or "")])
            continue
        assert d.second is not None
        ev = d.row
        second, to, note = d.second
        unrouted = {**ev, "level": None, "department_code": None}  # as it stood when reported
        moves.append(trail.Move(d.actor, unrouted, 1, model.REPORTED, None, Status.REPORTED.value, None))
        moves.append(trail.Move(d.actor, ev, 2, second.past, Status.REPORTED.value, to.value, note))
        if d.primary is not None:
            linked[d.primary] += 1
            links.append(
                audit.entry("events:event:linked", actor=d.actor, subject_id=d.primary, detail={"duplicate": ev["id"]})
            )
        elif d.target is not None:
            notices.extend(trail.department_notices(ev, d.target, second, note))
        results[d.index] = Intake(ev, created=True, duplicate_of=ev.get("duplicate_of"), candidates=d.candidates)
    with uow.pipeline():  # writes only: one round trip for all of them
        trail.record(uow, moves, at=now)
        if linked:  # in key order, so that two batches never wait on each other in a cycle
            uow.execute(_COUNT_REPORTS, [{"primary": p, "n": n, "at": now} for p, n in sorted(linked.items())])
        audit.record_many(uow, links)
        outbox.enqueue_many(uow, notices)


# the open event a duplicate was linked to counts one more reporter
_COUNT_REPORTS = (
    events.update()
    .where(events.c.id == sa.bindparam("primary"))
    .values(reports_count=events.c.reports_count + sa.bindparam("n"), updated_at=sa.bindparam("at"))
)


def _row(d: _Draft, now: datetime, district: str, catalog_version: str) -> dict[str, Any]:
    r = d.report
    matter = d.matter
    guessed = guess_nature(r.text, matter)
    nature = r.nature or (guessed.value if guessed else None)
    return {
        "id": d.row["id"],
        "channel": r.channel,
        "external_id": r.external_id,
        "text": r.text.strip(),
        "matter_code": matter.code if matter else None,
        "nature": nature,
        "parameters": d.params,
        "status": Status.REPORTED.value,
        "level": None,
        "department_code": None,
        "area_code": d.grid_code or district,
        "grid_code": d.grid_code,
        "address_code": d.address_code,
        "address_text": d.address_text,
        "lat": d.lat,
        "lng": d.lng,
        "reporter_name": r.reporter_name,
        "reporter_phone": r.reporter_phone,
        "reporter_contact": r.reporter_contact,
        "media_url": r.media_url,
        "reported_at": now,
        "updated_at": now,
        "confidence": d.confidence,
        "candidates": d.candidates or None,
        "catalog_version": catalog_version,
        "reported_by": d.actor.username,
        "transitions_count": 0,
        "reports_count": 1,
        "returns_count": 0,
        "triage_reason": None,
        "duplicate_of": None,
        "assignee": None,
        "dispatched_at": None,
    }


def _insert(uow: UnitOfWork, rows: list[dict[str, Any]]) -> set[str]:
    """Insert the events unless (channel, external_id) exists (a concurrent retry won the race);
    answers the ids that went in. One statement for the batch."""
    return set(insert_many(uow, events, rows, skip_existing=("channel", "external_id"), returning="id"))


def _existing(uow: UnitOfWork, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    if not keys:
        return {}
    rows = uow.execute(
        sa.select(events).where(
            one_of(events.c.channel, {c for c, _ in keys}, postgres=uow.postgres),
            one_of(events.c.external_id, {x for _, x in keys}, postgres=uow.postgres),
        )
    )
    return {(r.channel, r.external_id): dict(r._mapping) for r in rows}
