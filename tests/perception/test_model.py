"""Admission, rules and the alarm lifecycle, without a database: pure and fast."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.core.errors import Conflict, Invalid
from gridbrain.perception.kinds import kinds
from gridbrain.perception.model import (
    Admission,
    Alarm,
    AlarmStatus,
    DeviceRef,
    Reading,
    Reason,
    Rejected,
    admit,
    check_topic,
    parse_payload,
)
from gridbrain.perception.rules import DeviceState, Override, RuleBook, evaluate, sweep

NOW = datetime(2026, 7, 1, 0, 0, tzinfo=UTC)
DEVICES = {
    "W1": DeviceRef("W1", "water_level", "330110001001001", 30.4, 120.0),
    "S1": DeviceRef("S1", "smoke", "330110001001001", 30.4, 120.0),
    "D1": DeviceRef("D1", "door_magnet", "330110001001001", 30.4, 120.0, watched=True),
}


def _admit(raw: dict[str, object]) -> Reading | Rejected:
    return admit(raw, DEVICES, kinds(), Admission(NOW))


def test_the_kinds_file_has_at_least_fifteen_kinds_each_with_measures_and_an_interval():
    k = kinds().kinds
    assert len(k) >= 15
    assert all(kind.measures and kind.interval_s > 0 and kind.name for kind in k.values())
    assert {"water_level", "smoke", "gas_leak", "door_magnet", "infrared", "water_meter", "camera"} <= set(k)


def test_a_good_reading_is_admitted_with_its_time_read_as_china_time_when_naive():
    r = _admit({"device_id": "W1", "ts": "2026-07-01T07:55:00", "values": {"depth_cm": 3}})
    assert isinstance(r, Reading) and r.ts == NOW - timedelta(minutes=5)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ({"device_id": "X9", "ts": NOW.isoformat(), "values": {"depth_cm": 1}}, Reason.UNKNOWN_DEVICE),
        ({"device_id": "W1", "ts": (NOW + timedelta(hours=1)).isoformat(), "values": {"depth_cm": 1}}, Reason.FUTURE),
        ({"device_id": "W1", "ts": (NOW - timedelta(days=8)).isoformat(), "values": {"depth_cm": 1}}, Reason.TOO_OLD),
        ({"device_id": "W1", "ts": NOW.isoformat(), "values": {"depth_cm": -1}}, Reason.OUT_OF_RANGE),
        ({"device_id": "W1", "ts": NOW.isoformat(), "values": {"depth_cm": "deep"}}, Reason.SCHEMA),
        ({"device_id": "W1", "ts": NOW.isoformat(), "values": {"depth_cm": True}}, Reason.SCHEMA),
        ({"device_id": "W1", "ts": NOW.isoformat(), "values": {}}, Reason.SCHEMA),
        ({"device_id": "W1", "ts": "yesterday", "values": {"depth_cm": 1}}, Reason.SCHEMA),
        ({"ts": NOW.isoformat(), "values": {"depth_cm": 1}}, Reason.SCHEMA),
        ({"device_id": "W1", "ts": NOW.isoformat(), "values": {"ph": 7}}, Reason.UNKNOWN_MEASURE),
        (
            {"device_id": "W1", "ts": NOW.isoformat(), "values": {"depth_cm": 1}, "units": {"depth_cm": "m"}},
            Reason.UNIT,
        ),
    ],
)
def test_a_bad_reading_is_rejected_naming_its_reason(raw, reason):
    r = _admit(raw)
    assert isinstance(r, Rejected) and r.reason == reason and r.detail


def test_malformed_payloads_are_rejected_as_malformed():
    assert parse_payload(b"{oops").reason == Reason.MALFORMED  # type: ignore[union-attr]
    assert parse_payload(b"[1, 2]").reason == Reason.MALFORMED  # type: ignore[union-attr]
    assert parse_payload(b"\xff\xfe").reason == Reason.MALFORMED  # type: ignore[union-attr]


def test_a_topic_naming_another_device_or_kind_is_rejected():
    raw = {"device_id": "W1"}
    assert check_topic("gridbrain/330110000000/water_level/W1/up", raw, DEVICES) is None
    assert check_topic("gridbrain/330110000000/smoke/W1/up", raw, DEVICES).reason == Reason.TOPIC_MISMATCH  # type: ignore[union-attr]
    assert check_topic("gridbrain/330110000000/water_level/W2/up", raw, DEVICES).reason == Reason.TOPIC_MISMATCH  # type: ignore[union-attr]


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_admission_never_admits_a_value_outside_the_physical_range(value):
    r = _admit({"device_id": "W1", "ts": NOW.isoformat(), "values": {"depth_cm": value}})
    assert isinstance(r, Rejected) or 0 <= r.values["depth_cm"] <= 500


def _rules(kind: str, device: str = "X", overrides: tuple[Override, ...] = ()) -> tuple:
    return RuleBook(kinds(), overrides).rules_for(kind, device)


def test_a_threshold_fires_on_the_nth_reading_in_a_row_and_recovers_once():
    rules = [r for r in _rules("water_level") if r.code == "flooding"]
    s = DeviceState()
    fired = [evaluate("W1", rules, s, {"depth_cm": d}, 300.0 * i) for i, d in enumerate([20, 20, 20, 20, 3, 3])]
    assert [[c.fired for c in f] for f in fired] == [[], [], [True], [True], [False], []]


@given(st.lists(st.floats(min_value=0, max_value=500), max_size=40))
def test_a_threshold_fires_only_after_three_readings_above_it(depths):
    rules = [r for r in _rules("water_level") if r.code == "flooding"]
    s = DeviceState()
    run = 0
    for i, d in enumerate(depths):
        run = run + 1 if d > 15 else 0
        fired = any(c.fired for c in evaluate("W1", rules, s, {"depth_cm": d}, 300.0 * i))
        assert fired == (run >= 3)


def test_a_threshold_held_for_minutes_fires_after_that_time_whatever_the_count():
    rules = [r for r in _rules("noise") if r.code == "loud"]  # above 70 dB for 15 minutes
    s = DeviceState()
    out = [evaluate("N1", rules, s, {"leq_db": 80}, 60.0 * m) for m in (0, 10, 15)]
    assert [bool(o) for o in out] == [False, False, True]


def test_smoke_and_heat_together_fire_the_combination_rule():
    rules = [r for r in _rules("smoke") if r.code == "fire"]
    s = DeviceState()
    assert evaluate("S1", rules, s, {"obscuration": 20}, 0.0) == []
    (c,) = evaluate("S1", rules, s, {"temperature_c": 70}, 60.0)  # the smoke reading is remembered
    assert c.fired and c.rule.severity == "critical"


def test_a_fast_rise_fires_the_rate_rule():
    rules = [r for r in _rules("water_level") if r.code == "rising_fast"]
    s = DeviceState()
    evaluate("W1", rules, s, {"depth_cm": 1}, 0.0)
    (c,) = evaluate("W1", rules, s, {"depth_cm": 13}, 300.0)  # 12 cm in 5 minutes
    assert c.fired and c.value == pytest.approx(2.4)


def test_silence_longer_than_its_intervals_makes_a_device_offline_once_until_it_reports():
    rules = _rules("water_level")
    s = DeviceState()
    evaluate("W1", rules, s, {"depth_cm": 1}, 0.0)
    assert sweep("W1", rules, s, 300, 800.0, watched=False) == []
    (c,) = sweep("W1", rules, s, 300, 901.0, watched=False)
    assert c.rule.code == "offline" and c.fired
    assert sweep("W1", rules, s, 300, 2000.0, watched=False) == []
    back = evaluate("W1", rules, s, {"depth_cm": 1}, 2100.0)
    assert [(c.rule.code, c.fired) for c in back] == [("offline", False)]


def test_inactivity_raises_a_care_alarm_only_at_a_watched_home():
    rules = [r for r in _rules("door_magnet") if r.code == "no_activity"]
    watched, unwatched = DeviceState(), DeviceState()
    for s in (watched, unwatched):
        evaluate("D1", rules, s, {"opens": 1}, 0.0)
        evaluate("D1", rules, s, {"opens": 0}, 3600.0)
    assert sweep("D1", rules, watched, 1800, 23 * 3600.0, watched=True) == []
    (c,) = sweep("D1", rules, watched, 1800, 24 * 3600.0, watched=True)
    assert c.rule.params["care"] and c.rule.matter == "H070101"
    assert sweep("D1", rules, unwatched, 1800, 48 * 3600.0, watched=False) == []


def test_a_device_override_changes_only_that_device_and_a_kind_override_every_device():
    device = Override("temperature", "hot", "T1", {"above": 30})
    kind = Override("temperature", "hot", None, {"hold_readings": 1})
    book = RuleBook(kinds(), [device, kind])
    (t1,) = [r for r in book.rules_for("temperature", "T1") if r.code == "hot"]
    (t2,) = [r for r in book.rules_for("temperature", "T2") if r.code == "hot"]
    assert (t1.params["above"], t1.params["hold_readings"]) == (30, 1)
    assert (t2.params["above"], t2.params["hold_readings"]) == (60, 1)
    off = RuleBook(kinds(), [Override("temperature", "hot", "T1", {}, enabled=False)])
    assert "hot" not in {r.code for r in off.rules_for("temperature", "T1")}


def test_an_override_with_a_bad_severity_is_refused_naming_the_rule():
    with pytest.raises(Invalid) as e:
        RuleBook(kinds(), [Override("temperature", "hot", None, {"severity": "apocalyptic"})])
    assert e.value.field == "temperature.hot.severity"


def _alarm() -> Alarm:
    return Alarm("A1", "W1", "flooding", "major", AlarmStatus.ACTIVE, NOW, NOW)


def test_an_alarm_goes_active_then_acknowledged_then_cleared():
    a = _alarm().acknowledge(by="op", at=NOW).clear(by="op", at=NOW, note="排水完成")
    assert (a.status, a.acknowledged_by, a.note) == (AlarmStatus.CLEARED, "op", "排水完成")


def test_a_cleared_alarm_refuses_every_move_and_says_what_it_is():
    a = _alarm().clear(by="system", at=NOW, note="恢复")
    for move in (lambda: a.acknowledge(by="op", at=NOW), lambda: a.clear(by="op", at=NOW, note="x")):
        with pytest.raises(Conflict, match="is cleared"):
            move()
    with pytest.raises(Conflict):
        a.repeat(value=1.0, at=NOW)


def test_a_repeat_counts_and_keeps_the_latest_value():
    a = _alarm().repeat(value=30.0, at=NOW + timedelta(minutes=5)).repeat(value=31.0, at=NOW)
    assert (a.repeats, a.value, a.updated_at) == (3, 31.0, NOW + timedelta(minutes=5))
