"""The lifecycle state machine, pure: every status × action pair, and random walks (hypothesis)."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.areas.model import haversine_m
from gridbrain.core.errors import Invalid, MissingField
from gridbrain.core.levels import Level, area_at_level
from gridbrain.events import model
from gridbrain.events.model import Action, IllegalTransition, Status

LEGAL = {(s, a) for s, moves in model.TRANSITIONS.items() for a in moves}


def test_every_status_has_an_entry_in_the_transition_table():
    assert set(model.TRANSITIONS) == set(Status)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_each_status_and_action_pair_either_moves_or_refuses_naming_the_status(status, action):
    if (status, action) in LEGAL:
        assert model.move("E1", status, action, note="why") == model.TRANSITIONS[status][action]
    else:
        with pytest.raises(IllegalTransition) as err:
            model.move("E1", status, action, note="why")
        assert err.value.status == 409
        assert status.value in err.value.message
        body = err.value.as_dict()
        assert body["status"] == status.value
        assert body["allowed"] == ",".join(model.allowed(status))


def test_the_happy_path_runs_from_report_to_close():
    s = Status.REPORTED
    for a in (Action.DISPATCH, Action.ACCEPT, Action.START, Action.HANDLE, Action.VERIFY, Action.CLOSE):
        s = model.move("E1", s, a)
    assert s is Status.CLOSED


def test_a_return_without_a_reason_is_refused_naming_the_field():
    with pytest.raises(MissingField) as err:
        model.move("E1", Status.DISPATCHED, Action.RETURN, note="  ")
    assert err.value.field == "reason"


def test_a_returned_event_can_be_dispatched_again():
    assert model.move("E1", Status.RETURNED, Action.DISPATCH) is Status.DISPATCHED


def test_a_cancelled_event_allows_nothing():
    assert model.allowed(Status.CANCELLED) == []


def test_an_unknown_action_is_invalid_not_illegal():
    with pytest.raises(Invalid) as err:
        model.move("E1", Status.REPORTED, "fly")
    assert err.value.field == "action"


def test_reopen_is_allowed_only_within_the_window():
    closed = datetime(2026, 1, 1, tzinfo=UTC)
    week = timedelta(days=7)
    assert model.reopen_allowed(closed, closed + timedelta(days=6), week)
    assert not model.reopen_allowed(closed, closed + timedelta(days=8), week)
    assert not model.reopen_allowed(None, closed, week)


@given(st.lists(st.sampled_from(list(Action)), max_size=40))
def test_any_sequence_of_actions_only_ever_reaches_states_through_legal_moves(actions):
    s = Status.REPORTED
    for a in actions:
        before = s
        try:
            s = model.move("E1", s, a, note="reason")
        except IllegalTransition:
            assert (before, a) not in LEGAL
            assert s is before
        else:
            assert (before, a) in LEGAL
            assert s is model.TRANSITIONS[before][a]
    assert s in set(Status)


@given(st.sampled_from(list(Status)))
def test_every_state_but_cancelled_has_a_way_forward_and_closed_only_reopens(status):
    allowed = model.allowed(status)
    if status is Status.CANCELLED:
        assert allowed == []
    elif status is Status.CLOSED:
        assert allowed == ["reopen"]
    else:
        assert allowed


def test_every_status_is_reachable_from_reported():
    seen, todo = {Status.REPORTED}, [Status.REPORTED]
    while todo:
        for nxt in model.TRANSITIONS[todo.pop()].values():
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    assert seen == set(Status)


# --- dispatch rules ------------------------------------------------------------------------------

DEPTS = {"grid": "grid", "community": "community_office", "street": "sanitation", "district": "sanitation"}


def test_a_matter_on_the_grid_list_stays_in_the_grid():
    r = model.route("grid", DEPTS, in_grid_list=True)
    assert (r.level, r.department_type, r.filtered) == ("grid", "grid", False)


def test_an_out_of_list_matter_is_lifted_to_the_community_instead_of_the_grid_worker():
    r = model.route("grid", DEPTS, in_grid_list=False)
    assert (r.level, r.department_type, r.filtered) == ("community", "community_office", True)


def test_an_out_of_list_matter_with_an_approved_delegation_may_stay_in_the_grid():
    assert model.route("grid", DEPTS, in_grid_list=False, delegated=True).level == "grid"


def test_the_filter_skips_levels_without_a_department():
    r = model.route("grid", {"grid": "grid", "street": "city_management"}, in_grid_list=False)
    assert r.level == "street"


@given(st.sampled_from(list(Level)), st.booleans(), st.booleans())
def test_no_routing_ever_lands_an_unlisted_undelegated_matter_on_the_grid(level, listed, delegated):
    r = model.route(level, DEPTS, in_grid_list=listed, delegated=delegated)
    if r.level == Level.GRID:
        assert listed or delegated
    assert r.level.rank >= level.rank


def test_levels_go_up_to_the_district_and_stop():
    assert Level.GRID.above() == Level.COMMUNITY
    assert Level.STREET.above() == Level.DISTRICT
    assert Level.DISTRICT.above() is None


def test_the_area_at_each_level_is_cut_from_the_grid_code():
    g = "330110001002007"
    assert area_at_level(g, "community") == "330110001002"
    assert area_at_level(g, "street") == "330110001000"
    assert area_at_level(g, "district") == "330110000000"


def test_ratings_are_one_to_five():
    assert model.check_rating(5, " 很好 ") == (5, "很好")
    for bad in (0, 6, True, "5", 2.5):
        with pytest.raises(Invalid):
            model.check_rating(bad, None)


def test_the_distance_between_two_points_a_known_100_metres_apart():
    assert haversine_m(30.0, 120.0, 30.0 + 100 / 111_195, 120.0) == pytest.approx(100, rel=0.01)
