"""The event aggregate, pure: its moves, the signals they answer, and who may make them —
without a database or HTTP."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.core.errors import Forbidden, Invalid, MissingField
from gridbrain.core.levels import Level
from gridbrain.events import model
from gridbrain.events.model import Action, Event, IllegalTransition, Status, Target
from gridbrain.events.signals import EventAccepted, EventDispatched, EventRated, EventReturned

GRID = "330110001002007"
COMMUNITY = "330110001002"
AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Person:
    username: str
    role: str
    area_code: str | None = None
    department_code: str | None = None


SANITATION = Person("sanitation1", "department_handler", COMMUNITY, "330110001002:community_office")
OTHER_DEPT = Person("police1", "department_handler", COMMUNITY, "330110001:police")
GRID_WORKER = Person("grid1", "grid_worker", GRID)
OTHER_GRID_WORKER = Person("grid2", "grid_worker", "330110001002008")
STREET_OP = Person("street1_op", "street_operator", "330110001000")
OTHER_STREET_OP = Person("street2_op", "street_operator", "330110002000")
CLIENT = Person("client-app", "open311_client")
ADMIN = Person("admin", "admin")


def event(status: Status = Status.DISPATCHED, **kw: object) -> Event:
    values: dict[str, object] = {
        "id": "E1",
        "status": status,
        "channel": "app",
        "text": "小区门口垃圾堆放",
        "area_code": COMMUNITY,
        "reported_at": AT,
        "grid_code": GRID,
        "level": Level.COMMUNITY,
        "department_code": SANITATION.department_code,
        "matter_code": "E010101",
        "reported_by": CLIENT.username,
        "transitions_count": 2,
    }
    values.update(kw)
    return Event(**values)  # type: ignore[arg-type]


def test_the_department_accepts_its_event_and_the_move_answers_the_accepted_signal():
    ev, sig = model.accept(event(), by=SANITATION, at=AT)
    assert ev.status == Status.ACCEPTED
    assert ev.transitions_count == 3 and ev.updated_at == AT
    assert isinstance(sig, EventAccepted)
    assert (sig.event_id, sig.from_status, sig.to_status, sig.actor, sig.at) == (
        "E1",
        "dispatched",
        "accepted",
        "sanitation1",
        AT,
    )
    assert sig.level == Level.COMMUNITY and sig.department_code == SANITATION.department_code


def test_another_department_may_not_accept_and_the_refusal_names_who_and_what():
    with pytest.raises(Forbidden, match="police1 may not accept event E1"):
        model.accept(event(), by=OTHER_DEPT, at=AT)


def test_an_illegal_move_is_refused_as_a_conflict_before_anyone_is_asked_who_they_are():
    with pytest.raises(IllegalTransition) as e:
        model.accept(event(Status.CLOSED), by=OTHER_DEPT, at=AT)
    assert e.value.status == 409 and e.value.allowed == ["reopen"]


def test_a_return_needs_a_reason_counts_the_return_and_carries_the_reason_on_its_signal():
    with pytest.raises(MissingField):
        model.return_event(event(), by=SANITATION, reason="  ", at=AT)
    ev, sig = model.return_event(event(returns_count=1), by=SANITATION, reason="不属于本部门", at=AT)
    assert ev.status == Status.RETURNED and ev.returns_count == 2
    assert isinstance(sig, EventReturned) and sig.note == "不属于本部门"


def test_the_moves_never_change_the_event_they_were_given():
    before = event()
    model.accept(before, by=SANITATION, at=AT)
    assert before.status == Status.DISPATCHED and before.transitions_count == 2


def test_the_grid_worker_of_the_grid_handles_a_grid_level_event_and_no_other_grid_worker_does():
    on_grid = event(level=Level.GRID, department_code=f"{GRID}:grid", area_code=GRID)
    assert on_grid.handled_by(GRID_WORKER)
    assert not on_grid.handled_by(OTHER_GRID_WORKER)
    assert not event().handled_by(GRID_WORKER)  # a community's event is not the grid worker's


def test_an_operator_handles_only_events_of_their_own_area():
    assert event().handled_by(STREET_OP)
    assert not event().handled_by(OTHER_STREET_OP)
    assert event().handled_by(ADMIN)


def test_verification_is_for_the_grids_worker_an_operator_or_the_reporting_client():
    handled = event(Status.HANDLED)
    for who in (GRID_WORKER, STREET_OP, CLIENT):
        assert handled.may(who, Action.VERIFY), who
    for who in (OTHER_GRID_WORKER, SANITATION, Person("client-other", "open311_client")):
        assert not handled.may(who, Action.VERIFY), who


def test_only_the_command_centre_dispatches_cancels_and_closes():
    for action in (Action.DISPATCH, Action.CANCEL, Action.CLOSE, Action.ESCALATE, Action.REROUTE):
        assert event().may(STREET_OP, action)
        assert not event().may(SANITATION, action)
        assert not event().may(GRID_WORKER, action)


@given(st.sampled_from(list(Action)), st.sampled_from(list(Status)))
def test_a_move_either_answers_the_next_status_or_refuses_it(action, status):
    ev = event(status)
    try:
        moved, sig = model.transition(ev, action, by=ADMIN, at=AT, note="理由")
    except IllegalTransition:
        assert action not in model.TRANSITIONS[status]
    else:
        assert moved.status == model.TRANSITIONS[status][action]
        assert sig.action == action.past and sig.to_status == moved.status.value


def test_sending_to_a_target_moves_the_routing_and_notes_the_out_of_list_lift():
    target = Target(Level.STREET, "330110001:city_management", "330110001000", filtered=True)
    ev, sig = model.send(event(Status.RETURNED, triage_reason="x"), Action.DISPATCH, target, by=STREET_OP, at=AT)
    assert (ev.level, ev.department_code, ev.area_code, ev.dispatched_at) == (
        Level.STREET,
        "330110001:city_management",
        "330110001000",
        AT,
    )
    assert ev.triage_reason is None
    assert isinstance(sig, EventDispatched) and sig.note == model.LIFTED


def test_a_closed_event_reopens_within_the_window_only():
    closed = event(Status.CLOSED, closed_at=AT)
    ev, _ = model.reopen(closed, by=STREET_OP, reason="又坏了", at=AT + timedelta(days=2), window=timedelta(days=7))
    assert ev.status == Status.DISPATCHED and ev.closed_at is None
    with pytest.raises(Invalid) as e:
        model.reopen(closed, by=STREET_OP, reason="又坏了", at=AT + timedelta(days=8), window=timedelta(days=7))
    assert e.value.rule == "reopen_window"


def test_a_closed_event_is_rated_by_its_client_or_staff_but_not_by_a_department():
    closed = event(Status.CLOSED, closed_at=AT)
    ev, sig = model.rate(closed, by=CLIENT, rating=4, comment=" 还行 ", at=AT)
    assert (ev.satisfaction, ev.rating_comment) == (4, "还行")
    assert isinstance(sig, EventRated) and sig.rating == 4
    with pytest.raises(Forbidden):
        model.rate(closed, by=SANITATION, rating=4, comment=None, at=AT)
    with pytest.raises(Invalid):
        model.rate(event(), by=CLIENT, rating=4, comment=None, at=AT)


def test_an_event_is_assigned_only_to_someone_of_its_department():
    ev = model.assign(event(), by=STREET_OP, person=SANITATION, at=AT)
    assert ev.assignee == "sanitation1"
    with pytest.raises(Invalid) as e:
        model.assign(event(), by=STREET_OP, person=OTHER_DEPT, at=AT)
    assert e.value.rule == "in_department"
    with pytest.raises(IllegalTransition):
        model.assign(event(Status.CLOSED), by=STREET_OP, person=SANITATION, at=AT)


def test_an_escalation_lands_on_the_first_level_above_that_names_a_department():
    assert model.escalation_level(Level.GRID, None, ["grid", "street"]) == Level.STREET
    assert model.escalation_level(Level.COMMUNITY, Level.DISTRICT, ["community", "district"]) == Level.DISTRICT
    with pytest.raises(Invalid, match="not above"):
        model.escalation_level(Level.STREET, Level.COMMUNITY, ["community", "street", "district"])
    with pytest.raises(Invalid, match="nothing above"):
        model.escalation_level(Level.DISTRICT, None, ["district"])
    with pytest.raises(Invalid) as e:
        model.escalation_level(Level.STREET, None, ["grid", "street"])
    assert e.value.rule == "department"


def test_an_event_goes_to_its_row_and_back_unchanged():
    ev = event(parameters={"area_m2": 80}, candidates=({"matter_code": "E010101", "confidence": 0.9},))
    row = ev.as_row()
    assert row["status"] == "dispatched" and row["level"] == "community"
    assert Event.of({**row, "unknown_column": 1}) == ev


PURE = {"gridbrain.core.errors", "gridbrain.core.levels", "gridbrain.core.codes", "gridbrain.catalog.model"}


def test_every_module_of_the_events_model_is_pure():
    impure = {"sqlalchemy", "fastapi", "starlette", "httpx", "psycopg", "os", "pathlib", "socket"}
    root = Path(model.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in impure, f"{path.name} imports {name}"
                if name.startswith("gridbrain.") and not name.startswith("gridbrain.events"):
                    assert name in {
                        "gridbrain.core.errors",
                        "gridbrain.core.levels",
                        "gridbrain.core.codes",
                        "gridbrain.core.text",
                        "gridbrain.catalog.model",
                    }, name
