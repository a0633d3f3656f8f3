"""A living demo district: new problems keep arriving and open events move along their lifecycle.

Runs inside `gridbrain serve` when GRIDBRAIN_DEMO_LIVE is set (`make demo` sets it). Everything
goes through the same intake and lifecycle services as real reports, under a system actor.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.addresses.tables import addresses
from gridbrain.catalog.loader import load_labelled_texts
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError
from gridbrain.events import service as events
from gridbrain.events.tables import events as events_table

log = logging.getLogger(__name__)

# the next step of an open event on the happy path
NEXT = {"dispatched": "accept", "accepted": "start", "in_progress": "handle", "handled": "verify", "verified": "close"}
CHANNELS = ("hotline_12345", "hotline_12345", "app", "patrol", "patrol", "video_ai", "iot")
ACTOR = Actor.system("demo-live")


class Simulator:
    def __init__(self, engine: Engine, seed: int | None = None) -> None:
        self.engine = engine
        self.rng = random.Random(seed)
        self.texts = [t for t, _, _ in load_labelled_texts()]
        self._places: list[Any] = []

    def places(self, uow: UnitOfWork) -> list[Any]:
        if not self._places:
            self._places = list(
                uow.execute(
                    sa.select(addresses.c.lat, addresses.c.lng, addresses.c.full_text)
                    .where(addresses.c.level.in_(("door", "building")))
                    .order_by(addresses.c.code)
                    .limit(2000)
                )
            )
        return self._places

    def report_one(self) -> str | None:
        """A new problem from a random channel at a random door or building; returns its event id."""
        with UnitOfWork(self.engine) as uow:
            places = self.places(uow)
            if not places or not self.texts:
                return None
            place = self.rng.choice(places)
            channel = self.rng.choice(CHANNELS)
            person = channel in ("hotline_12345", "app")
            intake = events.report(
                uow,
                ACTOR,
                events.Report(
                    channel=channel,
                    text=self.rng.choice(self.texts),
                    external_id=f"live-{self.rng.getrandbits(48):x}",
                    lat=place.lat + self.rng.uniform(-0.0002, 0.0002),
                    lng=place.lng + self.rng.uniform(-0.0002, 0.0002),
                    reporter_name=self.rng.choice("王李张刘陈杨") + ("先生" if self.rng.random() < 0.5 else "女士")
                    if person
                    else None,
                    reporter_phone=f"13{self.rng.randrange(10**9):09d}" if person else None,
                ),
            )
            uow.commit()
            return str(intake.event["id"])

    def advance_one(self) -> tuple[str, str] | None:
        """Move one open event one step along the happy path; returns (event id, action)."""
        with UnitOfWork(self.engine) as uow:
            rows = uow.execute(
                sa.select(events_table.c.id, events_table.c.status)
                .where(events_table.c.status.in_(tuple(NEXT)))
                .order_by(events_table.c.reported_at.desc())
                .limit(50)
            ).all()
            if not rows:
                return None
            row = self.rng.choice(rows)
            action = NEXT[row.status]
            try:
                events.act(uow, ACTOR, row.id, action, note="演示：自动推进")
            except DomainError as e:  # the event moved meanwhile, or needs a person: skip it
                log.info("demo simulator could not %s %s: %s", action, row.id, e)
                return None
            uow.commit()
            return row.id, action

    def tick(self) -> None:
        self.report_one()
        for _ in range(2):
            self.advance_one()


def start(engine: Engine, interval_s: float) -> threading.Event:
    """Run the simulator every `interval_s` seconds in a daemon thread; set the event to stop it."""
    stop = threading.Event()
    sim = Simulator(engine)

    def loop() -> None:
        while not stop.wait(interval_s):
            try:
                sim.tick()
            except Exception:
                log.exception("demo simulator tick failed")

    threading.Thread(target=loop, name="demo-live", daemon=True).start()
    return stop
