"""Rules over readings, pure and fast: threshold held for N readings or T minutes, rate of change,
combinations, absence (offline) and inactivity (墅智养 care alarms).

A device's rule state is a small mutable record (`DeviceState`) the caller loads and stores;
`evaluate` runs on each reading, `sweep` on the clock (absence and inactivity need no reading).
Times are epoch seconds here: the engine runs per reading and must stay cheap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from gridbrain.perception.model import Kinds, Rule, rule_of


@dataclass(slots=True)
class DeviceState:
    """What the rules remember of one device between readings."""

    last_seen: float | None = None
    last_active: float | None = None
    values: dict[str, list[float]] = field(default_factory=dict)  # measure -> [value, at]
    rules: dict[str, list[float]] = field(default_factory=dict)  # rule -> [count, since, fired]

    def as_json(self) -> dict[str, Any]:
        return {"v": self.values, "r": self.rules}

    @classmethod
    def of(cls, last_seen: float | None, last_active: float | None, data: Mapping[str, Any] | None) -> DeviceState:
        data = data or {}
        return cls(last_seen, last_active, dict(data.get("v", {})), dict(data.get("r", {})))


@dataclass(frozen=True, slots=True)
class Change:
    """A rule of a device began to hold (`fired`) or stopped holding."""

    device_code: str
    rule: Rule
    fired: bool
    value: float | None
    at: float


# --- configuration: kind defaults, overridden per kind and per device at run time -------------------


@dataclass(frozen=True)
class Override:
    """A change of one rule, for a whole kind (device_code None) or for one device."""

    kind: str
    rule_code: str
    device_code: str | None
    params: Mapping[str, Any]
    enabled: bool = True


class RuleBook:
    """The rules in force: the kinds file's, with the overrides applied (device over kind)."""

    def __init__(self, kinds: Kinds, overrides: Iterable[Override] = ()) -> None:
        self.kinds = kinds
        self._kind: dict[tuple[str, str], Override] = {}
        self._device: dict[str, list[Override]] = {}
        for o in overrides:
            if o.device_code is None:
                self._kind[(o.kind, o.rule_code)] = o
            else:
                self._device.setdefault(o.device_code, []).append(o)
        self._by_kind = {k: self._apply(k, None) for k in kinds.kinds}

    def _apply(self, kind: str, device: str | None) -> tuple[Rule, ...]:
        rules = {r.code: r for r in self.kinds.kinds[kind].rules}
        mine = [o for o in self._device.get(device or "", []) if o.kind == kind]
        for o in [o for (k, _), o in self._kind.items() if k == kind] + mine:
            base = rules.get(o.rule_code)
            raw = {"code": o.rule_code, **(_raw(base) if base else {}), **o.params, "enabled": o.enabled}
            rules[o.rule_code] = rule_of(raw, where=f"{kind}.{o.rule_code}")
        return tuple(r for r in rules.values() if r.enabled)

    def rules_for(self, kind: str, device_code: str) -> tuple[Rule, ...]:
        if device_code in self._device:
            return self._apply(kind, device_code)
        return self._by_kind[kind]


def _raw(rule: Rule) -> dict[str, Any]:
    return {"type": rule.type, "severity": rule.severity, "matter": rule.matter, **rule.params}


# --- evaluation ------------------------------------------------------------------------------------


def _cond(rule: Rule, value: float) -> bool:
    p = rule.params
    above, below = p.get("above"), p.get("below")
    return (above is not None and value > above) or (below is not None and value < below)


def _held(rule: Rule, slot: list[float], at: float) -> bool:
    p = rule.params
    n, minutes = p.get("hold_readings"), p.get("hold_minutes")
    if n is None and minutes is None:
        return True
    return (n is not None and slot[0] >= n) or (minutes is not None and at - slot[1] >= minutes * 60)


def _step(device: str, rule: Rule, st: DeviceState, holds: bool, value: float | None, at: float) -> Change | None:
    slot = st.rules.get(rule.code)
    if not holds:
        if slot is None:
            return None
        del st.rules[rule.code]
        return Change(device, rule, False, value, at) if slot[2] else None
    if slot is None:
        slot = st.rules[rule.code] = [0.0, at, 0.0]
    slot[0] += 1
    if rule.type == "threshold" and not _held(rule, slot, at):
        return None
    slot[2] = 1.0
    return Change(device, rule, True, value, at)


def _rate(rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> tuple[bool, float | None] | None:
    measure = str(rule.params.get("measure"))
    if measure not in values:
        return None
    prev = st.values.get(measure)
    if prev is None or at <= prev[1]:
        return False, None
    per_min = abs(values[measure] - prev[0]) / ((at - prev[1]) / 60.0)
    return per_min > rule.number("max_per_min", float("inf")), per_min


def evaluate(
    device: str, rules: Sequence[Rule], st: DeviceState, values: Mapping[str, float], at: float
) -> list[Change]:
    """Run a device's rules on one reading (in time order; an older reading changes nothing),
    update its state, and answer the rules that began or stopped holding — and those still
    holding (a repeat, which updates the open alarm)."""
    if st.last_seen is not None and at < st.last_seen:
        return []
    out: list[Change] = []
    for rule in rules:
        step = _STEPS.get(rule.type)
        change = step(device, rule, st, values, at) if step is not None else None
        if change is not None:
            out.append(change)
    for m, v in values.items():
        st.values[m] = [v, at]
    st.last_seen = at
    if st.last_active is None:
        st.last_active = at  # watching starts with the first reading
    return out


# --- one reading through one rule, by the rule's type -------------------------------------------


def _on_threshold(device: str, rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> Change | None:
    measure = str(rule.params.get("measure"))
    if measure not in values:
        return None
    v = values[measure]
    return _step(device, rule, st, _cond(rule, v), v, at)


def _on_rate(device: str, rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> Change | None:
    got = _rate(rule, st, values, at)
    return _step(device, rule, st, got[0], got[1], at) if got is not None else None


def _on_combination(device: str, rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> Change | None:
    merged = {m: v[0] for m, v in st.values.items()} | dict(values)
    conds = rule.params.get("all", [])
    holds = bool(conds) and all(c["measure"] in merged and _cond_of(c, merged[c["measure"]]) for c in conds)
    return _step(device, rule, st, holds, None, at) if holds or rule.code in st.rules else None


def _on_inactivity(device: str, rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> Change | None:
    if not any(values.get(m, 0) > 0 for m in rule.params.get("measures", ())):
        return None
    st.last_active = at
    return _step(device, rule, st, False, None, at)


def _on_offline(device: str, rule: Rule, st: DeviceState, values: Mapping[str, float], at: float) -> Change | None:
    return _step(device, rule, st, False, None, at) if rule.code in st.rules else None


_STEPS = {
    "threshold": _on_threshold,
    "rate": _on_rate,
    "combination": _on_combination,
    "inactivity": _on_inactivity,
    "offline": _on_offline,
}


def _cond_of(c: Mapping[str, Any], value: float) -> bool:
    above, below = c.get("above"), c.get("below")
    return (above is not None and value > above) or (below is not None and value < below)


def sweep(
    device: str, rules: Sequence[Rule], st: DeviceState, interval_s: int, now: float, *, watched: bool
) -> list[Change]:
    """The rules that need no reading: a device silent too long is offline; at a watched
    person's home, no activity for `hours` raises a care alarm. Each fires once until a
    reading (or activity) clears it."""
    out: list[Change] = []
    for rule in rules:
        if rule.code in st.rules:
            continue
        if rule.type == "offline" and st.last_seen is not None:
            silent = now - st.last_seen
            if silent > rule.number("intervals", 3) * interval_s:
                st.rules[rule.code] = [1.0, now, 1.0]
                out.append(Change(device, rule, True, silent / 60.0, now))
        elif rule.type == "inactivity" and watched and st.last_active is not None:
            quiet = now - st.last_active
            if quiet >= rule.number("hours", 24) * 3600:
                st.rules[rule.code] = [1.0, now, 1.0]
                out.append(Change(device, rule, True, quiet / 3600.0, now))
    return out


def with_params(rule: Rule, **params: Any) -> Rule:
    """A copy of a rule with some parameters changed (tests and run-time edits)."""
    return replace(rule, params={**rule.params, **params})
