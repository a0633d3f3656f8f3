"""The synthetic demo district (`gridbrain demo-data --scale S --seed N`).

Shaped on the seed figures: at scale 1.0, 1,476 grids in 18 streets and 200 communities,
~1.77 M standard addresses, 3.28 M people, 260 k enterprises, 71 k devices and 1.32 M events
over 5 years. The geography is always full size; the scale multiplies everything that lives
on it. Every table is streamed in batches (COPY on PostgreSQL), and the same (seed, until)
always gives the same district.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime

import numpy as np
from sqlalchemy.engine import Engine

from gridbrain.areas import locator
from gridbrain.areas import service as areas_service
from gridbrain.core import auth, codes
from gridbrain.core.db import UnitOfWork
from gridbrain.demo import geography, names
from gridbrain.demo.addresses import AddressesMixin
from gridbrain.demo.common import DEMO_PASSWORD, Counts, Progress, _Places
from gridbrain.demo.history import HistoryMixin, _day_weight
from gridbrain.demo.places import build_places
from gridbrain.demo.population import PopulationMixin
from gridbrain.demo.sink import Sink

__all__ = ["DEMO_PASSWORD", "Counts", "DemoDistrict", "_day_weight"]


class DemoDistrict(AddressesMixin, PopulationMixin, HistoryMixin):
    def __init__(self, engine: Engine, *, scale: float, seed: int, until: date, progress: Progress | None = None):
        if scale <= 0:
            raise ValueError("scale must be > 0")
        self.engine = engine
        self.scale = scale
        self.seed = seed
        self.until = until
        self.progress = progress or (lambda table, done, total: None)
        self.sink = Sink(engine)
        self.counts = Counts()
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)
        self.geo: geography.Geography | None = None
        self.doors = _Places()
        self.buildings = _Places()
        self.door_road: list[str] = []
        self.door_number: list[str] = []
        # rooms, as compact arrays: building index, unit, floor, number on floor
        self.room_building = np.zeros(0, dtype=np.int32)
        self.room_unit = np.zeros(0, dtype=np.int8)
        self.room_floor = np.zeros(0, dtype=np.int8)
        self.room_no = np.zeros(0, dtype=np.int8)
        self.room_serial0 = 0

    # --- orchestration ------------------------------------------------------------------------

    def build(self) -> Counts:
        self.build_areas()
        self.build_users()
        self.build_addresses()
        self.build_people()
        self.build_enterprises()
        build_places(self)  # houses and places on the 26 map layers (registry lane)
        self.build_devices()
        self.build_events()
        return self.counts

    # --- areas, departments, users ----------------------------------------------------------------

    def build_areas(self) -> None:
        self.geo = geography.build(self.seed)
        with UnitOfWork(self.engine) as uow:
            areas_service.sync_department_types(uow)
            areas_service.add_areas(uow, self.geo.rows)
            for r in self.geo.rows[2:]:
                self.counts.departments += len(areas_service.create_departments_for(uow, r["code"], r["name"]))
            uow.commit()
        locator.invalidate(self.engine)
        self.counts.areas = len(self.geo.rows)
        self.progress("areas", self.counts.areas, self.counts.areas)

    def build_users(self) -> None:
        """The demo accounts, and one grid worker per grid (all sharing the demo password)."""
        assert self.geo is not None
        shared_hash = auth.hash_password(DEMO_PASSWORD)
        street, community, grid = self.geo.streets[0], self.geo.communities[0], self.geo.grids[0]
        named = [
            ("admin", "系统管理员", auth.Role.ADMIN, None, None),
            ("district", "区指挥中心值班员", auth.Role.DISTRICT_OPERATOR, names.DISTRICT[0], None),
            ("street", f"{self.geo.names[street]}指挥中心", auth.Role.STREET_OPERATOR, street, None),
            ("community", f"{self.geo.names[community]}工作人员", auth.Role.COMMUNITY_STAFF, community, None),
            (
                "handler",
                "城管执法处置员",
                auth.Role.DEPARTMENT_HANDLER,
                street,
                f"{codes.area_prefix(street)}:city_management",
            ),
            ("steward", "数据管理员", auth.Role.DATA_STEWARD, names.DISTRICT[0], None),
        ]
        rows = [
            {
                "username": u,
                "display_name": d,
                "role": r,
                "area_code": a,
                "department_code": dep,
                "password_hash": shared_hash,
                "active": True,
                "created_at": datetime.now(UTC),
            }
            for u, d, r, a, dep in named
        ]
        surnames = [s for s, _ in names.SURNAMES]
        for i, g in enumerate(self.geo.grids):
            rows.append(
                {
                    "username": f"gw{g}",
                    "display_name": f"{surnames[i % len(surnames)]}网格员·{self.geo.names[g]}",
                    "role": auth.Role.GRID_WORKER,
                    "area_code": g,
                    "department_code": f"{g}:grid",
                    "password_hash": shared_hash,
                    "active": True,
                    "created_at": datetime.now(UTC),
                }
            )
        from gridbrain.core.tables import users

        with UnitOfWork(self.engine) as uow:
            uow.execute(users.insert(), rows)
            uow.commit()
        self.counts.users = len(rows)
        self.demo_grid_worker = f"gw{grid}"
