"""Rules of the matter catalog: parameters, level rules, catalog checks. Pure, milliseconds."""

from __future__ import annotations

import ast
import copy
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridbrain.catalog import building, model
from gridbrain.catalog.building import catalog_from_dict, matter_from_dict
from gridbrain.catalog.model import (
    Catalog,
    Level,
    Nature,
    TimeUnit,
    decide,
    dispatch_level,
    validate_parameters,
)
from gridbrain.core.errors import Invalid, MissingField, NotFound

TYPES = {
    "grid": ["grid"],
    "community_office": ["community"],
    "street_office": ["street"],
    "sanitation": ["street", "district"],
    "housing": ["district"],
}

GARBAGE: dict[str, Any] = {
    "code": "E010101",
    "name": "暴露垃圾",
    "class_path": ["市容环境", "环境卫生", "暴露垃圾"],
    "examples": ["小区门口垃圾堆了三天没人清"],
    "natures": ["投诉", "求决"],
    "parameters": [
        {"code": "area_m2", "name": "面积", "type": "number", "min": 0},
        {"code": "blocks_traffic", "name": "是否影响通行", "type": "boolean"},
        {"code": "kind", "name": "垃圾类型", "type": "choice", "choices": ["生活垃圾", "建筑垃圾"]},
        {"code": "count", "name": "数量", "type": "integer"},
        {"code": "note", "name": "说明", "type": "text"},
    ],
    "level_rules": [
        {"level": "district", "all": [{"param": "area_m2", "gt": 500}]},
        {"level": "street", "any": [{"param": "area_m2", "gt": 50}, {"param": "blocks_traffic", "eq": True}]},
        {"level": "community", "all": [{"param": "area_m2", "gt": 10}]},
    ],
    "default_level": "grid",
    "departments": {
        "grid": "grid",
        "community": "community_office",
        "street": "sanitation",
        "district": "sanitation",
    },
    "response": {"value": 1, "unit": "working_hours"},
    "disposal": {"value": 4, "unit": "working_hours"},
    "disposal_by_nature": {"咨询": {"value": 3, "unit": "working_days"}},
    "grid_list": True,
}


def garbage(**changes: Any) -> dict[str, Any]:
    raw = copy.deepcopy(GARBAGE)
    raw.update(changes)
    return raw


@pytest.fixture
def matter() -> model.Matter:
    return matter_from_dict(GARBAGE, department_types=TYPES)


# --- level rules -------------------------------------------------------------------------------


def test_first_matching_rule_wins_even_when_later_rules_also_match(matter: model.Matter) -> None:
    # 600 m² matches the district, street and community rules; the first one decides
    assert decide(matter, {"area_m2": 600}).level is Level.DISTRICT
    assert decide(matter, {"area_m2": 60}).level is Level.STREET
    assert decide(matter, {"area_m2": 20}).level is Level.COMMUNITY


def test_without_matching_rule_the_default_level_and_its_department_apply(matter: model.Matter) -> None:
    decision = decide(matter, {"area_m2": 3})
    assert (decision.level, decision.department_type) == (Level.GRID, "grid")
    assert decide(matter).level is Level.GRID


def test_any_rule_matches_on_a_single_condition(matter: model.Matter) -> None:
    decision = decide(matter, {"area_m2": 1, "blocks_traffic": True})
    assert (decision.level, decision.department_type) == (Level.STREET, "sanitation")


def test_a_missing_parameter_never_satisfies_a_condition() -> None:
    rule = model.Condition("area_m2", model.Op.NE, 5)
    assert not rule.holds({})
    assert not rule.holds({"area_m2": None})


@pytest.mark.parametrize(
    ("op", "value", "actual", "expected"),
    [
        ("eq", 5, 5, True),
        ("eq", 5, 6, False),
        ("ne", 5, 6, True),
        ("ne", 5, 5, False),
        ("gt", 5, 6, True),
        ("gt", 5, 5, False),
        ("ge", 5, 5, True),
        ("ge", 5, 4, False),
        ("lt", 5, 4, True),
        ("lt", 5, 5, False),
        ("le", 5, 5, True),
        ("le", 5, 6, False),
        ("in", [1, 5], 5, True),
        ("in", [1, 5], 3, False),
    ],
)
def test_each_operator_compares_as_its_name_says(op: str, value: Any, actual: float, expected: bool) -> None:
    raw = garbage(level_rules=[{"level": "street", "all": [{"param": "area_m2", op: value}]}])
    matter = matter_from_dict(raw, department_types=TYPES)
    assert (dispatch_level(matter, {"area_m2": actual}) is Level.STREET) is expected


def test_choice_rules_route_by_the_chosen_value() -> None:
    raw = garbage(level_rules=[{"level": "street", "all": [{"param": "kind", "in": ["建筑垃圾"]}]}])
    matter = matter_from_dict(raw, department_types=TYPES)
    assert decide(matter, {"kind": "建筑垃圾"}).level is Level.STREET
    assert decide(matter, {"kind": "生活垃圾"}).level is Level.GRID


@given(small=st.floats(0, 10), large=st.floats(10.001, 1e6))
def test_a_bigger_pile_is_never_handled_lower_than_a_smaller_one(small: float, large: float) -> None:
    matter = matter_from_dict(GARBAGE, department_types=TYPES)
    order = list(Level)
    assert order.index(decide(matter, {"area_m2": large}).level) >= order.index(
        decide(matter, {"area_m2": small}).level
    )


# --- parameters --------------------------------------------------------------------------------


def test_an_unknown_parameter_is_refused_naming_it(matter: model.Matter) -> None:
    with pytest.raises(Invalid) as err:
        validate_parameters(matter, {"height": 3})
    assert (err.value.field, err.value.rule) == ("parameters.height", "unknown")


@pytest.mark.parametrize(
    ("params", "field", "rule"),
    [
        ({"area_m2": "big"}, "parameters.area_m2", "number"),
        ({"area_m2": True}, "parameters.area_m2", "number"),
        ({"area_m2": -1}, "parameters.area_m2", "minimum"),
        ({"area_m2": float("nan")}, "parameters.area_m2", "finite"),
        ({"blocks_traffic": "maybe"}, "parameters.blocks_traffic", "boolean"),
        ({"kind": "核废料"}, "parameters.kind", "choice"),
        ({"count": 2.5}, "parameters.count", "integer"),
        ({"note": 12}, "parameters.note", "text"),
    ],
)
def test_a_wrongly_typed_parameter_is_refused_naming_field_and_rule(
    matter: model.Matter, params: dict[str, Any], field: str, rule: str
) -> None:
    with pytest.raises(Invalid) as err:
        validate_parameters(matter, params)
    assert (err.value.field, err.value.rule) == (field, rule)


def test_parameters_from_forms_are_coerced_to_their_types(matter: model.Matter) -> None:
    clean = validate_parameters(matter, {"area_m2": "12.5", "blocks_traffic": "是", "count": "3"})
    assert clean == {"area_m2": 12.5, "blocks_traffic": True, "count": 3}


def test_a_required_parameter_must_be_given() -> None:
    raw = garbage(parameters=[{"code": "area_m2", "name": "面积", "type": "number", "required": True}], level_rules=[])
    matter = matter_from_dict(raw, department_types=TYPES)
    with pytest.raises(MissingField) as err:
        decide(matter, {})
    assert err.value.field == "parameters.area_m2"


def test_a_consultation_has_its_own_disposal_deadline(matter: model.Matter) -> None:
    assert matter.disposal_for(Nature.CONSULTATION) == model.Deadline(3, TimeUnit.WORKING_DAYS)
    assert matter.disposal_for(Nature.COMPLAINT) == model.Deadline(4, TimeUnit.WORKING_HOURS)


# --- catalog checks ----------------------------------------------------------------------------


def test_a_duplicate_matter_code_is_refused() -> None:
    with pytest.raises(Invalid) as err:
        catalog_from_dict({"version": "1", "matters": [GARBAGE, GARBAGE]}, department_types=TYPES)
    assert (err.value.field, err.value.rule) == ("matters[1].code", "unique")


def test_an_unknown_department_type_is_refused() -> None:
    raw = garbage(departments={**GARBAGE["departments"], "street": "ghostbusters"})
    with pytest.raises(Invalid) as err:
        matter_from_dict(raw, department_types=TYPES)
    assert err.value.rule == "unknown_department_type"
    assert err.value.field.endswith("departments.street")


def test_a_department_type_must_exist_at_the_level_it_is_named_for() -> None:
    raw = garbage(departments={**GARBAGE["departments"], "street": "housing"})
    with pytest.raises(Invalid) as err:
        matter_from_dict(raw, department_types=TYPES)
    assert err.value.rule == "department_level"


def test_every_level_a_matter_can_land_at_names_a_department() -> None:
    raw = garbage(departments={"grid": "grid", "community": "community_office"})
    with pytest.raises(Invalid) as err:
        matter_from_dict(raw, department_types=TYPES)
    assert err.value.rule == "required"


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"level": "street", "all": [{"param": "height", "gt": 1}]}, "unknown_parameter"),
        ({"level": "street", "all": [{"param": "blocks_traffic", "gt": 1}]}, "operator_type"),
        ({"level": "street", "all": [{"param": "area_m2", "like": 1}]}, "operator"),
        ({"level": "street", "all": [{"param": "area_m2", "gt": "50"}]}, "number"),
        ({"level": "street", "all": [{"param": "kind", "eq": "核废料"}]}, "choice"),
        ({"level": "street", "all": [{"param": "area_m2", "gt": 1, "lt": 9}]}, "one_operator"),
        ({"level": "street"}, "conditions"),
        ({"level": "province", "all": [{"param": "area_m2", "gt": 1}]}, "level"),
    ],
)
def test_a_bad_rule_is_refused_when_the_catalog_loads(rule: dict[str, Any], expected: str) -> None:
    with pytest.raises(Invalid) as err:
        matter_from_dict(garbage(level_rules=[rule]), department_types=TYPES)
    assert err.value.rule == expected
    assert "level_rules[0]" in err.value.field


def test_a_deadline_needs_a_known_unit_and_a_positive_value() -> None:
    with pytest.raises(Invalid) as err:
        matter_from_dict(garbage(disposal={"value": 4, "unit": "fortnights"}), department_types=TYPES)
    assert err.value.rule == "time_unit"
    with pytest.raises(Invalid) as err:
        matter_from_dict(garbage(response={"value": 0, "unit": "hours"}), department_types=TYPES)
    assert err.value.rule == "positive"


def test_an_unknown_matter_code_is_not_found() -> None:
    catalog = Catalog("1", [matter_from_dict(GARBAGE)])
    assert "E010101" in catalog
    with pytest.raises(NotFound):
        catalog.get("E999999")


@pytest.mark.parametrize("module", [model, building])
def test_the_model_and_its_builders_import_only_the_standard_library_core_and_each_other(module: object) -> None:
    tree = ast.parse(Path(str(getattr(module, "__file__", ""))).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module)
    outside = {m for m in imported if m.split(".")[0] not in sys.stdlib_module_names and m != "__future__"}
    assert outside <= {"gridbrain.core.errors", "gridbrain.core.levels", "gridbrain.catalog", "gridbrain.catalog.model"}
