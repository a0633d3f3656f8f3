"""The shipped catalog, district overrides, big catalogs and the labelled texts."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from gridbrain.catalog import loader
from gridbrain.catalog.data import make_labelled_texts
from gridbrain.catalog.model import Catalog, Level, Nature, TimeUnit, decide
from gridbrain.core.errors import Invalid


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return loader.load_catalog()


def test_the_shipped_catalog_has_at_least_three_hundred_matters(catalog: Catalog) -> None:
    assert len(catalog) >= 300
    prefixes = Counter(code[0] for code in catalog.codes)
    assert prefixes["E"] >= 60
    assert prefixes["C"] >= 50
    assert prefixes["H"] >= 150


def test_every_department_named_in_the_shipped_catalog_is_a_known_type_at_its_level(catalog: Catalog) -> None:
    types = loader.department_types()
    for matter in catalog:
        for level, dept in matter.departments.items():
            assert level.value in types[dept], (matter.code, level, dept)


def test_every_shipped_matter_can_be_recognised_and_answered(catalog: Catalog) -> None:
    for matter in catalog:
        assert len(matter.examples) >= 3, matter.code
        assert matter.natures, matter.code
        assert matter.class_path[-1] == matter.name
        assert set(Level) <= set(matter.departments), matter.code


def test_shipped_deadlines_follow_practice(catalog: Catalog) -> None:
    exposed_garbage = next(m for m in catalog if m.name == "暴露垃圾")
    assert (exposed_garbage.disposal.value, exposed_garbage.disposal.unit) == (4, TimeUnit.WORKING_HOURS)
    wages = next(m for m in catalog if m.name == "拖欠工资")
    assert wages.disposal_for(Nature.CONSULTATION).unit is TimeUnit.WORKING_DAYS
    assert wages.disposal_for(Nature.CONSULTATION).value == 3
    assert wages.disposal_for(Nature.COMPLAINT).value == 13
    gas = next(m for m in catalog if m.name == "燃气泄漏")
    assert gas.disposal.unit is TimeUnit.HOURS


def test_law_enforcement_and_wage_matters_are_outside_the_grid_list(catalog: Catalog) -> None:
    grid_names = {m.name for m in catalog.grid_list()}
    assert {"暴露垃圾", "占道经营", "井盖异响", "路灯不亮"} <= grid_names
    assert not {"拖欠工资", "税务咨询", "违规户外广告牌", "非法集资"} & grid_names


def test_a_big_garbage_pile_goes_to_the_street_sanitation_department(catalog: Catalog) -> None:
    matter = next(m for m in catalog if m.name == "暴露垃圾")
    decision = decide(matter, {"area_m2": 80})
    assert (decision.level, decision.department_type) == (Level.STREET, "sanitation")
    assert decide(matter, {"area_m2": 2}).level is Level.GRID


def _generated(n: int) -> dict[str, Any]:
    base = yaml.safe_load(loader.MATTERS_YAML.read_text(encoding="utf-8"))["matters"]
    matters = []
    for i in range(n):
        m = dict(base[i % len(base)])
        m["code"] = f"X{i:06d}"
        m["name"] = f"{m['name']}{i}"
        matters.append(m)
    return {"version": "big", "matters": matters}


@pytest.mark.parametrize("suffix", ["yaml", "json"])
def test_a_two_thousand_matter_catalog_loads_within_two_cpu_seconds(tmp_path: Path, suffix: str) -> None:
    # measured: 0.3 s of CPU as YAML (libyaml), 0.07 s as JSON. CPU time, not wall time, so that
    # tests running in parallel on a busy machine do not make this flaky.
    path = tmp_path / f"big.{suffix}"
    doc = _generated(2000)
    if suffix == "json":
        path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True), encoding="utf-8")
    started = time.process_time()
    big = loader.load_catalog(path)
    assert time.process_time() - started < 2.0
    assert len(big) == 2000
    assert big.get("X001999").code == "X001999"


def test_a_district_override_changes_adds_and_removes_matters(tmp_path: Path) -> None:
    overrides = {
        "version": "2026.11.1-gongshu",
        "matters": [
            {"code": "E010101", "disposal": {"value": 2, "unit": "working_hours"}},
            {"code": "E010102", "remove": True},
            {
                "code": "L000001",
                "name": "运河游船噪声",
                "class_path": ["本区事项", "运河游船噪声"],
                "departments": {"grid": "grid", "street": "street_office", "district": "culture_tourism"},
                "default_level": "district",
                "response": {"value": 1, "unit": "working_days"},
                "disposal": {"value": 5, "unit": "working_days"},
            },
        ],
    }
    path = tmp_path / "district.yaml"
    path.write_text(yaml.safe_dump(overrides, allow_unicode=True), encoding="utf-8")
    catalog = loader.load_catalog(overrides=path)
    assert catalog.version == "2026.11.1-gongshu"
    assert catalog.get("E010101").disposal.value == 2
    assert "E010102" not in catalog
    assert decide(catalog.get("L000001")).department_type == "culture_tourism"


def test_an_override_naming_an_unknown_department_type_is_refused() -> None:
    bad = {
        "matters": [
            {
                "code": "E010101",
                "departments": {
                    "grid": "grid",
                    "community": "community_office",
                    "street": "ministry_of_magic",
                    "district": "sanitation",
                },
            }
        ]
    }
    with pytest.raises(Invalid) as err:
        loader.load_catalog(overrides=bad)
    assert err.value.rule == "unknown_department_type"


def test_the_labelled_texts_cover_many_shipped_matters(catalog: Catalog) -> None:
    rows = loader.load_labelled_texts()
    assert len(rows) >= 2200
    per_matter = Counter(code for _, code, _ in rows)
    assert len(per_matter) >= 150
    assert set(per_matter) <= set(catalog.codes)
    assert sum(1 for n in per_matter.values() if n >= 3) >= 150
    assert len({text for text, _, _ in rows}) == len(rows)


def test_the_labelled_texts_file_is_rebuilt_byte_for_byte_by_its_generator(tmp_path: Path) -> None:
    out = tmp_path / "labelled.csv"
    make_labelled_texts.main(out)
    assert out.read_bytes() == loader.LABELLED_CSV.read_bytes()
