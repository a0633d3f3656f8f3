"""The demo sensing devices and five years of event history with a realistic rhythm."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import chinese_calendar
import numpy as np

from gridbrain.catalog.loader import shipped_catalog
from gridbrain.catalog.model import Decision, Matter, decide
from gridbrain.core import codes
from gridbrain.core.clock import CHINA
from gridbrain.core.levels import area_at_level
from gridbrain.demo import names
from gridbrain.demo.common import (
    DEVICES,
    DISTRICT6,
    EVENTS,
    HISTORY_YEARS,
    PREFIX,
    DistrictState,
    _Places,
    _ticker,
    _weighted,
)
from gridbrain.events.tables import events
from gridbrain.perception.tables import devices


class HistoryMixin(DistrictState):
    """Mixed into DemoDistrict; uses its rng, sink, counts and places."""

    # --- devices -----------------------------------------------------------------------------------

    def build_devices(self) -> None:
        rng = self.rng
        total = self.n(DEVICES)
        kinds = _weighted(rng, names.DEVICE_KINDS, total, 2)
        indoor = {"smoke", "door_magnet", "infrared", "gas_leak", "electric_fire", "elevator"}
        cols = ["code", "kind", "name", "grid_code", "address_code", "lat", "lng", "status", "installed_on"]
        status = rng.random(total)

        def rows() -> Iterator[tuple[Any, ...]]:
            for i in range(total):
                kind, label, _ = names.DEVICE_KINDS[int(kinds[i])]
                places = self.buildings if kind in indoor and len(self.buildings) else self.doors
                p = int(rng.integers(len(places)))
                jitter = rng.normal(0, 0.00008, 2)
                yield (
                    f"D{DISTRICT6}{i + 1:07d}",
                    kind,
                    f"{label}·{places.texts[p][len(PREFIX) :]}",
                    places.grids[p],
                    places.codes[p],
                    places.lat[p] + jitter[0],
                    places.lng[p] + jitter[1],
                    "online" if status[i] > 0.04 else "offline",
                    self.until - timedelta(days=int(rng.integers(30, 2000))),
                )

        self.counts.devices = self.sink.write(devices, cols, rows(), on_batch=_ticker(self.progress, "devices", total))

    # --- events --------------------------------------------------------------------------------------

    def build_events(self) -> None:
        """Five years of events, day by day, with the seasons, weekdays and holidays of a real district."""
        assert self.geo is not None, "areas first"
        total = self.n(EVENTS)
        catalog = list(shipped_catalog())
        start = self.until - timedelta(days=365 * HISTORY_YEARS)
        days = [start + timedelta(days=d) for d in range((self.until - start).days)]
        weights = np.array([_day_weight(d, start) for d in days])
        per_day = self.rng.multinomial(total, weights / weights.sum())
        # popularity of matters: a seeded Zipf over a shuffled catalog
        pop = 1 / np.arange(1, len(catalog) + 1) ** 0.7
        self.rng.shuffle(pop)
        plan = _History(
            catalog=catalog,
            days=days,
            per_day=per_day.tolist(),
            popularity=pop,
            seasonal=np.array([_is_summer_matter(m.name) for m in catalog]),
            decisions={m.code: decide(m, {}) for m in catalog},
            open_after=self.until - timedelta(days=20),
        )
        self.counts.events = self.sink.write(
            events, _EVENT_COLUMNS, self._event_rows(plan), on_batch=_ticker(self.progress, "events", total)
        )

    def _event_rows(self, plan: _History) -> Iterator[tuple[Any, ...]]:
        serial = 0
        for day, k in zip(plan.days, plan.per_day, strict=True):
            if not k:
                continue
            draws = self._day_draws(plan, day, k)
            for j in range(k):
                serial += 1
                pl = int(draws.places[j])
                place = self.doors if pl < len(self.doors) else self.buildings
                if not len(place):
                    continue
                pi = pl if pl < len(self.doors) else pl - len(self.doors)
                yield self._event_row(plan, day, serial, draws.at(j), (place, pi))

    def _day_draws(self, plan: _History, day: date, k: int) -> _DayDraws:
        rng = self.rng
        summer = day.month in (6, 7, 8, 9)
        p = plan.popularity * np.where(plan.seasonal, 2.5 if summer else 0.6, 1.0)
        return _DayDraws(
            matters=rng.choice(len(plan.catalog), size=k, p=p / p.sum()),
            channels=_weighted(rng, names.CHANNELS, k),
            hours=rng.choice(24, size=k, p=_HOURS_P / _HOURS_P.sum()),
            seconds=rng.integers(0, 3600, k),
            places=rng.integers(0, max(1, len(self.doors) + len(self.buildings)), k),
            durations=rng.lognormal(2.8, 1.1, k),  # hours to close
            ratings=rng.choice(5, size=k, p=_SATISFACTION_P / _SATISFACTION_P.sum()) + 1,
            rated=rng.random(k) < 0.7,
        )

    def _event_row(
        self, plan: _History, day: date, serial: int, drawn: _EventDraw, at: tuple[_Places, int]
    ) -> tuple[Any, ...]:
        assert self.geo is not None
        place, pi = at
        matter = plan.catalog[drawn.matter]
        channel = _CHANNELS[drawn.channel]
        reported = datetime.combine(day, time(drawn.hour), CHINA) + timedelta(seconds=drawn.seconds)
        grid = place.grids[pi]
        dec = plan.decisions[matter.code]
        department = f"{codes.area_prefix(area_at_level(grid, dec.level))}:{dec.department_type}"
        example = matter.examples[serial % len(matter.examples)] if matter.examples else matter.name
        text = _after_community(place.texts[pi], self.geo.names[grid[:12]]) + example
        status, closed = _outcome(serial, reported, drawn.duration_h, open_after=plan.open_after, until=self.until)
        person = channel in ("hotline_12345", "app")
        nature = matter.natures[serial % len(matter.natures)].value if matter.natures else "求决"
        return (
            f"EV{day:%Y%m%d}{serial:07d}",
            channel,
            f"{channel}-{day:%Y%m%d}-{serial}" if channel in ("hotline_12345", "app", "system") else None,
            text,
            matter.code,
            nature,
            status,
            dec.level.value,
            department,
            grid,
            grid,
            place.codes[pi],
            place.texts[pi],
            place.lat[pi],
            place.lng[pi],
            (_SURNAMES[serial % len(_SURNAMES)] + ("先生" if serial % 2 else "女士")) if person else None,
            f"1{3 + serial % 7}{(serial * 7919) % 10**9:09d}" if person else None,
            reported.astimezone(UTC),
            closed.astimezone(UTC) if closed else None,
            drawn.rating if status == "closed" and drawn.rated else None,
            1,
        )


@dataclass(frozen=True)
class _History:
    """What a day's events are drawn from: the catalog, the volume per day, how popular each matter is."""

    catalog: list[Matter]
    days: list[date]
    per_day: list[int]
    popularity: np.ndarray
    seasonal: np.ndarray
    decisions: dict[str, Decision]
    open_after: date


@dataclass(frozen=True)
class _EventDraw:
    matter: int
    channel: int
    hour: int
    seconds: int
    duration_h: float
    rating: int
    rated: bool


@dataclass(frozen=True)
class _DayDraws:
    """One day's random draws, one array per property, k events long."""

    matters: np.ndarray
    channels: np.ndarray
    hours: np.ndarray
    seconds: np.ndarray
    places: np.ndarray
    durations: np.ndarray
    ratings: np.ndarray
    rated: np.ndarray

    def at(self, j: int) -> _EventDraw:
        return _EventDraw(
            int(self.matters[j]),
            int(self.channels[j]),
            int(self.hours[j]),
            int(self.seconds[j]),
            float(self.durations[j]),
            int(self.ratings[j]),
            bool(self.rated[j]),
        )


_CHANNELS = [c for c, _ in names.CHANNELS]
_SURNAMES = [s for s, _ in names.SURNAMES]


_EVENT_COLUMNS = [
    "id", "channel", "external_id", "text", "matter_code", "nature", "status", "level", "department_code",
    "area_code", "grid_code", "address_code", "address_text", "lat", "lng", "reporter_name", "reporter_phone",
    "reported_at", "closed_at", "satisfaction", "reports_count",
]  # fmt: skip
# reports by hour of the day, and satisfaction ratings 1-5 (relative weights)
_HOURS_P = np.array([1, 0.5, 0.3, 0.3, 0.5, 1, 3, 6, 9, 11, 10, 8, 5, 6, 9, 10, 9, 7, 5, 5, 5, 4, 3, 2], dtype=float)
_SATISFACTION_P = np.array([5, 5, 10, 25, 55], dtype=float)


def _outcome(
    serial: int, reported: datetime, hours_to_close: float, *, open_after: date, until: date
) -> tuple[str, datetime | None]:
    """Status and closing time: recent events not closed by `until` are still open; a few were cancelled."""
    closed_at = reported + timedelta(hours=hours_to_close)
    if reported.date() >= open_after and closed_at.date() > until:
        return "in_progress", None
    if serial % 37 == 0:
        return "cancelled", reported + timedelta(hours=1)
    return "closed", closed_at


def _after_community(text: str, community: str) -> str:
    """The part of a standard address a resident would say: from the road on."""
    at = text.find(community)
    return text[at + len(community) :] if at >= 0 else text


_MONTH = {
    1: 0.9,
    2: 0.75,
    3: 0.95,
    4: 1.0,
    5: 1.05,
    6: 1.15,
    7: 1.25,
    8: 1.25,
    9: 1.1,
    10: 0.95,
    11: 0.95,
    12: 0.9,
}
_WEEKDAY = (1.15, 1.05, 1.05, 1.05, 1.0, 0.75, 0.7)


def _day_weight(d: date, start: date) -> float:
    """Relative event volume of a day: growth, season, weekday, public holidays."""
    w = float(1.09 ** ((d - start).days / 365)) * _MONTH[d.month] * _WEEKDAY[d.weekday()]
    try:
        if chinese_calendar.is_holiday(d) and d.weekday() < 5:
            w *= 0.6
    except NotImplementedError:  # beyond the calendar's data: weekday rhythm only
        pass
    return w


def _is_summer_matter(name: str) -> bool:
    return any(k in name for k in ("噪", "积水", "油烟", "蚊", "空调", "排水", "夜宵", "烧烤", "暴雨", "内涝"))
