"""Supervision rules (督办). Pure: no storage, no web, no files.

- The working calendar: which days are working days (official holidays and adjusted working days
  调休 come from an injected `is_workday` function) and the working periods of a day.
- Deadline arithmetic in four units (working_hours, working_days, hours, days), pausing
  (挂起) and extension (延期).
- Yellow and red cards (红黄牌): when each is due, never twice.
- Escalation (the level above, from `gridbrain.core.levels.Level`) and the supervisor's area.

The lifecycles of supervision orders and summons are in `supervision/orders/model.py`, of
extension and suspension requests in `supervision/pauses/model.py`; the assessment's indicators
and score in `supervision/assessment/model.py`.

Working-day convention (the issue is silent; this follows the civil rule that the day a period
starts is not counted, 期间开始的当日不计入): a limit of N working days ends at the close of the
N-th working day *after* the start day. Working hours count only time inside the working
periods of working days.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from gridbrain.core.clock import CHINA
from gridbrain.core.errors import Invalid
from gridbrain.core.levels import Level


class Unit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    DAYS = "days"

    @property
    def working(self) -> bool:
        return self in (Unit.WORKING_HOURS, Unit.WORKING_DAYS)


class DeadlineKind(StrEnum):
    RESPONSE = "response"  # 响应时限: the department accepts the event
    DISPOSAL = "disposal"  # 处置时限: the department reports it handled


class Colour(StrEnum):
    YELLOW = "yellow"
    RED = "red"


# --- the working calendar ----------------------------------------------------------------------


@dataclass(frozen=True)
class WorkingCalendar:
    """Working days (from `is_workday`) and the working periods of each, in China time."""

    is_workday: Callable[[date], bool]
    periods: tuple[tuple[time, time], ...] = ((time(8, 30), time(12, 0)), (time(13, 30), time(17, 30)))
    tz: ZoneInfo = CHINA

    def __post_init__(self) -> None:
        if not self.periods:
            raise Invalid("working_day.periods", "required", "a working day needs at least one period")
        last = time(0, 0)
        for i, (start, end) in enumerate(self.periods):
            if not start < end or (i and start < last):
                raise Invalid(f"working_day.periods[{i}]", "ordered", "periods must be increasing and not overlap")
            last = end

    @property
    def day_seconds(self) -> float:
        return sum(_secs(e) - _secs(s) for s, e in self.periods)

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("deadline arithmetic needs timezone-aware times")
        return at.astimezone(self.tz)

    def _spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if not self.is_workday(day):
            return []
        return [(datetime.combine(day, s, self.tz), datetime.combine(day, e, self.tz)) for s, e in self.periods]

    def close_of(self, day: date) -> datetime:
        """The end of the last working period of `day`."""
        return datetime.combine(day, self.periods[-1][1], self.tz)

    def next_workday(self, day: date) -> date:
        """The first working day strictly after `day`."""
        d = day + timedelta(days=1)
        for _ in range(3660):  # ten years: a calendar without working days is a data error
            if self.is_workday(d):
                return d
            d += timedelta(days=1)
        raise ValueError("no working day within ten years")

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant when `seconds` of working time have passed since `start`."""
        t = self._local(start)
        remaining = max(0.0, seconds)
        day = t.date()
        while True:
            for s, e in self._spans(day):
                begin = max(s, t)
                if begin >= e:
                    continue
                available = (e - begin).total_seconds()
                if remaining <= available:
                    # zero remaining outside working time lands at the next opening, not here
                    return begin + timedelta(seconds=remaining)
                remaining -= available
            day = self.next_workday(day)
            t = datetime.combine(day, time(0, 0), self.tz)

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working time between two instants (0 when b is not after a)."""
        a, b = self._local(a), self._local(b)
        if b <= a:
            return 0.0
        total = 0.0
        day = a.date()
        while day <= b.date():
            for s, e in self._spans(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def add_working_days(self, start: datetime, days: float) -> datetime:
        """N working days: the close of the N-th working day after the start day (start day not counted).

        A fraction adds that share of a working day's hours; below one day it is counted from `start`.
        """
        whole = math.floor(days + 1e-9)
        frac = max(0.0, days - whole)
        if whole == 0:
            return self.add_working_seconds(start, frac * self.day_seconds)
        day = self._local(start).date()
        for _ in range(whole):
            day = self.next_workday(day)
        due = self.close_of(day)
        return self.add_working_seconds(due, frac * self.day_seconds) if frac > 1e-9 else due


def _secs(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second


def parse_periods(raw: Iterable[Any], where: str = "working_day") -> tuple[tuple[time, time], ...]:
    """Periods from data: ["08:30-12:00", "13:30-17:30"]."""
    out = []
    for i, p in enumerate(raw):
        try:
            a, b = str(p).split("-")
            out.append((time.fromisoformat(a.strip()), time.fromisoformat(b.strip())))
        except ValueError:
            raise Invalid(f"{where}[{i}]", "period", f"{where}[{i}] must read HH:MM-HH:MM, got {p!r}") from None
    return tuple(out)


# --- deadlines ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    """A time limit as the catalog states it: value and unit."""

    value: float
    unit: Unit

    @classmethod
    def of(cls, value: Any, unit: Any, where: str = "limit") -> Limit:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0 or not math.isfinite(value):
            raise Invalid(f"{where}.value", "positive", f"{where}.value must be a positive number")
        try:
            u = Unit(str(unit))
        except ValueError:
            raise Invalid(f"{where}.unit", "unit", f"{where}.unit must be one of {', '.join(Unit)}") from None
        return cls(float(value), u)


def add_limit(cal: WorkingCalendar, start: datetime, limit: Limit) -> datetime:
    """When a limit that starts at `start` runs out."""
    match limit.unit:
        case Unit.WORKING_HOURS:
            return cal.add_working_seconds(start, limit.value * 3600)
        case Unit.WORKING_DAYS:
            return cal.add_working_days(start, limit.value)
        case Unit.HOURS:
            return start + timedelta(hours=limit.value)
        case Unit.DAYS:
            return start + timedelta(days=limit.value)
    raise AssertionError(limit.unit)  # pragma: no cover - Unit is closed


def elapsed(cal: WorkingCalendar, unit: Unit, a: datetime, b: datetime) -> float:
    """Seconds of the limit's own kind of time between a and b (working time for working units)."""
    if unit.working:
        return cal.working_seconds_between(a, b)
    return max(0.0, (b - a).total_seconds())


def advance(cal: WorkingCalendar, unit: Unit, start: datetime, seconds: float) -> datetime:
    if unit.working:
        return cal.add_working_seconds(start, seconds)
    return start + timedelta(seconds=seconds)


@dataclass(frozen=True)
class Clock:
    """One deadline's clock: when it started, turns yellow and runs out; paused or not."""

    unit: Unit
    started_at: datetime
    yellow_at: datetime
    due_at: datetime
    paused_at: datetime | None = None

    @property
    def paused(self) -> bool:
        return self.paused_at is not None


def start_clock(cal: WorkingCalendar, start: datetime, limit: Limit, yellow_share: float) -> Clock:
    """A running clock for `limit` from `start`; yellow when `yellow_share` of its time has passed."""
    if not 0 < yellow_share < 1:
        raise Invalid("yellow_share", "between_0_and_1")
    due = add_limit(cal, start, limit)
    total = elapsed(cal, limit.unit, start, due)
    yellow = advance(cal, limit.unit, start, total * yellow_share)
    return Clock(limit.unit, start, min(yellow, due), due)


def pause(c: Clock, at: datetime) -> Clock:
    """Suspension (挂起) stops the clock."""
    return c if c.paused else replace(c, paused_at=at)


def resume(cal: WorkingCalendar, c: Clock, at: datetime) -> Clock:
    """The clock runs again: what was left at the pause is left now (in the limit's kind of time)."""
    if c.paused_at is None:
        return c
    p = c.paused_at
    left_due = elapsed(cal, c.unit, p, c.due_at)
    left_yellow = elapsed(cal, c.unit, p, c.yellow_at)
    return replace(
        c,
        yellow_at=advance(cal, c.unit, at, left_yellow) if c.yellow_at > p else c.yellow_at,
        due_at=advance(cal, c.unit, at, left_due) if c.due_at > p else c.due_at,
        paused_at=None,
    )


def extend(cal: WorkingCalendar, c: Clock, extra: Limit, yellow_share: float) -> Clock:
    """Extension (延期): the limit grows by `extra` from the current due time; yellow moves with it."""
    due = add_limit(cal, c.due_at, extra)
    total = elapsed(cal, c.unit, c.started_at, due)
    yellow = advance(cal, c.unit, c.started_at, total * yellow_share)
    return replace(c, due_at=due, yellow_at=max(c.yellow_at, min(yellow, due)))


# --- cards -------------------------------------------------------------------------------------


def cards_due(c: Clock, now: datetime, *, yellow_issued: bool, red_issued: bool) -> list[Colour]:
    """The cards to issue now, yellow before red; a paused clock issues nothing.

    When a sweep comes late and both thresholds have passed, both cards are due at once, so an
    event never has a red card without the yellow one before it."""
    if c.paused:
        return []
    out = []
    if not yellow_issued and now >= c.yellow_at:
        out.append(Colour.YELLOW)
    if not red_issued and now >= c.due_at:
        out.append(Colour.RED)
    return out


def next_check(c: Clock, *, yellow_issued: bool, red_issued: bool) -> datetime | None:
    """When the sweeper must look at this clock again (None: never, unless it changes)."""
    if c.paused or red_issued:
        return None
    return c.due_at if yellow_issued else c.yellow_at


# --- escalation --------------------------------------------------------------------------------


def supervisor_prefix(area_code: str, level: Level | None) -> str:
    """The area whose staff supervise an event handled at `level` in `area_code`: the level above
    (a grid worker's community, a community's street, a street's district; the district itself)."""
    digits = area_code[:12]
    match level:
        case Level.GRID:
            return digits
        case Level.COMMUNITY:
            return digits[:9].ljust(12, "0")
        case _:
            return digits[:6].ljust(12, "0")


def escalation_target(level: Level | None) -> Level | None:
    """Where a red card sends an event: the level above its handler's (none above the district)."""
    return level.above() if level is not None else None


# --- configuration as data ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """Supervision settings shipped as data (supervision/data/rules.yaml), overridable per district."""

    periods: tuple[tuple[time, time], ...]
    yellow_share: Mapping[DeadlineKind, float]
    escalate_on_red: bool = True
    report_in: Limit = Limit(2, Unit.WORKING_HOURS)
    result: Limit = Limit(2, Unit.WORKING_DAYS)
    score_weights: Mapping[str, float] = field(default_factory=dict)
    card_penalty: Mapping[Colour, float] = field(default_factory=dict)


def rules_from_dict(raw: Mapping[str, Any]) -> Rules:
    if not isinstance(raw, Mapping):
        raise Invalid("rules", "mapping")
    shares = {}
    for kind in DeadlineKind:
        v = (raw.get("yellow_share") or {}).get(kind.value, 0.8)
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 < v < 1:
            raise Invalid(f"yellow_share.{kind.value}", "between_0_and_1")
        shares[kind] = float(v)
    wh = raw.get("whistle") or {}
    rep = wh.get("report_in") or {"value": 2, "unit": "working_hours"}
    res = wh.get("result") or {"value": 2, "unit": "working_days"}
    return Rules(
        periods=parse_periods(raw.get("working_day") or ["08:30-12:00", "13:30-17:30"]),
        yellow_share=shares,
        escalate_on_red=bool(raw.get("escalate_on_red", True)),
        report_in=Limit.of(rep.get("value"), rep.get("unit"), "whistle.report_in"),
        result=Limit.of(res.get("value"), res.get("unit"), "whistle.result"),
        score_weights={str(k): float(v) for k, v in (raw.get("score_weights") or {}).items()},
        card_penalty={Colour(k): float(v) for k, v in (raw.get("card_penalty") or {}).items()},
    )
