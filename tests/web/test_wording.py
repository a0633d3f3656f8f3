"""What the pages say instead of codes: the event timeline in words, and the library's rules in
the page's language."""

from datetime import UTC, datetime

from gridbrain.web import i18n, labels, timeline

AT = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
DEPTS = {"330110001:city_management": "五常街道城管中队"}


def _zh(message: str) -> str:
    i18n.use("zh")
    return i18n.gettext(message)


def test_a_card_entry_reads_as_words_with_the_department_name_and_no_code():
    entry = {
        "kind": "audit",
        "at": AT,
        "action": "supervision:card:issued",
        "actor": "sweeper",
        "detail": {"colour": "yellow", "deadline": "response", "round": 1, "department_code": next(iter(DEPTS))},
    }
    (step,) = timeline.steps([entry], DEPTS, _zh)
    assert _zh(step.what) == "亮牌"
    shown = {_zh(k): v for k, v in step.facts}
    assert shown == {"亮牌": "黄牌", "时限": "响应时限", "轮次": "1", "部门": "五常街道城管中队"}
    assert step.raw == {}


def test_a_transition_names_its_status_and_department_and_keeps_its_note():
    entry = {"kind": "transition", "at": AT, "action": "dispatched", "to_status": "dispatched", "actor": "district",
             "department_code": "330110001:city_management", "note": "请尽快处置"}  # fmt: skip
    (step,) = timeline.steps([entry], DEPTS, _zh)
    assert (_zh(step.what), step.note, step.kind) == ("已派单", "请尽快处置", "transition")
    assert [(_zh(k), v) for k, v in step.facts] == [("部门", "五常街道城管中队")]


def test_an_unknown_tag_and_unnamed_detail_keys_are_kept_under_details_not_dropped():
    entry = {"kind": "audit", "at": AT, "action": "emergency:thing:done", "actor": "x",
             "detail": {"order_id": 7, "late": True, "note": "已回复"}}  # fmt: skip
    (step,) = timeline.steps([entry], {}, _zh)
    assert _zh(step.what) == "其他记录"
    assert step.note == "已回复"
    assert [(_zh(k), v) for k, v in step.facts] == [("超时", _zh("yes"))]
    assert step.raw == {"order_id": 7}


def test_department_codes_are_collected_from_transitions_and_details():
    tl = [
        {"kind": "transition", "department_code": "a:x"},
        {"kind": "audit", "detail": {"department_code": "b:y"}},
        {"kind": "audit", "detail": None},
    ]
    assert timeline.department_codes(tl) == {"a:x", "b:y"}


def test_library_rules_read_in_chinese_with_their_values_put_in():
    i18n.use("zh")
    assert labels.rule_text("at most 32 characters") == "最多 32 个字符"
    assert labels.rule_text("does not match the ID number (1990-01-02)") == "与身份证号不一致（1990-01-02）"
    assert labels.rule_text("check character should be 7") == "校验码错误"
    assert labels.rule_text("a rule nobody worded") == "a rule nobody worded"
    i18n.use("en")
    assert labels.rule_text("at most 32 characters") == "at most 32 characters"
    i18n.use("zh")


def test_every_audit_tag_the_code_records_on_an_event_has_words():
    # the tags written with a literal in the event hub and supervision (a new one needs its words)
    import re
    from pathlib import Path

    root = Path(timeline.__file__).resolve().parent.parent
    tags = set()
    for cap in ("events", "supervision"):
        for f in (root / cap).rglob("*.py"):
            tags |= set(re.findall(r'"((?:events|supervision):[a-z_]+:[a-z_]+)"', f.read_text("utf-8")))
    not_on_events = {"events:api_key:created", "events:delegation:approved"}
    transitions = {t for t in tags if t.startswith("events:event:") and t not in timeline.TAG}
    assert sorted(tags - set(timeline.TAG) - not_on_events - transitions) == []
