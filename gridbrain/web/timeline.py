"""An event's timeline as people read it: each step named in words (not an audit tag), who did it,
its note, and the facts of its detail with their names (department names, not codes; 黄牌, not
`yellow`). What has no name here is kept under a "details" fold, never dropped."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gridbrain.web import labels
from gridbrain.web.nav import N_

# audit tags that land on an event's timeline (transitions are named by their status)
TAG = {
    "events:event:assigned": N_("Assigned to a handler"),
    "events:event:rated": N_("Rated by the reporter"),
    "events:event:linked": N_("Linked as a duplicate"),
    "events:photo:added": N_("Photo added"),
    "events:follower:added": N_("Follower added"),
    "events:visit:scheduled": N_("Return visit scheduled"),
    "supervision:deadline:started": N_("Deadline clock started"),
    "supervision:deadline:met": N_("Deadline met"),
    "supervision:deadline:ended": N_("Deadline clock ended"),
    "supervision:card:issued": N_("Card issued"),
    "supervision:card:yellow": N_("Yellow card"),
    "supervision:escalation:failed": N_("Escalation failed"),
    "supervision:order:opened": N_("Supervision order opened"),
    "supervision:order:replied": N_("Supervision order replied"),
    "supervision:order:closed": N_("Supervision order closed"),
    "supervision:order:overdue": N_("Supervision order overdue"),
    "supervision:whistle:blown": N_("Whistle blown (吹哨)"),
    "supervision:summons:reported_in": N_("Department reported in"),
    "supervision:summons:arrived": N_("Department arrived on site"),
    "supervision:summons:result": N_("Department reported its result"),
    "supervision:case:added": N_("Added to the case library"),
    "supervision:suspension:requested": N_("Suspension requested"),
    "supervision:suspension:approved": N_("Suspension approved"),
    "supervision:suspension:rejected": N_("Suspension refused"),
    "supervision:suspension:ended": N_("Suspension ended"),
    "supervision:extension:requested": N_("Extension requested"),
    "supervision:extension:approved": N_("Extension approved"),
    "supervision:extension:rejected": N_("Extension refused"),
    "perception:event:noted": N_("Alarm note from the perception network"),
}

# detail keys shown with a name; the value shown through `_VALUE` when it is a code
KEY = {
    "reason": N_("Reason"),
    "note": N_("Note"),
    "comment": N_("Comment"),
    "rating": N_("Rating"),
    "colour": N_("Card"),
    "deadline": N_("Deadline"),
    "kinds": N_("Deadline"),
    "round": N_("Round"),
    "department_code": N_("Department"),
    "assignee": N_("Handler"),
    "late": N_("Late"),
    "cause": N_("Cause"),
    "tags": N_("Tags"),
    "value": N_("Value"),
    "unit": N_("Unit"),
}
_CODES = {
    "yellow": N_("Yellow card"),
    "red": N_("Red card"),
    "response": N_("Response deadline"),
    "disposal": N_("Disposal deadline"),
}


@dataclass(frozen=True)
class Step:
    at: Any
    what: str  # an English message id, translated in the template
    actor: str
    note: str
    facts: list[tuple[str, str]] = field(default_factory=list)  # (message id, shown value)
    raw: dict[str, Any] = field(default_factory=dict)  # detail keys without a name here
    kind: str = "audit"


def _value(key: str, v: Any, departments: Mapping[str, str], tr: Callable[[str], str]) -> str:
    if key == "department_code":
        return departments.get(str(v), str(v))
    if isinstance(v, bool):
        return tr("yes") if v else tr("no")
    if isinstance(v, list | tuple):
        return "、".join(_value(key, x, departments, tr) for x in v)
    return tr(_CODES[v]) if isinstance(v, str) and v in _CODES else str(v)


def steps(timeline: list[dict[str, Any]], departments: Mapping[str, str], tr: Callable[[str], str]) -> list[Step]:
    """The timeline's rows in words; `tr` translates the values that are codes."""
    out = []
    for t in timeline:
        if t["kind"] == "transition":
            facts = [(KEY["department_code"], _value("department_code", t["department_code"], departments, tr))]
            out.append(
                Step(t["at"], labels.STATUS.get(t["to_status"], t["to_status"]), t["actor"], t.get("note") or "",
                     facts if t.get("department_code") else [], kind="transition")
            )  # fmt: skip
            continue
        detail = dict(t.get("detail") or {})
        note = str(detail.pop("note", "") or "")
        facts = [(KEY[k], _value(k, v, departments, tr)) for k, v in detail.items() if k in KEY and v not in (None, "")]
        raw = {k: v for k, v in detail.items() if k not in KEY}
        out.append(Step(t["at"], TAG.get(t["action"], N_("Other entry")), t["actor"], note, facts, raw))
    return out


def department_codes(timeline: list[dict[str, Any]]) -> set[str]:
    """Every department code the timeline names (to look their names up in one read)."""
    codes = {t.get("department_code") for t in timeline}
    for t in timeline:
        d = t.get("detail") or {}
        codes.add(d.get("department_code"))
    return {c for c in codes if isinstance(c, str) and c}
