"""The navigation: each role sees only the pages of its own work."""

from __future__ import annotations

from dataclasses import dataclass

from gridbrain.core.auth import Role


@dataclass(frozen=True)
class NavItem:
    path: str
    label: str  # an English message id, translated in the template
    roles: frozenset[str]


def N_(message: str) -> str:  # noqa: N802 - gettext's conventional marker name
    """Marks a message id for the catalog; translated where it is shown."""
    return message


_OPERATORS = frozenset({Role.DISTRICT_OPERATOR, Role.STREET_OPERATOR, Role.COMMUNITY_STAFF, Role.ADMIN})

NAV = (
    NavItem("/cockpit", N_("Cockpit"), _OPERATORS),
    NavItem("/desk", N_("Event desk"), _OPERATORS | {Role.DEPARTMENT_HANDLER}),
    NavItem("/supervision", N_("Supervision"), _OPERATORS),
    NavItem("/steward", N_("Steward's desk"), frozenset({Role.DATA_STEWARD, Role.ADMIN})),
    NavItem("/m/", N_("My tasks"), frozenset({Role.GRID_WORKER})),
)


def nav_for(role: str) -> list[NavItem]:
    """The pages a role works in, in menu order."""
    return [item for item in NAV if role in item.roles]


def home_of(role: str) -> str:
    """Where a role lands after logging in."""
    items = nav_for(role)
    return items[0].path if items else "/report"


def may_open(role: str, path: str) -> bool:
    """True when the role's navigation holds the page at `path`."""
    return any(item.path == path for item in nav_for(role))
