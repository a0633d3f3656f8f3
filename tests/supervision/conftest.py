"""Fixtures of the supervision tests: a small catalog with known deadlines, the signal wiring,
department handlers, and a helper that reports events through the event hub."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from gridbrain.catalog.loader import department_types
from gridbrain.catalog.model import catalog_from_dict
from gridbrain.core import auth, clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events import service as events
from gridbrain.supervision import wiring
from tests.factories import District

DEPTS = {"community": "community_office", "street": "street_office", "district": "district_command"}
CATALOG = {
    "version": "test-1",
    "matters": [
        {  # 2 working days to handle, 1 working hour to accept; handled by the community
            "code": "T010101",
            "name": "楼道堆物",
            "class_path": ["测试", "公共秩序", "楼道堆物"],
            "natures": ["投诉"],
            "default_level": "community",
            "departments": DEPTS,
            "response": {"value": 1, "unit": "working_hours"},
            "disposal": {"value": 2, "unit": "working_days"},
        },
        {
            "code": "T010102",
            "name": "占道经营",
            "class_path": ["测试", "公共秩序", "占道经营"],
            "natures": ["投诉"],
            "default_level": "community",
            "departments": DEPTS,
            "response": {"value": 4, "unit": "working_hours"},
            "disposal": {"value": 5, "unit": "working_days"},
        },
        {
            "code": "T020101",
            "name": "路灯不亮",
            "class_path": ["测试", "市政设施", "路灯不亮"],
            "natures": ["求决"],
            "default_level": "street",
            "departments": DEPTS,
            "response": {"value": 2, "unit": "hours"},
            "disposal": {"value": 3, "unit": "days"},
        },
    ],
}


@pytest.fixture(autouse=True)
def _supervision_catalog() -> Iterator[None]:
    events.use_catalog(catalog_from_dict(CATALOG, department_types=department_types()))
    yield
    events.use_catalog(None)


@pytest.fixture
def wired(engine: Engine) -> Engine:
    """Event signals drive the clocks (what `wire(app)` does in the server)."""
    wiring.connect(engine)
    wiring.register_extensions()
    return engine


@pytest.fixture
def people(engine: Engine, district: District) -> dict[str, auth.Actor]:
    """The district's users plus handlers of community 1's office and street 1's departments
    (service-level actors: no login, so no password hashing)."""
    c1, s1 = district.communities[0], district.streets[0]
    out = {
        name: auth.Actor(name, auth.Role.DEPARTMENT_HANDLER, area_code=area, department_code=dept)
        for name, area, dept in [
            ("c1_office", c1, f"{c1}:community_office"),
            ("s1_office", s1, f"{s1[:9]}:street_office"),
            ("s1_cm", s1, f"{s1[:9]}:city_management"),
            ("s1_market", s1, f"{s1[:9]}:market_supervision"),
        ]
    }
    with UnitOfWork(engine) as uow:
        for name in ("admin", "district_op", "street1_op", "street2_op", "community1_staff", "grid1_worker"):
            out[name] = auth.find_user(uow, name)
    return out


Reporter = Callable[..., str]


@pytest.fixture
def report(wired: Engine, district: District) -> Reporter:
    """Report an event in grid 1 (community 1, street 1) at `at` through the event hub; its id."""

    def _report(
        at: datetime,
        matter_code: str = "T010101",
        text: str = "楼道里堆满杂物，堵住了消防通道",
        grid: int = 0,
        n: int = 0,
    ) -> str:
        clock.set_now(at)
        w, s, _, _ = district.boxes[district.grids[grid]]
        # events n apart are ~150 m apart, so the hub never links them as duplicates
        lat, lng = s + 0.0015 * (1 + n % 10), w + 0.0015 * (1 + n // 10)
        with UnitOfWork(wired) as uow:
            intake = events.report(
                uow,
                auth.Actor.system("hotline"),
                events.Report(channel="hotline_12345", text=text, lat=lat, lng=lng, matter_code=matter_code),
            )
            uow.commit()
        assert intake.event["status"] == "dispatched", intake.event
        return str(intake.event["id"])

    return _report
