"""Learning from closed work orders and from returns: mapped onto the catalog, masked, retrained,
published only when not worse, rolled back, and taken by a running process without a restart."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gridbrain.catalog import classifier, learning, models
from gridbrain.catalog.loader import department_names, shipped_catalog
from gridbrain.core.errors import Invalid, NotFound


@pytest.fixture(scope="module")
def quick() -> classifier.Classifier:
    """A model of the catalog's own phrasings, uncalibrated: enough to map work orders."""
    return classifier.Classifier().train(classifier.catalog_samples(shipped_catalog()), calibrate=False)


ORDERS = [
    ("text", "department", "matter"),
    ("路边有人摆摊卖水果，把人行道占了，电话13912345678", "区城管执法局", ""),
    ("超市卖过期的牛奶，孩子喝了拉肚子", "区市场监督管理局", ""),
    ("小区门口垃圾堆了三天", "", "暴露垃圾"),
    ("小区门口垃圾堆了三天", "", "E010101"),
    ("晚上有人在河边烧东西", "宇宙管理局", ""),
    ("", "城管执法", ""),
    ("这个事情说不清楚", "", "不存在的事项"),
    ("我叫张三丰，身份证110101199001011234，家里停电了", "供电公司", ""),
]


def _write_csv(path: Path) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(ORDERS)
    return path


def _write_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in ORDERS:
        sheet.append(list(row))
    wb.save(path)
    return path


@pytest.mark.parametrize("write", [_write_csv, _write_xlsx])
def test_closed_work_orders_are_mapped_onto_the_catalog_and_the_rest_reported(write, tmp_path: Path, quick) -> None:
    orders = learning.read_work_orders(write(tmp_path / ("orders.csv" if write is _write_csv else "orders.xlsx")))
    report = learning.map_work_orders(orders, shipped_catalog(), quick.predict_many, department_names())
    assert report.read == 8
    mapped = dict(report.mapped)
    catalog = shipped_catalog()
    street_vendor = next(t for t in mapped if t.startswith("路边有人摆摊"))
    assert "city_management" in learning._departments_of(catalog.get(mapped[street_vendor]))
    assert "13912345678" not in street_vendor and "[手机号]" in street_vendor
    assert mapped["小区门口垃圾堆了三天"] == "E010101"
    power = next(t for t in mapped if "停电" in t)
    assert "110101199001011234" not in power and "张三丰" not in power
    assert catalog.get(mapped[power]).responsible.lead.code == "power_supply"
    reasons = dict(report.unmapped)
    assert set(reasons) == {6, 7, 8}
    assert "宇宙管理局" in reasons[6] and reasons[7] == "no text" and "不存在的事项" in reasons[8]


def test_a_file_without_a_text_column_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("内容x,department\n路灯坏了,城管\n", encoding="utf-8")
    with pytest.raises(Invalid) as err:
        learning.read_work_orders(path)
    assert (err.value.field, err.value.rule) == ("text", "column")


@dataclass
class Row:
    text: str
    matter_code: str | None


def test_returns_become_masked_samples_and_rows_without_a_matter_are_dropped() -> None:
    rows = [Row("王先生反映井盖响，电话13800001111", "C010107"), Row("不知道归谁", None), Row("", "E010101")]
    assert learning.samples_from_rows(rows) == [("某人反映井盖响，电话[手机号]", "C010107")]


NEW_PHRASING = [
    f"{place}的铁疙瘩{how}"
    for place in ("巷子口", "小区门口", "学校后门", "菜场东头", "公交站边上")
    for how in ("一过车就叮咣乱叫", "车一压就叮叮咣咣", "半夜过车叮咣响个不停", "轧上去叮咣叮咣的")
]
HELD_OUT = "医院门口那块铁疙瘩，大车一过就叮咣乱叫"


@pytest.fixture
def root(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "models"
    classifier.use_classifier(None)


@pytest.mark.slow
def test_twenty_returns_of_a_new_phrasing_teach_it_without_the_evaluation_falling(root: Path) -> None:
    catalog = shipped_catalog()
    first = learning.retrain(catalog, root=root, calibrate=False, note="baseline")
    assert first.published and first.in_force is None
    before = classifier.Classifier.load(models.model_file(first.candidate.version, root))
    assert before.predict(HELD_OUT, 1)[0][0] != "C010107"  # the phrasing is new to the model
    returns = [Row(t, "C010107") for t in NEW_PHRASING]
    second = learning.retrain(catalog, learning.samples_from_rows(returns), root=root, calibrate=False)
    assert second.published and second.in_force is not None
    assert second.candidate.top1 >= second.in_force.top1
    assert second.candidate.responsible >= second.in_force.responsible
    assert models.active_version(root) == second.candidate.version
    after = classifier.Classifier.load(models.model_file(second.candidate.version, root))
    assert after.predict(HELD_OUT, 1)[0][0] == "C010107"
    assert [m.version for m in models.list_models(root)] == [second.candidate.version, first.candidate.version]
    models.activate(first.candidate.version, root)  # rollback
    assert models.active_version(root) == first.candidate.version


@pytest.mark.slow
def test_a_candidate_worse_than_the_model_in_force_is_kept_but_not_published(root: Path) -> None:
    catalog = shipped_catalog()
    learning.retrain(catalog, root=root, calibrate=False)
    wrong = [(t, "E010101") for t, code in classifier.training_samples(catalog) if code == "E050101"] * 3
    worse = learning.retrain(catalog, wrong, root=root, calibrate=False)
    assert not worse.published
    assert models.active_version(root) != worse.candidate.version
    assert worse.candidate.version in {m.version for m in models.list_models(root)}


def test_rolling_back_to_a_model_that_does_not_exist_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        models.activate("20200101T000000Z", tmp_path)
    with pytest.raises(Invalid):
        models.model_file("../../etc/passwd", tmp_path)


def test_a_running_process_takes_a_newly_published_model_without_a_restart(tmp_path: Path) -> None:
    poller = models.Poller()
    assert poller.changed(tmp_path, now=0.0) is None  # nothing published: remembers that
    (tmp_path / "ACTIVE").write_text("20261204T010000Z\n", encoding="utf-8")
    assert poller.changed(tmp_path, now=0.5) is None  # polled at most every POLL_S seconds
    assert poller.changed(tmp_path, now=models.POLL_S + 1) == "20261204T010000Z"
    assert poller.changed(tmp_path, now=2 * models.POLL_S + 2) is None  # unchanged
