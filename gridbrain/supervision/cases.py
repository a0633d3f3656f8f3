"""The case library (案例库) of typical closed events, with review notes (复盘).

Search is token based so it works the same on SQLite and PostgreSQL: title, summary, review
notes, tags and the event text are cut into words with jieba and stored space separated; a query
is cut the same way and every word must match. Similar cases for a new event are those of the
same matter class (the first two levels of the catalog's class path), ranked by shared words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from gridbrain.catalog.text import tokenizer
from gridbrain.core import clock, ids
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Forbidden, Invalid, MissingField
from gridbrain.supervision.access import OPERATORS, load_event, record
from gridbrain.supervision.tables import cases

_STOP = set("的了是在和与及或也就都而且把被给让对向从到于为以之其这那有没不很个些啊吗呢吧")


def tokens(text: str) -> list[str]:
    """Distinct lower-case words of a text, in order, without punctuation and stop words."""
    seen: dict[str, None] = {}
    for w in tokenizer().cut_for_search(text or ""):  # the project's one jieba, with its dictionary
        w = w.strip().lower()
        if w and w not in _STOP and any(ch.isalnum() for ch in w):
            seen.setdefault(w, None)
    return list(seen)


def _matter_class(matter_code: str | None) -> str | None:
    if not matter_code:
        return None
    from gridbrain.events.service import catalog

    cat = catalog()
    if matter_code not in cat:
        return None
    return "/".join(cat.get(matter_code).class_path[:2])


@dataclass(frozen=True)
class CaseView:
    """A case of the library (its search words stay inside); `similarity` when found as similar."""

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


def case_view(row: Any, similarity: int | None = None) -> CaseView:
    fields = {k: v for k, v in row._mapping.items() if k in CaseView.__dataclass_fields__}
    return CaseView(**fields, similarity=similarity)


def add_case(
    uow: UnitOfWork,
    actor: Actor,
    event_id: str,
    *,
    title: str,
    summary: str,
    review_notes: str | None = None,
    tags: list[str] | None = None,
) -> CaseView:
    """Add a closed event to the case library as a typical case."""
    if actor.role not in OPERATORS:
        raise Forbidden(f"role {actor.role} may not add cases")
    ev = load_event(uow, actor, event_id)
    if ev.status != "closed":
        raise Conflict(
            f"event {event_id} is {ev.status}; only a closed event becomes a case",
            field="event_id",
            rule="closed",
        )
    if not (title or "").strip():
        raise MissingField("title")
    if len(title) > 120:
        raise Invalid("title", "at most 120 characters")
    if not (summary or "").strip():
        raise MissingField("summary")
    clean_tags = []
    for i, t in enumerate(tags or []):
        t = str(t).strip()
        if not t or len(t) > 20:
            raise Invalid(f"tags[{i}]", "1-20 characters")
        if t not in clean_tags:
            clean_tags.append(t)
    exists = uow.execute(sa.select(cases.c.id).where(cases.c.event_id == event_id)).first()
    if exists:
        raise Conflict(f"event {event_id} is already case {exists.id}", field="event_id", rule="unique")
    words = tokens(" ".join([title, summary, review_notes or "", ev.text or "", *clean_tags]))
    cid = ids.new_id()
    uow.execute(
        cases.insert().values(
            id=cid,
            event_id=event_id,
            matter_code=ev.matter_code,
            matter_class=_matter_class(ev.matter_code),
            area_code=ev.area_code,
            title=title.strip(),
            summary=summary.strip(),
            review_notes=(review_notes or "").strip() or None,
            tags=clean_tags,
            search_text=" " + " ".join(words) + " ",
            created_by=actor.username,
            created_at=clock.now(),
        )
    )
    record(uow, "supervision:case:added", actor, event_id, ev.area_code, case_id=cid, tags=clean_tags)
    row = uow.execute(sa.select(cases).where(cases.c.id == cid)).one()
    return case_view(row)


def search_cases(
    uow: UnitOfWork,
    actor: Actor,
    *,
    q: str | None = None,
    tag: str | None = None,
    matter_class: str | None = None,
    limit: int = 50,
) -> list[CaseView]:
    """Full-text search: every word of `q` must appear; best matches of the title first."""
    stmt = sa.select(cases).where(actor.scope.where(cases.c.area_code))
    words = tokens(q or "")
    for w in words:
        stmt = stmt.where(cases.c.search_text.contains(f" {w} ", autoescape=True))
    if matter_class:
        stmt = stmt.where(cases.c.matter_class == matter_class)
    rows = list(uow.execute(stmt.order_by(cases.c.created_at.desc()).limit(2000)).all())
    if tag:
        rows = [r for r in rows if tag in (r.tags or [])]
    title_hits = {r.id: sum(w in r.title.lower() for w in words) for r in rows}
    rows.sort(key=lambda r: -title_hits[r.id])
    return [case_view(r) for r in rows[:limit]]


def similar_cases(uow: UnitOfWork, actor: Actor, event_id: str, limit: int = 5) -> list[CaseView]:
    """Past cases of the same matter class as the event, most shared words first."""
    ev = load_event(uow, actor, event_id)
    klass = _matter_class(ev.matter_code)
    if klass is None:
        return []
    rows = uow.execute(
        sa.select(cases)
        .where(cases.c.matter_class == klass, cases.c.event_id != event_id, actor.scope.where(cases.c.area_code))
        .order_by(cases.c.created_at.desc())
        .limit(500)
    ).all()
    if not rows:
        return []  # no word cutting (jieba) for the many events whose class has no case yet
    mine = set(tokens(ev.text or ""))
    scored = []
    for r in rows:
        theirs = set(r.search_text.split())
        shared = len(mine & theirs)
        same_matter = r.matter_code == ev.matter_code
        scored.append((shared + (2 if same_matter else 0), r))
    scored.sort(key=lambda x: -x[0])
    return [case_view(r, s) for s, r in scored[:limit]]
