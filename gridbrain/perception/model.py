"""The perception network's domain (采录感知中台), pure: device kinds as data, the one reading
shape, admission (collectable or rejected, by reason), and the alarm lifecycle.

Rules over readings are in `rules.py` (pure as well)."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from gridbrain.core import clock
from gridbrain.core.errors import Conflict, Invalid

# --- device kinds --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    code: str
    name: str
    unit: str
    low: float
    high: float


@dataclass(frozen=True)
class Rule:
    """One rule of a kind (or a device's override of it). `params` keep the type's own fields."""

    code: str
    type: str  # threshold | rate | combination | offline | inactivity
    severity: str = "minor"
    matter: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    enabled: bool = True

    def number(self, key: str, default: float = 0.0) -> float:
        value = self.params.get(key)
        return float(value) if value is not None else default


@dataclass(frozen=True)
class Kind:
    code: str
    name: str
    interval_s: int
    measures: Mapping[str, Measure]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class DetectionClass:
    code: str
    name: str
    matter: str | None
    severity: str


@dataclass(frozen=True)
class Kinds:
    """Everything the kinds file says: the kinds and the video-AI detection policy."""

    kinds: Mapping[str, Kind]
    detection_classes: Mapping[str, DetectionClass]
    min_confidence: float
    merge_minutes: float

    def get(self, code: str) -> Kind:
        kind = self.kinds.get(code)
        if kind is None:
            raise Invalid("kind", f"one of {', '.join(sorted(self.kinds))}")
        return kind


RULE_TYPES = ("threshold", "rate", "combination", "offline", "inactivity")
SEVERITIES = ("info", "minor", "major", "critical")
_RULE_KEYS = {"code", "type", "severity", "matter", "enabled"}


def rule_of(raw: Mapping[str, Any], *, where: str) -> Rule:
    """A rule from its data, refusing unknown types and severities (naming where it was read)."""
    if raw.get("type") not in RULE_TYPES:
        raise Invalid(f"{where}.type", f"one of {', '.join(RULE_TYPES)}")
    severity = str(raw.get("severity", "minor"))
    if severity not in SEVERITIES:
        raise Invalid(f"{where}.severity", f"one of {', '.join(SEVERITIES)}")
    return Rule(
        code=str(raw["code"]),
        type=str(raw["type"]),
        severity=severity,
        matter=raw.get("matter"),
        params={k: v for k, v in raw.items() if k not in _RULE_KEYS},
        enabled=bool(raw.get("enabled", True)),
    )


def kinds_of(data: Mapping[str, Any]) -> Kinds:
    """The kinds file's content (already parsed YAML) as types."""
    kinds = {}
    for code, k in data["kinds"].items():
        measures = {
            m: Measure(m, str(v["name"]), str(v["unit"]), float(v["min"]), float(v["max"]))
            for m, v in k["measures"].items()
        }
        rules = tuple(rule_of(r, where=f"{code}.rules") for r in k.get("rules", []))
        kinds[code] = Kind(code, str(k["name"]), int(k["interval_s"]), measures, rules)
    det = data.get("detections", {})
    classes = {
        c: DetectionClass(c, str(v["name"]), v.get("matter"), str(v.get("severity", "minor")))
        for c, v in det.get("classes", {}).items()
    }
    return Kinds(kinds, classes, float(det.get("min_confidence", 0.6)), float(det.get("merge_minutes", 30)))


# --- readings and admission (数据准入) --------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """The one reading shape every adapter produces: `{"device_id", "ts", "values"}`."""

    device_id: str
    ts: datetime
    values: Mapping[str, float]


@dataclass(frozen=True)
class DeviceRef:
    """What admission and the rules need to know of a registered device."""

    code: str
    kind: str
    grid_code: str
    lat: float
    lng: float
    watched: bool = False


class Reason(StrEnum):
    """Why a reading was rejected; every rejection is counted under one of these."""

    MALFORMED = "malformed"  # not JSON, or not an object
    SCHEMA = "schema"  # a field missing or of the wrong type
    UNKNOWN_DEVICE = "unknown_device"
    TOPIC_MISMATCH = "topic_mismatch"  # the MQTT topic names another device or kind
    UNKNOWN_MEASURE = "unknown_measure"  # a measure the device's kind does not have
    UNIT = "unit"  # a declared unit other than the kind's
    OUT_OF_RANGE = "out_of_range"  # outside the physical range of the measure
    FUTURE = "future"
    TOO_OLD = "too_old"
    DUPLICATE = "duplicate"  # this device already reported at this time


@dataclass(frozen=True)
class Rejected:
    reason: Reason
    detail: str
    device_id: str | None = None


@dataclass(frozen=True)
class Admission:
    """The window a reading's time must fall in."""

    now: datetime
    max_future: timedelta = timedelta(minutes=2)
    max_age: timedelta = timedelta(days=7)


def parse_payload(payload: bytes | str) -> Mapping[str, Any] | Rejected:
    """A raw message as a JSON object, or its rejection (malformed)."""
    try:
        raw = json.loads(payload)
    except (ValueError, UnicodeDecodeError) as e:
        return Rejected(Reason.MALFORMED, f"not JSON: {e}"[:200])
    if not isinstance(raw, dict):
        return Rejected(Reason.MALFORMED, "not a JSON object")
    return raw


def _parse_ts(raw: object) -> datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        return clock.aware(datetime.fromisoformat(raw))
    except ValueError:
        return None


def _values(raw: object, kind: Kind, device_id: str) -> dict[str, float] | Rejected:
    if not isinstance(raw, dict) or not raw:
        return Rejected(Reason.SCHEMA, "values: a non-empty object {measure: number}", device_id)
    out = {}
    for name, value in raw.items():
        m = kind.measures.get(name)
        if m is None:
            return Rejected(Reason.UNKNOWN_MEASURE, f"{name}: not a measure of {kind.code}", device_id)
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            return Rejected(Reason.SCHEMA, f"values.{name}: a finite number", device_id)
        if not m.low <= value <= m.high:
            return Rejected(Reason.OUT_OF_RANGE, f"{name}={value} outside {m.low}..{m.high} {m.unit}", device_id)
        out[name] = float(value)
    return out


def admit(
    raw: Mapping[str, Any], devices: Mapping[str, DeviceRef], kinds: Kinds, window: Admission
) -> Reading | Rejected:
    """Check one reading: schema, device, units, physical range, time window. Duplicates need
    the store and are found there."""
    device_id = raw.get("device_id")
    if not isinstance(device_id, str) or not 1 <= len(device_id) <= 32:
        return Rejected(Reason.SCHEMA, "device_id: a string of 1-32 characters")
    ts = _parse_ts(raw.get("ts"))
    if ts is None:
        return Rejected(Reason.SCHEMA, "ts: an ISO 8601 time", device_id)
    device = devices.get(device_id)
    if device is None:
        return Rejected(Reason.UNKNOWN_DEVICE, f"{device_id} is not registered", device_id)
    kind = kinds.kinds[device.kind]
    values = _values(raw.get("values"), kind, device_id)
    if isinstance(values, Rejected):
        return values
    refused = _check_units(raw.get("units"), kind, device_id) or _check_time(ts, window, device_id)
    if refused is not None:
        return refused
    return Reading(device_id, ts, values)


def _check_units(units: object, kind: Any, device_id: str) -> Rejected | None:
    if units is None:
        return None
    if not isinstance(units, dict):
        return Rejected(Reason.SCHEMA, "units: an object {measure: unit}", device_id)
    for name, unit in units.items():
        m = kind.measures.get(name)
        if m is not None and unit != m.unit:
            return Rejected(Reason.UNIT, f"{name} in {unit}, expected {m.unit}", device_id)
    return None


def _check_time(ts: datetime, window: Admission, device_id: str) -> Rejected | None:
    if ts > window.now + window.max_future:
        return Rejected(Reason.FUTURE, f"ts {ts.isoformat()} is ahead of {window.now.isoformat()}", device_id)
    if ts < window.now - window.max_age:
        return Rejected(Reason.TOO_OLD, f"ts {ts.isoformat()} older than {window.max_age}", device_id)
    return None


def check_topic(topic: str, raw: Mapping[str, Any], devices: Mapping[str, DeviceRef]) -> Rejected | None:
    """`gridbrain/{district}/{kind}/{device_id}/up` must name the payload's device and its kind."""
    parts = topic.split("/")
    if len(parts) != 5 or parts[0] != "gridbrain" or parts[4] != "up":
        return Rejected(Reason.TOPIC_MISMATCH, f"topic {topic}: gridbrain/{{district}}/{{kind}}/{{device_id}}/up")
    device_id = raw.get("device_id")
    if device_id != parts[3]:
        return Rejected(Reason.TOPIC_MISMATCH, f"topic names {parts[3]}, payload {device_id}", parts[3])
    device = devices.get(parts[3])
    if device is not None and device.kind != parts[2]:
        return Rejected(Reason.TOPIC_MISMATCH, f"topic kind {parts[2]}, device is {device.kind}", parts[3])
    return None


# --- alarms: active → acknowledged → cleared ------------------------------------------------------


class AlarmStatus(StrEnum):
    ACTIVE = "active"
    ACKNOWLEDGED = "acknowledged"
    CLEARED = "cleared"


ALARM_MOVES: dict[AlarmStatus, dict[str, AlarmStatus]] = {
    AlarmStatus.ACTIVE: {"acknowledge": AlarmStatus.ACKNOWLEDGED, "clear": AlarmStatus.CLEARED},
    AlarmStatus.ACKNOWLEDGED: {"clear": AlarmStatus.CLEARED},
    AlarmStatus.CLEARED: {},
}
OPEN_ALARM = (AlarmStatus.ACTIVE.value, AlarmStatus.ACKNOWLEDGED.value)


@dataclass(frozen=True)
class Alarm:
    id: str
    device_code: str
    rule_code: str
    severity: str
    status: AlarmStatus
    opened_at: datetime
    updated_at: datetime
    repeats: int = 1
    value: float | None = None
    event_id: str | None = None
    acknowledged_by: str | None = None
    cleared_by: str | None = None
    cleared_at: datetime | None = None
    note: str | None = None

    def _move(self, action: str) -> AlarmStatus:
        to = ALARM_MOVES[self.status].get(action)
        if to is None:
            allowed = ", ".join(ALARM_MOVES[self.status]) or "nothing"
            raise Conflict(f"alarm {self.id} is {self.status}; allowed: {allowed}", field="status", rule=action)
        return to

    def acknowledge(self, *, by: str, at: datetime) -> Alarm:
        """Someone has seen the alarm and takes it on (确认)."""
        return replace(self, status=self._move("acknowledge"), acknowledged_by=by, updated_at=at)

    def clear(self, *, by: str, at: datetime, note: str) -> Alarm:
        """The condition is over (by the rule's recovery or by a person): the alarm closes."""
        return replace(self, status=self._move("clear"), cleared_by=by, cleared_at=at, updated_at=at, note=note)

    def repeat(self, *, value: float | None, at: datetime) -> Alarm:
        """The condition holds again: the one open alarm of this device and rule counts it."""
        if self.status == AlarmStatus.CLEARED:
            raise Conflict(f"alarm {self.id} is cleared", field="status", rule="repeat")
        return replace(self, repeats=self.repeats + 1, value=value, updated_at=max(at, self.updated_at))
