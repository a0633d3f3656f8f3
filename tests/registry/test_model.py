"""The pure data rules: accept, fix (each fix listed), quarantine (every reason), precedence."""

from datetime import UTC, date, datetime, timedelta

from gridbrain.registry import model
from gridbrain.registry.model import Outcome
from tests.registry.helpers import credit_code, person_id


def check_person(**raw):
    return model.check_record(model.PERSON, raw)


def test_a_clean_person_is_accepted_without_fixes():
    pid = person_id(1)
    c = check_person(id_number=pid, name="张三", sex="男", birth_date="1950-03-01", phone="13812345678")
    assert c.outcome is Outcome.ACCEPTED
    assert c.values["sex"] == "M"
    assert c.values["birth_date"] == date(1950, 3, 1)


def test_a_fixable_person_is_fixed_and_every_fix_is_listed():
    pid = person_id(2)
    raw_id = " " + pid.replace("X", "x") + " "
    c = check_person(
        id_number=raw_id,
        name="李 四",
        birth_date="1950/3/1",
        phone="+86 138-1234-5678",
        residence_address="星河路８８号　３幢",
    )
    assert c.outcome is Outcome.FIXED
    rules = {(f.field, f.rule) for f in c.fixes}
    assert ("phone", "phone_format") in rules
    assert ("birth_date", "date_format") in rules
    assert ("sex", "derived_from_id") in rules
    assert ("name", "trim") in rules
    assert ("residence_address", "halfwidth") in rules
    assert c.values["phone"] == "13812345678"
    assert c.values["name"] == "李四"
    assert c.values["residence_address"] == "星河路88号 3幢"
    assert c.values["id_number"] == pid


def test_a_lower_case_check_character_is_a_listed_fix():
    pid = next(person_id(n) for n in range(500) if person_id(n).endswith("X"))
    c = check_person(id_number=pid.lower(), name="王五")
    assert c.values["id_number"] == pid
    assert any(f.rule == "id_check_case" and f.before == pid.lower() for f in c.fixes)


def test_an_invalid_id_number_is_quarantined_with_every_reason():
    bad = person_id(3)[:17] + ("0" if person_id(3)[17] != "0" else "1")
    c = check_person(id_number=bad, name="赵6", phone="12345")
    assert c.outcome is Outcome.QUARANTINED
    fields = {p.field: p.rule for p in c.problems}
    assert "check character" in fields["id_number"]
    assert "name" in fields
    assert "phone" in fields


def test_a_sex_that_contradicts_the_id_number_is_not_silently_overwritten():
    c = check_person(id_number=person_id(4, sex="M"), name="钱七", sex="女")
    assert c.outcome is Outcome.QUARANTINED
    assert c.problems[0].field == "sex"


def test_an_enterprise_credit_code_is_checked():
    ok = model.check_record(model.ENTERPRISE, {"uscc": credit_code(1).lower(), "name": "杭州某某科技有限公司"})
    assert ok.outcome is Outcome.FIXED
    assert ok.values["uscc"] == credit_code(1)
    bad = model.check_record(model.ENTERPRISE, {"uscc": "91330110XXXXXXXXXX", "name": "某公司"})
    assert bad.outcome is Outcome.QUARANTINED


def test_an_owning_department_beats_a_grid_worker_for_its_fields_only():
    current = {"name": "张三", "phone": "13800000000"}
    m = model.merge(current, None, "public_security", {"name": "张叁", "phone": "13900000000"}, "grid_worker")
    assert m.values["name"] == "张三"
    assert m.kept == ("name",)
    assert m.values["phone"] == "13900000000"
    assert m.changed == ("phone",)
    assert m.sources == {"name": "public_security", "phone": "grid_worker"}
    own = model.merge(m.values, m.sources, "grid_worker", {"name": "张叁"}, "public_security")
    assert own.changed == ("name",)  # the owner corrects its own field


def test_an_empty_incoming_field_does_not_erase_a_known_value():
    m = model.merge({"phone": "13800000000"}, None, "import", {"phone": None}, "import")
    assert m.values["phone"] == "13800000000"
    assert not m.changed


def test_a_record_is_due_for_verification_after_the_policy_period():
    now = datetime(2026, 6, 1, tzinfo=UTC)
    assert model.verification_due(None, now)
    assert not model.verification_due(now - timedelta(days=179), now)
    assert model.verification_due(now - timedelta(days=180), now)
