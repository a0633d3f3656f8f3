"""The official Chinese working calendar (chinese-calendar) and the supervision rules file.

chinese-calendar knows the State Council's holiday and adjusted-working-day (调休) arrangement
only for the years its data covers (1.11.0: 2004-2026). For a date outside them the calendar
falls back to "Monday to Friday are working days" and logs one warning per year, so deadlines
keep running; update the package when the next year's arrangement is published.
"""

from __future__ import annotations

import logging
import os
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import chinese_calendar
import yaml

from gridbrain.supervision.model import Rules, WorkingCalendar, rules_from_dict

log = logging.getLogger(__name__)

RULES_YAML = Path(str(resources.files("gridbrain.supervision") / "data" / "rules.yaml"))
_warned: set[int] = set()


def official_is_workday(day: date) -> bool:
    """True on official working days, including adjusted working days on weekends (调休上班)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if day.year not in _warned:
            _warned.add(day.year)
            log.warning(
                "chinese-calendar has no holiday data for %s; counting Monday-Friday as working days",
                day.year,
            )
        return day.weekday() < 5


@cache
def _cached_is_workday(day: date) -> bool:
    return official_is_workday(day)


@cache
def rules() -> Rules:
    """The supervision rules: the shipped file, or GRIDBRAIN_SUPERVISION_RULES when set."""
    path = Path(os.environ.get("GRIDBRAIN_SUPERVISION_RULES") or RULES_YAML)
    with open(path, encoding="utf-8") as f:
        return rules_from_dict(yaml.safe_load(f))


@cache
def working_calendar() -> WorkingCalendar:
    return WorkingCalendar(is_workday=_cached_is_workday, periods=rules().periods)
