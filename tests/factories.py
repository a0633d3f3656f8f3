"""Test data, built through the same services the application uses."""

from __future__ import annotations

from dataclasses import dataclass, field

from shapely.geometry import box
from sqlalchemy.engine import Engine

from gridbrain.areas import service as areas
from gridbrain.core import auth
from gridbrain.core.codes import child_code
from gridbrain.core.db import UnitOfWork

PROVINCE, CITY, DISTRICT = "330000000000", "330100000000", "330110000000"
# the small district's extent
WEST, EAST, SOUTH, NORTH = 120.00, 120.08, 30.40, 30.44
PASSWORD = "password-123"


@dataclass
class District:
    code: str = DISTRICT
    streets: list[str] = field(default_factory=list)
    communities: list[str] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    tokens: dict[str, str] = field(default_factory=dict)  # username -> bearer token
    boxes: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)  # code -> (w, s, e, n)

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}

    def centre(self, code: str) -> tuple[float, float]:
        w, s, e, n = self.boxes[code]
        return (s + n) / 2, (w + e) / 2


def build_district(engine: Engine) -> District:
    """2 streets (west, east halves) × 2 communities (south, north) × 2 grids (west, east)."""
    d = District()
    rows = [
        {"code": PROVINCE, "name": "浙江省"},
        {"code": CITY, "name": "杭州市"},
        {"code": DISTRICT, "name": "余杭区", "geometry": box(WEST, SOUTH, EAST, NORTH)},
    ]
    d.boxes[DISTRICT] = (WEST, SOUTH, EAST, NORTH)
    mid_x = (WEST + EAST) / 2
    for si, (w, e) in enumerate([(WEST, mid_x), (mid_x, EAST)], start=1):
        street = child_code(DISTRICT, si)
        d.streets.append(street)
        d.boxes[street] = (w, SOUTH, e, NORTH)
        street_name = ["仓前街道", "五常街道"][si - 1]
        rows.append({"code": street, "name": street_name, "geometry": box(w, SOUTH, e, NORTH)})
        mid_y = (SOUTH + NORTH) / 2
        for ci, (s, n) in enumerate([(SOUTH, mid_y), (mid_y, NORTH)], start=1):
            community = child_code(street, ci)
            d.communities.append(community)
            d.boxes[community] = (w, s, e, n)
            rows.append(
                {"code": community, "name": f"{street_name[:2]}{'南北'[ci - 1]}社区", "geometry": box(w, s, e, n)}
            )
            gx = (w + e) / 2
            for gi, (gw, ge) in enumerate([(w, gx), (gx, e)], start=1):
                grid = child_code(community, gi)
                d.grids.append(grid)
                d.boxes[grid] = (gw, s, ge, n)
                rows.append({"code": grid, "name": f"第{gi}网格", "geometry": box(gw, s, ge, n)})
    with UnitOfWork(engine) as uow:
        areas.sync_department_types(uow)
        areas.add_areas(uow, rows)
        for r in rows[2:]:
            areas.create_departments_for(uow, r["code"], r["name"])
        users = [
            ("admin", auth.Role.ADMIN, None),
            ("district_op", auth.Role.DISTRICT_OPERATOR, DISTRICT),
            ("street1_op", auth.Role.STREET_OPERATOR, d.streets[0]),
            ("street2_op", auth.Role.STREET_OPERATOR, d.streets[1]),
            ("community1_staff", auth.Role.COMMUNITY_STAFF, d.communities[0]),
            ("grid1_worker", auth.Role.GRID_WORKER, d.grids[0]),
            ("steward", auth.Role.DATA_STEWARD, DISTRICT),
        ]
        for name, role, area in users:
            auth.create_user(uow, name, role=role, password=PASSWORD, area_code=area)
            d.tokens[name] = auth.issue_token(uow, name)
        uow.commit()
    return d
