"""Import on both databases: accepted / fixed / quarantined, upsert by key with history, matching."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from gridbrain.core import auth, clock
from gridbrain.registry import importer, reads
from gridbrain.registry.model import Kind
from gridbrain.registry.tables import people, quarantine, record_fixes, record_versions
from tests.registry.helpers import FakeMatcher, credit_code, person_id, write_csv, write_jsonl


class Digests:
    """A notifier that keeps the digests it is given."""

    def __init__(self):
        self.sent = []

    def digest(self, subject, body):
        self.sent.append((subject, body))


def steward(uow):
    return auth.find_user(uow, "steward")


def test_a_second_import_with_a_changed_phone_overwrites_and_keeps_the_old_version(district, uow, tmp_path):
    pid = person_id(10)
    clock.set_now(datetime(2026, 1, 5, 9, 0))
    first = write_csv(tmp_path / "a.csv", [[pid, "张三", "男", "1950-03-01", "13800000001", "", "", "独居老人"]])
    r1 = importer.import_file(uow, steward(uow), "person", first, matcher=None)
    assert (r1.read, r1.accepted, r1.new) == (1, 1, 1)
    clock.set_now(datetime(2026, 3, 1, 9, 0))
    second = write_csv(tmp_path / "b.csv", [[pid, "张三", "男", "1950-03-01", "13900000002", "", "", "独居老人"]])
    r2 = importer.import_file(uow, steward(uow), "person", second, matcher=None)
    assert (r2.read, r2.accepted, r2.changed, r2.new) == (1, 1, 1, 0)

    actor = steward(uow)
    now = reads.get_record(uow, actor, Kind.PERSON, pid)
    assert now.values["phone"] == "13900000002"
    then = reads.get_record(uow, actor, Kind.PERSON, pid, reads.parse_as_of("2026-02-01"))
    assert then.values["phone"] == "13800000001"
    assert then.values["tags"] == ["独居老人"]
    history = uow.execute(sa.select(record_versions)).all()
    assert len(history) == 1
    assert history[0].changed_fields == ["phone"]
    assert history[0].source == "import"
    assert history[0].written_by == "steward"


def test_a_reimport_of_the_same_record_writes_no_history(district, uow, tmp_path):
    pid = person_id(11)
    f = write_csv(tmp_path / "a.csv", [[pid, "张三", "男", "1950-03-01", "13800000001", "", "", ""]])
    importer.import_file(uow, steward(uow), "person", f, matcher=None)
    clock.advance(timedelta(days=1))
    again = importer.import_file(uow, steward(uow), "person", f, matcher=None)
    assert again.changed == 0
    assert again.accepted == 1
    assert uow.execute(sa.select(sa.func.count()).select_from(record_versions)).scalar() == 0


def test_an_invalid_id_number_lands_in_quarantine_with_the_reason(district, uow, tmp_path):
    good = person_id(12)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    f = write_csv(tmp_path / "p.csv", [[bad, "李四", "男", "1950-03-01", "", "", "", ""]])
    digests = Digests()
    r = importer.import_file(uow, steward(uow), "person", f, matcher=None, notifier=digests)
    assert (r.read, r.quarantined, r.accepted, r.fixed) == (1, 1, 0, 0)
    item = uow.execute(sa.select(quarantine)).one()
    assert item.status == "open"
    assert item.record_key == bad
    assert item.reasons == [{"field": "id_number", "rule": f"check character should be {good[17]}"}]
    assert uow.execute(sa.select(sa.func.count()).select_from(people)).scalar() == 0
    assert len(digests.sent) == 1
    assert "1 条记录待人工处理" in digests.sent[0][0]


def test_a_fixable_record_is_fixed_and_the_fix_is_listed(district, uow, tmp_path):
    pid = person_id(13)
    f = write_csv(tmp_path / "p.csv", [[pid, " 王五 ", "", "1950年3月1日", "138 1234 5678", "", "", ""]])
    r = importer.import_file(uow, steward(uow), "person", f, matcher=None)
    assert (r.read, r.fixed) == (1, 1)
    row = uow.execute(sa.select(people)).one()
    assert (row.name, row.sex, row.phone, row.birth_date.isoformat()) == (
        "王五",
        "M",
        "13812345678",
        "1950-03-01",
    )
    listed = uow.execute(sa.select(record_fixes)).one()
    assert listed.record_key == pid
    assert listed.row_number == 1
    assert {(x["field"], x["rule"]) for x in listed.fixes} == {
        ("name", "trim"),
        ("sex", "derived_from_id"),
        ("birth_date", "date_format"),
        ("phone", "phone_format"),
    }
    assert r.fix_counts["phone:phone_format"] == 1


def test_every_record_read_is_accepted_fixed_or_quarantined(district, uow, tmp_path):
    rows = [
        {"身份证号": person_id(20), "姓名": "甲", "性别": "男", "出生日期": "1950-03-01"},
        {"身份证号": person_id(21), "姓名": "乙 ", "出生日期": "19500301"},
        {"身份证号": "123", "姓名": "丙"},
        "{not json",
        {"id_number": person_id(22), "name": "丁", "tags": ["低保", "残疾人"]},
    ]
    r = importer.import_file(
        uow,
        steward(uow),
        "person",
        write_jsonl(tmp_path / "p.jsonl", rows),
        matcher=None,
        notifier=Digests(),
        batch_size=2,
    )
    assert (r.read, r.accepted, r.fixed, r.quarantined) == (5, 1, 2, 2)
    assert r.balanced
    reasons = [q.reasons for q in uow.execute(sa.select(quarantine).order_by(quarantine.c.row_number))]
    assert reasons[1][0]["field"] == "line"
    assert "malformed JSON" in reasons[1][0]["rule"]


def test_a_matched_address_gets_its_code_and_grid_from_the_matcher(district, uow, tmp_path):
    grid = district.grids[0]
    fake = FakeMatcher({"星河路88号3幢2单元501室": ("ADDR0001", grid)})
    f = write_csv(
        tmp_path / "p.csv",
        [
            [person_id(30), "甲", "男", "1950-03-01", "", "", "星河路88号3幢2单元501室", ""],
            [person_id(31), "乙", "男", "1950-03-01", "", "", "星河路８８号3幢2单元501室", ""],
            [person_id(32), "丙", "男", "1950-03-01", "", "", "无名路1号", ""],
        ],
    )
    r = importer.import_file(uow, steward(uow), "person", f, matcher=fake)
    assert r.matcher
    assert (r.accepted, r.fixed) == (2, 1)
    got = {row.id_number: row for row in uow.execute(sa.select(people))}
    assert (got[person_id(30)].residence_address_code, got[person_id(30)].grid_code) == ("ADDR0001", grid)
    assert got[person_id(31)].address_match == "matched"  # after the half-width fix
    assert got[person_id(32)].address_match == "unmatched"
    assert got[person_id(32)].residence_address == "无名路1号"
    assert got[person_id(32)].residence_address_code is None
    assert got[person_id(32)].area_code == district.code  # the steward's area: still in scope
    assert fake.asked.count("星河路88号3幢2单元501室") == 1  # repeated addresses asked once


def test_without_an_address_library_the_text_is_kept_and_marked_unmatched(district, uow, tmp_path):
    f = write_csv(tmp_path / "p.csv", [[person_id(33), "甲", "男", "1950-03-01", "", "", "星河路88号", ""]])
    r = importer.import_file(uow, steward(uow), "person", f, matcher=None)
    assert not r.matcher
    row = uow.execute(sa.select(people)).one()
    assert (row.residence_address, row.address_match, row.grid_code) == ("星河路88号", "unmatched", None)


def test_a_department_owned_field_survives_a_grid_worker_import(district, uow, tmp_path):
    pid = person_id(40)
    ps = write_csv(tmp_path / "ps.csv", [[pid, "张三", "男", "1950-03-01", "", "", "", ""]])
    importer.import_file(uow, steward(uow), "person", ps, source="public_security", matcher=None)
    clock.advance(timedelta(days=1))
    guess = write_csv(tmp_path / "gw.csv", [[pid, "张叁", "男", "1950-03-01", "13800000000", "", "", ""]])
    importer.import_file(uow, steward(uow), "person", guess, source="grid_worker", matcher=None)
    row = uow.execute(sa.select(people)).one()
    assert (row.name, row.phone) == ("张三", "13800000000")
    assert row.field_sources["name"] == "public_security"
    assert row.field_sources["phone"] == "grid_worker"


def test_enterprises_import_from_xlsx(district, uow, tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["统一社会信用代码", "企业名称", "法定代表人", "所属行业", "经营状态", "成立日期"])
    ws.append([credit_code(1), "杭州甲科技有限公司", "张三", "软件和信息技术服务业", "存续", "2015-06-01"])
    ws.append([credit_code(2)[:-1] + "Z", "乙公司", "李四", "零售业", "存续", "2016-01-01"])
    wb.save(tmp_path / "e.xlsx")
    r = importer.import_file(uow, steward(uow), "enterprise", tmp_path / "e.xlsx", matcher=None, notifier=Digests())
    assert (r.read, r.accepted, r.quarantined) == (2, 1, 1)
    view = reads.get_record(uow, steward(uow), Kind.ENTERPRISE, credit_code(1))
    assert view.values["industry"] == "软件和信息技术服务业"


def test_a_house_takes_its_key_from_the_matched_standard_address(district, uow, tmp_path):
    grid = district.grids[2]
    fake = FakeMatcher({"星河路88号3幢2单元501室": ("ADDR0501", grid)})
    f = write_csv(
        tmp_path / "h.csv",
        [["星河路88号3幢2单元501室", "住宅", "出租", "3"], ["无名路1号", "住宅", "自住", "1"]],
        header=["地址", "用途", "居住类型", "居住人数"],
    )
    r = importer.import_file(uow, steward(uow), "house", f, matcher=fake, notifier=Digests())
    assert (r.accepted, r.quarantined) == (1, 1)
    house = reads.get_record(uow, steward(uow), Kind.HOUSE, "ADDR0501")
    assert (house.values["occupancy"], house.values["residents"], house.values["grid_code"]) == ("出租", 3, grid)
    item = uow.execute(sa.select(quarantine)).one()
    assert item.reasons == [{"field": "address", "rule": "not matched to a standard address (the key)"}]


def test_a_place_must_belong_to_a_known_layer(district, uow, tmp_path):
    f = write_jsonl(tmp_path / "pl.jsonl", [
        {"编号": "F1", "图层": "fire_safety_unit", "名称": "某消防重点单位", "纬度": 30.41, "经度": 120.01},
        {"编号": "F2", "图层": "ufo_landing_site", "名称": "某地"},
    ])  # fmt: skip
    r = importer.import_file(uow, steward(uow), "place", f, matcher=None, notifier=Digests())
    assert (r.accepted, r.quarantined) == (1, 1)
    assert uow.execute(sa.select(quarantine.c.reasons)).scalar_one() == [
        {"field": "layer", "rule": "not a known map layer"}
    ]


def test_each_committed_batch_announces_the_changed_records_once(district, uow, tmp_path):
    from gridbrain.core import signals
    from gridbrain.registry.signals import RecordsChanged

    heard: list[RecordsChanged] = []
    signals.connect(RecordsChanged, heard.append)
    rows = [[person_id(60 + i), "甲", "男", "1950-03-01", "", "", "", ""] for i in range(5)]
    importer.import_file(uow, steward(uow), "person", write_csv(tmp_path / "p.csv", rows), matcher=None, batch_size=2)
    assert [s.new for s in heard] == [2, 2, 1]


def test_records_imported_by_an_unrestricted_admin_stay_visible_to_the_district(district, uow, tmp_path):
    from gridbrain.registry import quarantine as queue

    admin = auth.find_user(uow, "admin")
    f = write_csv(tmp_path / "p.csv", [[person_id(80), "甲", "男", "1950-03-01", "", "", "", ""],
                                       ["330110", "乙", "", "", "", "", "", ""]])  # fmt: skip
    importer.import_file(uow, admin, "person", f, matcher=None, notifier=Digests())
    district_steward = steward(uow)
    assert reads.get_record(uow, district_steward, Kind.PERSON, person_id(80)).values["area_code"] == district.code
    assert queue.list_items(uow, district_steward)[0] == 1
