"""主责 and 配合: every matter names who answers for it and who co-operates, and decisions carry them."""

from __future__ import annotations

from typing import Any

import pytest

from gridbrain.catalog.building import catalog_from_dict, matter_from_dict, matter_to_dict
from gridbrain.catalog.loader import department_names, department_types, read_document, shipped_catalog
from gridbrain.catalog.model import Catalog, CoRole, decide
from gridbrain.core.errors import Invalid, MissingField


def _matter(name: str) -> Any:
    return next(m for m in shipped_catalog() if m.name == name)


def _raw(code: str = "E040201", **responsibility: Any) -> dict[str, Any]:
    raw = dict(next(m for m in read_document()["matters"] if m["code"] == code))
    raw["responsibility"] = {**raw["responsibility"], **responsibility}
    return raw


def test_every_shipped_matter_names_a_known_responsible_department_and_its_co_operators() -> None:
    types = department_types()
    for raw in read_document()["matters"]:
        r = raw.get("responsibility")
        assert r, f"{raw['code']} names no responsibility"
        assert r["lead"] in types, raw["code"]
        assert all(c["department"] in types and c["department"] != r["lead"] for c in r["co"]), raw["code"]


def test_a_pipe_on_public_land_is_the_water_companys_and_inside_a_compound_the_property_managers() -> None:
    pipe = _matter("自来水管破裂")
    outside = decide(pipe, {"inside_compound": False})
    inside = decide(pipe, {"inside_compound": True})
    assert (outside.responsible_department.code, outside.responsible_department.name) == ("water_supply", "供水")
    assert inside.responsible_department.code == "property_management"
    assert ("water_supply", CoRole.COOPERATE) in {(c.code, c.role) for c in inside.co_departments}
    assert inside.responsibility_note and "红线" in inside.responsibility_note
    assert (outside.level, outside.department_type) == (inside.level, inside.department_type)


def test_night_construction_noise_is_led_by_ecology_and_environment() -> None:
    noise = _matter("施工噪声扰民")
    assert decide(noise, {"at_night": True}).responsible_department.code == "ecology_environment"
    assert decide(noise, {}).responsible_department.code == "city_management"


def test_the_handler_at_the_level_and_the_responsible_department_are_both_answered() -> None:
    garbage = decide(_matter("暴露垃圾"), {})
    assert (garbage.level.value, garbage.department_type) == ("grid", "grid")
    assert garbage.responsible_department.code == "sanitation"
    assert any(c.role is CoRole.TERRITORIAL and c.code == "street_office" for c in garbage.co_departments)


def test_a_responsibility_read_back_from_plain_data_is_the_same() -> None:
    matter = _matter("自来水管破裂")
    again = matter_from_dict(
        matter_to_dict(matter), department_types=department_types(), department_names=department_names()
    )
    assert again.responsibility == matter.responsibility


@pytest.mark.parametrize(
    ("change", "field", "rule"),
    [
        ({"lead": "plumbers"}, "lead", "unknown_department_type"),
        ({"co": [{"department": "water_supply", "role": "配合"}]}, "co[0].department", "unique"),
        ({"co": [{"department": "housing", "role": "旁观"}]}, "co[0].role", "co_role"),
        ({"note": None}, "note", "required"),
        (
            {"rules": [{"lead": "housing", "all": [{"param": "colour", "eq": "red"}]}]},
            "rules[0].all[0].param",
            "unknown_parameter",
        ),
        ({"rules": [{"lead": "housing"}]}, "rules[0]", "conditions"),
    ],
)
def test_a_wrong_responsibility_is_refused_naming_the_field_and_rule(
    change: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(Invalid) as err:
        matter_from_dict(_raw(**change), department_types=department_types())
    assert err.value.field == f"matter(E040201).responsibility.{field}"
    assert err.value.rule == rule


def test_a_catalog_without_matters_is_refused() -> None:
    with pytest.raises(Invalid) as err:
        catalog_from_dict({"version": "2026.12.1", "matters": []})
    assert (err.value.field, err.value.rule) == ("matters", "not_empty")


@pytest.mark.parametrize("version", ["2026 12", "../etc", "版本一", "x" * 41, "-1"])
def test_a_version_name_outside_letters_digits_and_dots_is_refused(version: str) -> None:
    with pytest.raises(Invalid) as err:
        Catalog(version, list(shipped_catalog())[:1])
    assert (err.value.field, err.value.rule) == ("version", "version_name")


def test_an_empty_version_name_is_missing() -> None:
    with pytest.raises(MissingField):
        Catalog("  ", list(shipped_catalog())[:1])
