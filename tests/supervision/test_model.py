"""Deadline arithmetic, cards, escalation and report-in rules: pure, no database."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gridbrain.core.errors import Invalid
from gridbrain.core.levels import Level
from gridbrain.supervision import calendar as supcal
from gridbrain.supervision import model
from gridbrain.supervision.assessment import model as assessment
from gridbrain.supervision.model import CHINA, Colour, Limit, Unit
from gridbrain.supervision.orders import model as orders
from gridbrain.supervision.orders.model import Summons, SummonsFlag

CAL = supcal.working_calendar()
WEEKENDS_ONLY = model.WorkingCalendar(is_workday=lambda d: d.weekday() < 5)


def cn(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHINA)  # type: ignore[misc]


# --- working days and the official calendar ------------------------------------------------------


def test_two_working_days_from_friday_before_national_day_2025_end_monday_as_sunday_is_worked():
    # 2025: holiday Oct 1-8; Sunday Sep 28 is an adjusted working day (调休上班)
    due = model.add_limit(CAL, cn(2025, 9, 26, 10, 0), Limit(2, Unit.WORKING_DAYS))
    assert due == cn(2025, 9, 29, 17, 30)
    # a weekends-only calendar would have said Tuesday
    assert model.add_limit(WEEKENDS_ONLY, cn(2025, 9, 26, 10, 0), Limit(2, Unit.WORKING_DAYS)) == cn(
        2025, 9, 30, 17, 30
    )


def test_two_working_days_from_the_friday_before_national_day_2026_skip_the_mid_autumn_holiday():
    # 2026: Friday Sep 25 is 中秋节; Sep 28-30 are working days, then Oct 1-7 off
    due = model.add_limit(CAL, cn(2026, 9, 25, 9, 0), Limit(2, Unit.WORKING_DAYS))
    assert due == cn(2026, 9, 29, 17, 30)


def test_two_working_days_from_the_last_working_day_before_national_day_2026_jump_over_the_holiday():
    due = model.add_limit(CAL, cn(2026, 9, 30, 16, 0), Limit(2, Unit.WORKING_DAYS))
    assert due == cn(2026, 10, 9, 17, 30)
    # three working days reach Saturday Oct 10, an adjusted working day
    assert model.add_limit(CAL, cn(2026, 9, 30, 16, 0), Limit(3, Unit.WORKING_DAYS)) == cn(2026, 10, 10, 17, 30)


def test_the_day_a_working_day_limit_starts_is_not_counted_even_early_in_the_morning():
    assert model.add_limit(CAL, cn(2026, 11, 23, 7, 0), Limit(1, Unit.WORKING_DAYS)) == cn(2026, 11, 24, 17, 30)


def test_half_a_working_day_is_half_of_the_day_s_working_hours_from_the_start():
    # 7.5 working hours a day -> 3h45m; from 10:00: 2h until 12:00, 1h45m after 13:30
    assert model.add_limit(CAL, cn(2026, 11, 23, 10, 0), Limit(0.5, Unit.WORKING_DAYS)) == cn(2026, 11, 23, 15, 15)


def test_working_hours_skip_lunch_nights_and_weekends():
    assert model.add_limit(CAL, cn(2026, 11, 23, 11, 0), Limit(2, Unit.WORKING_HOURS)) == cn(2026, 11, 23, 14, 30)
    # Friday 17:00 + 1 working hour -> Monday 09:00
    assert model.add_limit(CAL, cn(2026, 11, 27, 17, 0), Limit(1, Unit.WORKING_HOURS)) == cn(2026, 11, 30, 9, 0)
    # reported at night: the clock starts at the next opening
    assert model.add_limit(CAL, cn(2026, 11, 23, 22, 0), Limit(1, Unit.WORKING_HOURS)) == cn(2026, 11, 24, 9, 30)


def test_working_hours_over_national_day_2026_skip_the_whole_holiday():
    assert model.add_limit(CAL, cn(2026, 9, 30, 17, 0), Limit(1, Unit.WORKING_HOURS)) == cn(2026, 10, 8, 9, 0)


def test_hours_and_days_are_plain_elapsed_time_even_over_holidays():
    start = cn(2026, 9, 30, 17, 0)
    assert model.add_limit(CAL, start, Limit(24, Unit.HOURS)) == start + timedelta(hours=24)
    assert model.add_limit(CAL, start, Limit(3, Unit.DAYS)) == start + timedelta(days=3)


def test_a_utc_start_is_read_in_china_time():
    start = datetime(2026, 11, 23, 2, 0, tzinfo=model.ZoneInfo("UTC"))  # 10:00 in Beijing
    assert model.add_limit(CAL, start, Limit(1, Unit.WORKING_HOURS)) == cn(2026, 11, 23, 11, 0)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_seconds(datetime(2026, 11, 23, 10, 0), 60)


def test_years_without_official_data_fall_back_to_weekends_and_warn_once(caplog: pytest.LogCaptureFixture):
    supcal._warned.discard(2099)
    with caplog.at_level(logging.WARNING, logger="gridbrain.supervision.calendar"):
        assert supcal.official_is_workday(date(2099, 1, 1)) is True  # a Thursday
        assert supcal.official_is_workday(date(2099, 1, 3)) is False  # a Saturday
    warnings = [r for r in caplog.records if "2099" in r.getMessage()]
    assert len(warnings) == 1


def test_official_data_knows_2026_adjusted_working_sunday():
    assert supcal.official_is_workday(date(2026, 9, 20)) is True  # Sunday, 调休上班
    assert supcal.official_is_workday(date(2026, 10, 5)) is False  # Monday, National Day


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 20)),
    hours=st.floats(min_value=0.01, max_value=80),
)
def test_adding_working_hours_then_measuring_them_gives_them_back(start: datetime, hours: float):
    s = start.replace(tzinfo=CHINA)
    due = CAL.add_working_seconds(s, hours * 3600)
    assert due > s
    assert CAL.working_seconds_between(s, due) == pytest.approx(hours * 3600, abs=1e-3)
    assert CAL.is_workday(due.date())


@settings(max_examples=100, deadline=None)
@given(start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2026, 12, 1)), n=st.integers(1, 20))
def test_n_working_days_end_at_close_of_a_working_day_with_n_working_days_after_the_start_day(start: datetime, n: int):
    s = start.replace(tzinfo=CHINA)
    due = model.add_limit(CAL, s, Limit(n, Unit.WORKING_DAYS))
    assert due.timetz().replace(tzinfo=None) == model.time(17, 30)
    days = [s.date() + timedelta(days=i) for i in range(1, (due.date() - s.date()).days + 1)]
    assert sum(CAL.is_workday(d) for d in days) == n


def test_limits_from_data_are_checked():
    with pytest.raises(Invalid) as e:
        Limit.of(0, "working_days", "extension")
    assert e.value.field == "extension.value"
    with pytest.raises(Invalid) as e:
        Limit.of(1, "weeks", "extension")
    assert e.value.field == "extension.unit"


def test_overlapping_working_periods_are_refused():
    with pytest.raises(Invalid):
        model.WorkingCalendar(is_workday=lambda d: True, periods=model.parse_periods(["08:00-12:00", "11:00-13:00"]))
    with pytest.raises(Invalid) as e:
        model.parse_periods(["8-12"])
    assert e.value.field == "working_day[0]"


# --- clocks, pauses, extensions -------------------------------------------------------------------


def test_yellow_at_is_three_quarters_of_working_time():
    clock = model.start_clock(CAL, cn(2026, 11, 23, 9, 0), Limit(4, Unit.WORKING_HOURS), 0.75)
    assert clock.due_at == cn(2026, 11, 23, 14, 30)
    assert clock.yellow_at == cn(2026, 11, 23, 12, 0)  # 3 working hours after 09:00
    assert CAL.working_seconds_between(clock.started_at, clock.yellow_at) == 3 * 3600


def test_a_suspension_keeps_the_working_time_that_was_left():
    clock = model.start_clock(CAL, cn(2026, 11, 23, 9, 0), Limit(4, Unit.WORKING_HOURS), 0.5)
    paused = model.pause(clock, cn(2026, 11, 23, 10, 0))  # 1 h used, 3 h left
    assert model.cards_due(paused, cn(2026, 11, 30), yellow_issued=False, red_issued=False) == []
    assert model.next_check(paused, yellow_issued=False, red_issued=False) is None
    resumed = model.resume(CAL, paused, cn(2026, 11, 25, 9, 0))
    assert resumed.due_at == cn(2026, 11, 25, 12, 0)
    assert resumed.yellow_at == cn(2026, 11, 25, 10, 0)  # 2 h of the 4 mark yellow; 1 h was used
    assert not resumed.paused


def test_a_suspension_of_a_calendar_limit_shifts_it_by_the_elapsed_pause():
    clock = model.start_clock(CAL, cn(2026, 11, 23, 9, 0), Limit(24, Unit.HOURS), 0.5)
    resumed = model.resume(CAL, model.pause(clock, cn(2026, 11, 23, 10, 0)), cn(2026, 11, 23, 15, 0))
    assert resumed.due_at == clock.due_at + timedelta(hours=5)


def test_an_extension_adds_working_days_after_the_current_due_date():
    clock = model.start_clock(CAL, cn(2026, 9, 30, 10, 0), Limit(2, Unit.WORKING_DAYS), 0.8)
    longer = model.extend(CAL, clock, Limit(1, Unit.WORKING_DAYS), 0.8)
    assert clock.due_at == cn(2026, 10, 9, 17, 30)
    assert longer.due_at == cn(2026, 10, 10, 17, 30)  # Saturday Oct 10 is a working day
    assert longer.yellow_at >= clock.yellow_at


# --- cards ------------------------------------------------------------------------------------------


def test_cards_come_yellow_then_red_and_never_twice():
    clock = model.start_clock(CAL, cn(2026, 11, 23, 9, 0), Limit(4, Unit.WORKING_HOURS), 0.75)
    assert model.cards_due(clock, cn(2026, 11, 23, 11, 59), yellow_issued=False, red_issued=False) == []
    assert model.cards_due(clock, cn(2026, 11, 23, 12, 0), yellow_issued=False, red_issued=False) == [Colour.YELLOW]
    assert model.cards_due(clock, cn(2026, 11, 23, 14, 0), yellow_issued=True, red_issued=False) == []
    assert model.cards_due(clock, cn(2026, 11, 23, 14, 30), yellow_issued=True, red_issued=False) == [Colour.RED]
    assert model.cards_due(clock, cn(2026, 12, 1), yellow_issued=True, red_issued=True) == []
    assert model.next_check(clock, yellow_issued=True, red_issued=True) is None


def test_a_late_sweep_issues_yellow_and_red_together_in_that_order():
    clock = model.start_clock(CAL, cn(2026, 11, 23, 9, 0), Limit(1, Unit.WORKING_HOURS), 0.8)
    assert model.cards_due(clock, cn(2026, 11, 24), yellow_issued=False, red_issued=False) == [
        Colour.YELLOW,
        Colour.RED,
    ]


def test_escalation_climbs_community_street_district_and_stops():
    assert model.escalation_target(Level.GRID) == Level.COMMUNITY
    assert model.escalation_target(Level.COMMUNITY) == Level.STREET
    assert model.escalation_target(Level.STREET) == Level.DISTRICT
    assert model.escalation_target(Level.DISTRICT) is None
    assert model.escalation_target(None) is None  # an event with no level is not escalated


def test_the_supervisor_is_the_level_above_the_handler():
    assert model.supervisor_prefix("330110001002003", Level.GRID) == "330110001002"
    assert model.supervisor_prefix("330110001002", Level.COMMUNITY) == "330110001000"
    assert model.supervisor_prefix("330110001000", Level.STREET) == "330110000000"


# --- report-in -----------------------------------------------------------------------------------------


def test_a_department_that_never_reports_in_is_flagged_once_the_deadline_passes():
    s = Summons(report_in_due_at=cn(2026, 11, 23, 11, 0), result_due_at=cn(2026, 11, 25, 17, 30))
    assert orders.summons_flags(s, cn(2026, 11, 23, 10, 59)) == []
    assert orders.summons_flags(s, cn(2026, 11, 23, 11, 1)) == [SummonsFlag.NO_REPORT_IN]


def test_late_report_in_and_report_in_without_result_are_both_flagged():
    s = Summons(
        report_in_due_at=cn(2026, 11, 23, 11, 0),
        result_due_at=cn(2026, 11, 25, 17, 30),
        reported_in_at=cn(2026, 11, 23, 12, 0),
    )
    assert orders.summons_flags(s, cn(2026, 11, 24)) == [SummonsFlag.LATE_REPORT_IN]
    assert orders.summons_flags(s, cn(2026, 11, 26)) == [SummonsFlag.LATE_REPORT_IN, SummonsFlag.NO_RESULT]


# --- rules and assessment ---------------------------------------------------------------------------------


def test_shipped_rules_load_and_bad_shares_are_refused():
    rules = supcal.rules()
    assert rules.yellow_share[model.DeadlineKind.RESPONSE] == 0.8
    assert rules.report_in == Limit(2, Unit.WORKING_HOURS)
    with pytest.raises(Invalid) as e:
        model.rules_from_dict({"yellow_share": {"response": 1.5}})
    assert e.value.field == "yellow_share.response"


def test_a_department_with_red_cards_and_returns_scores_below_a_clean_one():
    clean = assessment.Tally(
        received=10,
        response_due=10,
        accepted_on_time=10,
        disposal_due=10,
        closed_on_time=10,
        closed=10,
        satisfaction_sum=50,
        satisfaction_n=10,
    )
    sloppy = assessment.Tally(
        received=10,
        response_due=10,
        accepted_on_time=8,
        returned=3,
        disposal_due=10,
        closed_on_time=6,
        closed=10,
        reopened=2,
        red_cards=2,
        yellow_cards=3,
        satisfaction_sum=30,
        satisfaction_n=10,
    )
    assert assessment.score(clean) == 100.0
    assert assessment.score(sloppy) < assessment.score(clean)
    ind = assessment.indicators(sloppy)
    assert ind["return_rate"] == pytest.approx(0.3)
    assert ind["closed_on_time_rate"] == pytest.approx(0.6)
    assert ind["report_in_rate"] is None  # never summoned: no rate, not zero
