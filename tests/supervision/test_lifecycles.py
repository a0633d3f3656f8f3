"""The lifecycles of supervision orders, summons and pause requests: pure, no database or HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.core.clock import CHINA
from gridbrain.core.errors import Conflict, Forbidden, Invalid, MissingField
from gridbrain.supervision.orders import model as orders
from gridbrain.supervision.orders.model import (
    ORDER_MOVES,
    SUMMONS_MOVES,
    IllegalMove,
    OpenOrder,
    Order,
    OrderAction,
    OrderState,
    ReplyOrder,
    Summons,
    SummonsAction,
    SummonsFlag,
    SummonsState,
)
from gridbrain.supervision.pauses import model as pauses
from gridbrain.supervision.pauses.model import Decide, PauseKind, PauseRequest, PauseState, RequestPause

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=CHINA)


def an_open_order(due: datetime = T0 + timedelta(hours=8)) -> Order:
    order, _ = orders.opened("O1", OpenOrder("E1", due, "请回复"), at=T0)
    return order


# --- supervision orders --------------------------------------------------------------------------


def test_an_order_is_opened_replied_and_closed_in_that_order():
    order = an_open_order()
    replied, text = orders.replied(order, ReplyOrder("O1", "  已处理  "), at=T0 + timedelta(hours=1))
    assert (replied.status, text, replied.overdue_at) == (OrderState.REPLIED, "已处理", None)
    assert orders.closed(replied, at=T0 + timedelta(hours=2)).status == OrderState.CLOSED


def test_closing_an_open_order_is_refused_naming_the_state_and_what_is_allowed():
    with pytest.raises(IllegalMove) as e:
        orders.closed(an_open_order(), at=T0)
    assert isinstance(e.value, Conflict) and e.value.status == 409
    assert "is open" in e.value.message and "allowed: reply, mark_overdue" in e.value.message
    assert (e.value.field, e.value.rule, e.value.allowed) == ("order_id", "state_open", ["reply", "mark_overdue"])


def test_a_closed_order_allows_nothing_more():
    order = orders.closed(orders.replied(an_open_order(), ReplyOrder("O1", "好"), at=T0)[0], at=T0)
    for action in OrderAction:
        with pytest.raises(IllegalMove) as e:
            order.move(action)
        assert e.value.message.endswith("allowed: nothing")


def test_an_order_due_in_the_past_or_without_a_requirement_is_refused_naming_the_field():
    with pytest.raises(Invalid) as e:
        orders.opened("O1", OpenOrder("E1", T0 - timedelta(minutes=1), "请回复"), at=T0)
    assert (e.value.field, e.value.rule) == ("due_at", "in_future")
    with pytest.raises(MissingField) as e:
        orders.opened("O1", OpenOrder("E1", T0 + timedelta(hours=1), "   "), at=T0)
    assert e.value.field == "requirement"


def test_a_late_reply_marks_the_order_overdue_for_good():
    order = an_open_order(due=T0 + timedelta(hours=1))
    late = T0 + timedelta(hours=3)
    replied, _ = orders.replied(order, ReplyOrder("O1", "迟到的回复"), at=late)
    assert replied.overdue_at == late and replied.overdue(late + timedelta(days=9))
    assert not orders.replied(an_open_order(), ReplyOrder("O1", "及时"), at=T0)[0].overdue(T0 + timedelta(days=9))


def test_the_sweeper_marks_an_overdue_order_once_and_only_while_it_is_open():
    order = an_open_order(due=T0 + timedelta(hours=1))
    assert orders.marked_overdue(order, at=T0) is None  # not due yet
    marked = orders.marked_overdue(order, at=T0 + timedelta(hours=2))
    assert marked is not None and marked.overdue_at == T0 + timedelta(hours=2)
    assert orders.marked_overdue(marked, at=T0 + timedelta(hours=3)) is None  # once
    replied, _ = orders.replied(order, ReplyOrder("O1", "好"), at=T0 + timedelta(minutes=30))
    assert orders.marked_overdue(replied, at=T0 + timedelta(hours=2)) is None


@given(st.lists(st.sampled_from(list(OrderAction)), max_size=6))
def test_every_sequence_of_order_actions_follows_the_moves_table(actions):
    state = OrderState.OPEN
    order = an_open_order()
    for action in actions:
        allowed = ORDER_MOVES[state]
        if action in allowed:
            state = order.move(action)
            order = Order(order.id, state, order.due_at)
        else:
            with pytest.raises(IllegalMove):
                order.move(action)
    assert order.status == state


# --- summons ---------------------------------------------------------------------------------------


def a_summons() -> Summons:
    return Summons(report_in_due_at=T0 + timedelta(hours=2), result_due_at=T0 + timedelta(days=2), id=7)


def test_a_summons_moves_from_summoned_to_reported_in_to_arrived_to_done():
    s = a_summons()
    assert s.state == SummonsState.SUMMONED
    s = orders.reported_in(s, at=T0 + timedelta(hours=1))
    assert s.state == SummonsState.REPORTED_IN
    s = orders.arrived(s, at=T0 + timedelta(hours=2))
    assert s.state == SummonsState.ARRIVED
    s = orders.result_reported(s, at=T0 + timedelta(hours=5))
    assert s.state == SummonsState.DONE and orders.summons_next_check(s) is None


def test_a_result_before_arrival_is_refused_naming_the_state_and_the_allowed_action():
    s = orders.reported_in(a_summons(), at=T0)
    with pytest.raises(IllegalMove) as e:
        orders.result_reported(s, at=T0)
    assert e.value.message == "summons 7 is reported_in: report_result is not allowed; allowed: arrive"
    assert e.value.field == "summons_id"


def test_reporting_in_twice_is_refused():
    s = orders.reported_in(a_summons(), at=T0)
    with pytest.raises(IllegalMove):
        orders.reported_in(s, at=T0)


def test_from_every_summons_state_only_the_next_step_is_allowed():
    steps = [orders.reported_in, orders.arrived, orders.result_reported]
    s = a_summons()
    for i, state in enumerate(SummonsState):
        assert s.state == state
        for j, action in enumerate(SummonsAction):
            if j != i:
                with pytest.raises(IllegalMove) as e:
                    s.move(action)
                assert e.value.allowed == [a.value for a in SUMMONS_MOVES[state]]
        if i < len(steps):
            s = steps[i](s, at=T0)


def test_the_sweeper_records_no_report_in_once_and_then_waits_for_nothing():
    s = a_summons()
    assert orders.summons_next_check(s) == s.report_in_due_at
    assert orders.swept(s, T0 + timedelta(hours=1)) == (s, [])
    after, new = orders.swept(s, T0 + timedelta(hours=3))
    assert new == [SummonsFlag.NO_REPORT_IN] and after.no_report_in_at == T0 + timedelta(hours=3)
    assert orders.swept(after, T0 + timedelta(hours=4))[1] == []  # once
    assert orders.summons_next_check(after) is None
    assert orders.shown_flags(after, T0 + timedelta(hours=4)) == ["no_report_in"]


def test_a_report_in_without_result_is_flagged_at_the_result_deadline():
    s = orders.reported_in(a_summons(), at=T0 + timedelta(hours=1))
    assert orders.summons_next_check(s) == s.result_due_at
    after, new = orders.swept(s, s.result_due_at + timedelta(minutes=1))
    assert new == [SummonsFlag.NO_RESULT] and orders.summons_next_check(after) is None


def test_a_whistle_names_each_department_once():
    assert orders.whistle_departments(orders.BlowWhistle("E1", (" a ", "b"), "x")) == ["a", "b"]
    with pytest.raises(Invalid) as e:
        orders.whistle_departments(orders.BlowWhistle("E1", ("a", "a"), "x"))
    assert e.value.field == "departments"
    with pytest.raises(MissingField):
        orders.whistle_departments(orders.BlowWhistle("E1", (" ",), "x"))


# --- extension and suspension requests --------------------------------------------------------------


def a_request(kind: PauseKind = PauseKind.SUSPENSION) -> PauseRequest:
    return PauseRequest(3, kind, PauseState.REQUESTED, "handler")


def test_an_approved_suspension_ends_and_an_approved_extension_does_not():
    approved = pauses.decided(a_request(), Decide(3, approve=True), by="operator")
    assert approved.status == PauseState.APPROVED
    assert pauses.ended(approved).status == PauseState.ENDED
    extension = pauses.decided(a_request(PauseKind.EXTENSION), Decide(3, approve=True), by="operator")
    with pytest.raises(Conflict) as e:
        pauses.ended(extension)
    assert e.value.message == "extension request 3 is approved: end is not allowed; allowed: nothing"


def test_a_request_is_decided_once_never_by_its_author_and_rejected_only_with_a_note():
    with pytest.raises(Forbidden):
        pauses.decided(a_request(), Decide(3, approve=True), by="handler")
    assert pauses.decided(a_request(), Decide(3, approve=True), by="handler", may_decide_own=True)
    with pytest.raises(MissingField) as e:
        pauses.decided(a_request(), Decide(3, approve=False, note=" "), by="operator")
    assert e.value.field == "note"
    rejected = pauses.decided(a_request(), Decide(3, approve=False, note="理由不足"), by="operator")
    with pytest.raises(Conflict) as e:
        pauses.decided(rejected, Decide(3, approve=True), by="operator")
    assert "is rejected" in e.value.message


def test_a_pause_request_command_names_the_field_that_breaks_a_rule():
    assert RequestPause.of("E1", "suspension", " 等待 ").reason == "等待"
    ext = RequestPause.of("E1", "extension", "协调", 2, "working_days")
    assert ext.extra is not None and ext.extra.value == 2.0
    for kind, reason, value, field in [
        ("holiday", "x", None, "kind"),
        ("suspension", "  ", None, "reason"),
        ("extension", "x", -1, "extension.value"),
    ]:
        with pytest.raises(Invalid) as e:
            RequestPause.of("E1", kind, reason, value, "working_days")
        assert e.value.field == field
