"""The event hub's use cases under one name, for other capabilities and the CLI: intake
(`intake.py`), the lifecycle (`actions.py`) and the reads (`queries.py`). Nothing lives here;
import from the module that holds a name when inside the hub.

Services take a `UnitOfWork` and an `Actor` and never commit: the caller (API route, CLI,
worker, another capability's service) commits.
"""

from __future__ import annotations

from gridbrain.events.actions import Route, act, assign, escalate, follow, rate, schedule_return_visits
from gridbrain.events.intake import CHANNELS, Intake, Report, check_report, report, report_many
from gridbrain.events.matters import catalog, use_catalog
from gridbrain.events.queries import (
    Detail,
    Filter,
    Page,
    detail,
    get,
    get_event,
    get_event_row,
    get_many,
    list_events,
    list_visits,
    register_detail_extension,
    remove_detail_extension,
    reporter_view,
    returns_by_matter,
    training_samples,
)

__all__ = [
    "CHANNELS",
    "Detail",
    "Filter",
    "Intake",
    "Page",
    "Report",
    "Route",
    "act",
    "assign",
    "catalog",
    "check_report",
    "detail",
    "escalate",
    "follow",
    "get",
    "get_event",
    "get_event_row",
    "get_many",
    "list_events",
    "list_visits",
    "rate",
    "register_detail_extension",
    "remove_detail_extension",
    "report",
    "report_many",
    "reporter_view",
    "returns_by_matter",
    "schedule_return_visits",
    "training_samples",
    "use_catalog",
]
