"""Assessment (督查考核) rules: the raw counts of a department or area, its indicators and score.
Pure: the counting queries are in `assessment/service.py`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from gridbrain.supervision.model import Colour


@dataclass(frozen=True)
class Tally:
    """Raw counts for one department or area over a period."""

    received: int = 0
    response_due: int = 0  # response clocks that ended or ran out in the period
    accepted_on_time: int = 0
    returned: int = 0
    disposal_due: int = 0
    closed_on_time: int = 0
    yellow_cards: int = 0
    red_cards: int = 0
    summoned: int = 0
    reported_in_on_time: int = 0
    reported_in_late: int = 0
    no_report_in: int = 0
    no_result: int = 0
    satisfaction_sum: float = 0.0
    satisfaction_n: int = 0
    closed: int = 0
    reopened: int = 0


def ratio(num: float, den: float) -> float | None:
    return None if den == 0 else num / den


def indicators(t: Tally) -> dict[str, float | None]:
    """The assessment indicators: rates in [0, 1], satisfaction on the 1-5 scale."""
    return {
        "accepted_on_time_rate": ratio(t.accepted_on_time, t.response_due),
        "return_rate": ratio(t.returned, t.received),  # 退单率
        "closed_on_time_rate": ratio(t.closed_on_time, t.disposal_due),  # 按时办结率
        "report_in_rate": ratio(t.reported_in_on_time, t.summoned),  # 报到率 (on time)
        "satisfaction": ratio(t.satisfaction_sum, t.satisfaction_n),
        "reopen_rate": ratio(t.reopened, t.closed),
    }


DEFAULT_WEIGHTS = {
    "closed_on_time_rate": 30.0,
    "accepted_on_time_rate": 20.0,
    "return_rate": 15.0,  # counts as (1 - rate)
    "report_in_rate": 15.0,
    "satisfaction": 10.0,  # counts as satisfaction / 5
    "reopen_rate": 10.0,  # counts as (1 - rate)
}
_INVERTED = {"return_rate", "reopen_rate"}


def score(t: Tally, weights: Mapping[str, float] | None = None, penalty: Mapping[Colour, float] | None = None) -> float:
    """A 0-100 score: weighted indicators (missing ones drop out, weights renormalised) minus
    card penalties per 100 events received."""
    w = dict(weights or DEFAULT_WEIGHTS)
    pen = {Colour.YELLOW: 1.0, Colour.RED: 3.0, **(penalty or {})}
    ind = indicators(t)
    got, total = 0.0, 0.0
    for name, weight in w.items():
        v = ind.get(name)
        if v is None:
            continue
        if name == "satisfaction":
            v = v / 5
        elif name in _INVERTED:
            v = 1 - v
        got += weight * v
        total += weight
    base = 100 * got / total if total else 100.0
    per100 = 100 / t.received if t.received else 0.0
    cards = (t.yellow_cards * pen[Colour.YELLOW] + t.red_cards * pen[Colour.RED]) * per100 / 10
    return round(max(0.0, base - cards), 2)
