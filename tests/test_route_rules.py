"""Every API route has an access rule, checked from the route table (issue 14 item 3, issue 23 item 7).

A route either declares its roles (`require_role`, read back from the dependency) or is listed
below with the reason it is open to every staff role; a new route that does neither fails here.
Declared roles are proven by a refused call from a role outside them. Every route with an area
filter (`area`, `grid`) is proven to answer 404 for another street's area and not for the caller's
own, the same answer as for another street's object.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from gridbrain.app import create_app
from gridbrain.config import Settings
from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork

# Routes open to every signed-in staff role: what each role sees is cut to its own area in the
# data layer, and what it may do is decided by the domain (the event's moves, a summons' own
# department...), tested where that rule lives. The client-system role is held to its own routes
# (`CLIENT_ROUTES`) whatever this list says.
OPEN_TO_STAFF: dict[str, str] = {
    "/api/v1/tokens": "a user's own tokens",
    "/api/v1/tokens/{token_id}": "a user's own tokens (an admin's for others: tests/core/test_access.py)",
    "/api/v1/areas": "the area tree, cut to the user's area",
    "/api/v1/areas/{code}": "one area, 404 outside the user's area",
    "/api/v1/grids/locate": "point to grid, for reporting",
    "/api/v1/grids.geojson": "the user's grids on the map",
    "/api/v1/departments": "the departments of the user's area, to pick a handler",
    "/api/v1/addresses/match": "address matching, for reporting",
    "/api/v1/addresses/match/batch": "address matching, for imports",
    "/api/v1/addresses": "address search in the user's area",
    "/api/v1/addresses/reverse": "point to address, for reporting",
    "/api/v1/addresses/{code}": "one address, 404 outside the user's area",
    "/api/v1/people": "people of the user's area, masked unless the role needs them",
    "/api/v1/people/{id_number}": "one person, 404 outside the area, masked",
    "/api/v1/people/lookup": "one person by an ID number in the body (not the URL), as above",
    "/api/v1/enterprises/{uscc}": "one enterprise, 404 outside the area",
    "/api/v1/houses/{address_code}": "one house, 404 outside the area",
    "/api/v1/relations/{kind}/{key}": "a record's links, inside the area",
    "/api/v1/verification/tasks": "verification tasks of the user's grids",
    "/api/v1/verification/coverage": "coverage of the user's grids",
    "/api/v1/reports/templates": "the report templates",
    "/api/v1/reports/templates/{code}/filled": "a report of the user's area",
    "/api/v1/reports/queries/{query}": "a named query over the user's area",
    "/api/v1/layers": "the map layers",
    "/api/v1/layers/{layer}.geojson": "a layer's places in the user's area",
    "/api/v1/catalog": "the matter catalog in force",
    "/api/v1/catalog/matters/{code}": "one matter",
    "/api/v1/catalog/versions": "the catalog's versions",
    "/api/v1/catalog/decide": "定性定责 of a picked matter",
    "/api/v1/classify": "classify a text",
    "/api/v1/events": "report (POST) and list (GET) events of the user's area",
    "/api/v1/events/{event_id}": "one event, 404 outside the area",
    "/api/v1/events/{event_id}/actions/{action}": "the event decides who may make each move",
    "/api/v1/events/{event_id}/photos": "an event's photos, as the event",
    "/api/v1/events/{event_id}/photos/{photo_id}": "one photo, as the event",
    "/api/v1/follows": "a resident's channel follows an event or a place",
    "/api/v1/event-delegations": "the district approves (decided in events/dispatch.py)",
    "/api/v1/event-returns": "returns in the user's area",
    "/api/v1/return-visits": "return visits in the user's area",
    "/api/v1/supervision/cards": "cards in the user's area",
    "/api/v1/supervision/cards/counts": "card counts in the user's area",
    "/api/v1/events/{event_id}/pauses": "a handler asks for an extension; who decides is in pauses/",
    "/api/v1/supervision/pauses": "pauses in the user's area",
    "/api/v1/supervision/pauses/{pause_id}/approve": "operators only (pauses/service.py)",
    "/api/v1/supervision/pauses/{pause_id}/reject": "operators only (pauses/service.py)",
    "/api/v1/supervision/pauses/{pause_id}/end": "the handler or an operator",
    "/api/v1/events/{event_id}/supervision-orders": "operators only (orders/service.py)",
    "/api/v1/supervision/orders": "orders in the user's area",
    "/api/v1/supervision/orders/{order_id}": "one order, 404 outside the area",
    "/api/v1/supervision/orders/{order_id}/reply": "only the addressed department (orders/service.py)",
    "/api/v1/supervision/orders/{order_id}/close": "operators only (orders/service.py)",
    "/api/v1/events/{event_id}/whistles": "a grid, community or street blows the whistle (whistles.py)",
    "/api/v1/supervision/whistles": "whistles in the user's area",
    "/api/v1/supervision/whistles/{whistle_id}": "one whistle, 404 outside the area",
    "/api/v1/supervision/summons/{summons_id}/report-in": "only the summoned department (whistles.py)",
    "/api/v1/supervision/summons/{summons_id}/arrive": "only the summoned department",
    "/api/v1/supervision/summons/{summons_id}/result": "only the summoned department",
    "/api/v1/supervision/assessment": "the assessment of the user's area",
    "/api/v1/supervision/assessment.xlsx": "the assessment of the user's area",
    "/api/v1/events/{event_id}/case": "operators only (cases.py)",
    "/api/v1/supervision/cases": "the case library",
    "/api/v1/supervision/cases/similar": "the case library",
    "/api/v1/devices": "devices of the user's area",
    "/api/v1/perception/map": "devices of the user's area on the map",
    "/api/v1/devices/{device_id}/readings": "one device, 404 outside the area",
    "/api/v1/alarms": "alarms of the user's area",
    "/api/v1/alarms/{alarm_id}/acknowledge": "an alarm of the user's area",
    "/api/v1/alarms/{alarm_id}/clear": "an alarm of the user's area",
    "/api/v1/perception/kinds": "the device kinds",
}

# what a client system (12345 platform, mini-program back end) may call: the routes marked
# `for_clients` (core/web.py); it submits and follows reports and nothing else
CLIENT_ROUTES = {
    ("POST", "/api/v1/events"),
    ("GET", "/api/v1/events/{event_id}"),
    ("POST", "/api/v1/events/{event_id}/photos"),
    ("POST", "/api/v1/follows"),
    ("POST", "/api/v1/classify"),
    ("POST", "/api/v1/addresses/match"),
    ("GET", "/api/v1/grids/locate"),
    ("GET", "/api/v1/addresses/reverse"),
    ("GET", "/api/v1/catalog"),
    ("GET", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{token_id}"),
    ("POST", "/api/v1/readings"),
    ("POST", "/api/v1/detections"),
}

AREA_PARAMS = ("area", "grid")
# the roles a refused call is tried with, the least privileged first
TRY_ORDER = (
    auth.Role.OPEN311_CLIENT, auth.Role.GRID_WORKER, auth.Role.DEPARTMENT_HANDLER, auth.Role.COMMUNITY_STAFF,
    auth.Role.STREET_OPERATOR, auth.Role.DISTRICT_OPERATOR, auth.Role.DATA_STEWARD,
)  # fmt: skip
USER_OF_ROLE = {
    auth.Role.GRID_WORKER: "grid1_worker",
    auth.Role.COMMUNITY_STAFF: "community1_staff",
    auth.Role.STREET_OPERATOR: "street1_op",
    auth.Role.DISTRICT_OPERATOR: "district_op",
    auth.Role.DATA_STEWARD: "steward",
    auth.Role.DEPARTMENT_HANDLER: "handler",
    auth.Role.OPEN311_CLIENT: "client",
}


def _roles_of(dependant: Any) -> frozenset[str] | None:
    roles = getattr(dependant.call, "roles", None)
    if roles is not None:
        return frozenset(roles)
    for sub in dependant.dependencies:
        found = _roles_of(sub)
        if found is not None:
            return found
    return None


def _routes() -> list[tuple[str, str, frozenset[str] | None, tuple[str, ...], tuple[str, ...]]]:
    app = create_app(Settings(database_url="sqlite://"), workers=False)
    out = []
    for rc in iter_route_contexts(app.routes):
        route = rc.original_route
        if not isinstance(route, APIRoute) or not rc.path.startswith("/api/"):
            continue
        query = tuple(p.name for p in route.dependant.query_params)
        required = tuple(p.name for p in route.dependant.query_params if p.field_info.is_required())
        for method in sorted(route.methods or ()):
            out.append((method, rc.path, _roles_of(route.dependant), query, required))
    return sorted(out, key=lambda r: (r[1], r[0]))


ROUTES = _routes()
DECLARED = [(m, p, r) for m, p, r, _, _ in ROUTES if r is not None]
AREA_FILTERED = [(m, p, q, req) for m, p, _, q, req in ROUTES if m == "GET" and any(a in q for a in AREA_PARAMS)]


def _url(path: str) -> str:
    return re.sub(r"\{[^}/]+\}", "x1", path)


@pytest.fixture
def users(engine, district):
    with UnitOfWork(engine) as uow:
        for name, role, area in [("handler", auth.Role.DEPARTMENT_HANDLER, district.streets[0]),
                                 ("client", auth.Role.OPEN311_CLIENT, district.code)]:  # fmt: skip
            auth.create_user(uow, name, role=role, password="password-123", area_code=area)
            district.tokens[name] = auth.issue_token(uow, name)
        uow.commit()
    return district


def test_every_api_route_declares_its_roles_or_says_why_it_is_open_to_all_staff():
    undeclared = sorted({p for _, p, r, _, _ in ROUTES if r is None} - set(OPEN_TO_STAFF))
    assert not undeclared, f"routes without an access rule (require_role, or OPEN_TO_STAFF with a reason): {undeclared}"
    stale = sorted(set(OPEN_TO_STAFF) - {p for _, p, _, _, _ in ROUTES})
    assert not stale, f"OPEN_TO_STAFF names routes that no longer exist: {stale}"


def test_the_route_table_has_routes_of_both_kinds():
    assert len(DECLARED) >= 20 and len(AREA_FILTERED) >= 8


def test_a_role_outside_a_route_s_declared_roles_is_refused(client, users):
    refused = []
    for method, path, roles in DECLARED:
        role = next((r for r in TRY_ORDER[1:] if r not in roles), None)  # the client: its own test
        if role is None:  # open to every role by declaration
            continue
        r = client.request(method, _url(path), json={}, headers=users.headers(USER_OF_ROLE[role]))
        if r.status_code != 403:
            refused.append(f"{method} {path} as {role}: {r.status_code}")
        else:
            assert "needs one of: " in r.json()["error"]["message"], r.text
    assert not refused, refused


def test_a_client_system_is_held_to_its_own_routes(client, users):
    let_through = []
    for method, path, _, _, _ in ROUTES:
        r = client.request(method, _url(path), json={}, headers=users.headers("client"))
        if (method, path) in CLIENT_ROUTES:
            assert r.status_code != 403 or r.json()["error"].get("rule") != "client_routes", f"{method} {path}"
        elif r.status_code != 403:
            let_through.append(f"{method} {path}: {r.status_code}")
    assert not let_through, let_through


@pytest.mark.parametrize(("method", "path", "query", "required"), AREA_FILTERED, ids=[r[1] for r in AREA_FILTERED])
def test_another_street_s_area_is_not_found_and_the_caller_s_own_is(client, users, method, path, query, required):
    param = next(a for a in AREA_PARAMS if a in query)
    own = users.grids[0] if param == "grid" else users.streets[0]
    other = users.grids[-1] if param == "grid" else users.streets[1]
    url = _url(path).replace("/x1", "/" + _sample_path_value(path))
    extra = {k: v for k, v in _SAMPLE_QUERY.items() if k in required and k != param}
    h = users.headers("street1_op")
    mine = client.request(method, url, params={**extra, param: own}, headers=h)
    theirs = client.request(method, url, params={**extra, param: other}, headers=h)
    # the caller's own area passes the area check (a sample object may still be missing: 404 naming it)
    assert mine.status_code != 404 or not _names_the_area(mine), f"{path} refused the caller's own {param}"
    assert theirs.status_code == 404, f"{path} answered {theirs.status_code} for another street's {param}"
    assert theirs.json()["error"]["code"] == "not_found" and _names_the_area(theirs), theirs.text


def _names_the_area(r: Any) -> bool:
    return r.json()["error"]["message"] in ("area not found", "grid not found")


# values for a route's path and required parameters that exist in the small district
_SAMPLE_PATH = {"/api/v1/layers/{layer}.geojson": "rental_house", "/api/v1/reports/queries/{query}": "people_count"}
_SAMPLE_QUERY = {"tag": "独居老人", "kind": "person"}


def _sample_path_value(path: str) -> str:
    return _SAMPLE_PATH.get(path, "x1")
