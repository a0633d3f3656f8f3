"""Area scoping and grouping of supervision's rows (and of the event hub's, in `event_reads`).

A row is seen by an actor when it is handled in their area or happens in it, as the event hub
scopes events; assessment and card counts group rows by department, street or community.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from gridbrain.core.auth import Actor
from gridbrain.core.errors import Invalid
from gridbrain.events.queries import visible_in

GROUPS = ("department", "street", "community")


def visible(actor: Actor, table: sa.Table) -> sa.ColumnElement[bool]:
    """Rows the actor sees: handled in their area (`area_code`) or happening in it (`grid_code`),
    as the event hub scopes events."""
    return visible_in(actor, table.c.area_code, table.c.grid_code)  # type: ignore[no-any-return]


def group_key(table: sa.Table, by: str, dept_col: str = "department_code") -> sa.ColumnElement[Any]:
    """The grouping key of a row: its department code, or the street / community it happened in
    (9 or 12 digits of its grid code, its area code when it has no grid)."""
    if by not in GROUPS:
        raise Invalid("by", f"must be one of {', '.join(GROUPS)}")
    if by == "department":
        return sa.func.coalesce(table.c[dept_col], "")
    n = 9 if by == "street" else 12
    return sa.func.substr(sa.func.coalesce(table.c.grid_code, table.c.area_code), 1, n)


def area_key(key: str) -> str:
    """A street or community key as a 12-digit area code."""
    return key.ljust(12, "0") if len(key) < 12 else key
