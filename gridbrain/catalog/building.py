"""Building matters and catalogs from plain data (matters.yaml, JSON bodies) and back. Pure.

Every check names the field that fails and the rule (`matters[3](E010101).level_rules[0].level`),
so a typo in data fails at load, not at dispatch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from gridbrain.catalog.model import (
    Catalog,
    CoDepartment,
    Condition,
    CoRole,
    Deadline,
    DepartmentRef,
    Handling,
    LeadRule,
    LevelRule,
    Matter,
    Nature,
    Op,
    Parameter,
    ParamType,
    Responsibility,
    TimeUnit,
)
from gridbrain.core.errors import Invalid, MissingField
from gridbrain.core.levels import Level

_ORDERING = {Op.GT, Op.GE, Op.LT, Op.LE}
_NUMERIC = {ParamType.NUMBER, ParamType.INTEGER}
NOTE_MAX = 300
DepartmentTypes = Mapping[str, Iterable[str]]


def _enum(cls: type[StrEnum], raw: Any, where: str, rule: str) -> Any:
    try:
        return cls(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in cls)
        raise Invalid(where, rule, f"{where}: {raw!r} is not one of {allowed}") from None


def _text(d: Mapping[str, Any], key: str, where: str) -> str:
    raw = d.get(key)
    if raw is None or not str(raw).strip():
        raise MissingField(f"{where}.{key}")
    return str(raw).strip()


def _deadline(raw: Any, where: str) -> Deadline:
    if not isinstance(raw, Mapping):
        raise Invalid(where, "deadline", f"{where} must be {{value, unit}}")
    value = raw.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise Invalid(f"{where}.value", "positive", f"{where}.value must be a positive number")
    return Deadline(float(value), _enum(TimeUnit, raw.get("unit"), f"{where}.unit", "time_unit"))


def _parameter(raw: Any, where: str) -> Parameter:
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping")
    ptype = _enum(ParamType, raw.get("type"), f"{where}.type", "parameter_type")
    choices = tuple(str(c) for c in raw.get("choices") or ())
    if ptype is ParamType.CHOICE and not choices:
        raise Invalid(f"{where}.choices", "required", f"{where}: a choice parameter needs choices")
    code = _text(raw, "code", where)
    if not code.isidentifier():
        raise Invalid(f"{where}.code", "identifier", f"{where}.code {code!r} is not an identifier")
    return Parameter(
        code=code,
        name=_text(raw, "name", where),
        type=ptype,
        required=bool(raw.get("required", False)),
        choices=choices,
        minimum=raw.get("min"),
        maximum=raw.get("max"),
    )


def _check_value(p: Parameter, op: Op, value: Any, where: str) -> Any:  # noqa: C901 - one check per parameter type and operator
    """A condition's value must fit its parameter, so a typo in data fails at load, not at dispatch."""
    if op is Op.IN:
        if not isinstance(value, list | tuple) or not value:
            raise Invalid(f"{where}.in", "list", f"{where}: 'in' needs a non-empty list")
        return tuple(_check_value(p, Op.EQ, v, where) for v in value)
    if op in _ORDERING and p.type not in _NUMERIC:
        raise Invalid(f"{where}.{op}", "operator_type", f"{where}: {op} needs a number parameter")
    if p.type in _NUMERIC:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Invalid(f"{where}.{op}", "number", f"{where}: {p.code} compares with numbers")
    elif p.type is ParamType.BOOLEAN:
        if not isinstance(value, bool):
            raise Invalid(f"{where}.{op}", "boolean", f"{where}: {p.code} compares with true/false")
    elif p.type is ParamType.CHOICE:
        if value not in p.choices:
            raise Invalid(f"{where}.{op}", "choice", f"{where}: {value!r} is not a choice of {p.code}")
    elif not isinstance(value, str):
        raise Invalid(f"{where}.{op}", "text", f"{where}: {p.code} compares with text")
    return value


def _condition(raw: Any, params: Mapping[str, Parameter], where: str) -> Condition:
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping")
    ops = [k for k in raw if k != "param"]
    if len(ops) != 1:
        raise Invalid(where, "one_operator", f"{where} needs exactly one of {', '.join(o.value for o in Op)}")
    op = _enum(Op, ops[0], f"{where}.{ops[0]}", "operator")
    code = str(raw.get("param", ""))
    p = params.get(code)
    if p is None:
        raise Invalid(f"{where}.param", "unknown_parameter", f"{where}: no parameter {code!r}")
    return Condition(code, op, _check_value(p, op, raw[ops[0]], where))


def _rule(raw: Any, params: Mapping[str, Parameter], where: str) -> LevelRule:
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping")
    level = _enum(Level, raw.get("level"), f"{where}.level", "level")
    return LevelRule(level, *_conditions(raw, params, where, "; use default_level instead"))


def _rules(raw: Any, params: Mapping[str, Parameter], where: str) -> tuple[LevelRule, ...]:
    return tuple(_rule(r, params, f"{where}.level_rules[{i}]") for i, r in enumerate(raw or ()))


def _conditions(
    raw: Mapping[str, Any], params: Mapping[str, Parameter], where: str, hint: str = ""
) -> tuple[tuple[Condition, ...], tuple[Condition, ...]]:
    all_ = tuple(_condition(c, params, f"{where}.all[{i}]") for i, c in enumerate(raw.get("all") or ()))
    any_ = tuple(_condition(c, params, f"{where}.any[{i}]") for i, c in enumerate(raw.get("any") or ()))
    if not all_ and not any_:
        raise Invalid(where, "conditions", f"{where} has no conditions{hint}")
    return all_, any_


def _departments(raw: Any, types: DepartmentTypes | None, where: str) -> dict[Level, str]:
    if not isinstance(raw, Mapping) or not raw:
        raise MissingField(f"{where}.departments")
    departments = {_enum(Level, lvl, f"{where}.departments.{lvl}", "level"): str(dept) for lvl, dept in raw.items()}
    if types is not None:
        for lvl, dept in departments.items():
            if dept not in types:
                raise Invalid(
                    f"{where}.departments.{lvl}", "unknown_department_type", f"{where}: no department type {dept!r}"
                )
            if lvl.value not in set(types[dept]):
                raise Invalid(
                    f"{where}.departments.{lvl}", "department_level", f"{where}: {dept} does not exist at {lvl}"
                )
    return departments


def _department(raw: Any, types: DepartmentTypes | None, names: Mapping[str, str], where: str) -> DepartmentRef:
    code = str(raw or "").strip()
    if not code:
        raise MissingField(where)
    if types is not None and code not in types:
        raise Invalid(where, "unknown_department_type", f"{where}: no department type {code!r}")
    return DepartmentRef(code, names.get(code, code))


def _responsibility(
    raw: Any,
    params: Mapping[str, Parameter],
    types: DepartmentTypes | None,
    names: Mapping[str, str],
    where: str,
) -> Responsibility | None:
    """主责 and 配合: `{lead, co: [{department, role}], rules: [{lead, all|any}], note}`."""
    if raw is None:
        return None
    where = f"{where}.responsibility"
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping", f"{where} is {{lead, co, rules, note}}")
    lead = _department(raw.get("lead"), types, names, f"{where}.lead")
    co: list[CoDepartment] = []
    for i, c in enumerate(raw.get("co") or ()):
        at = f"{where}.co[{i}]"
        if not isinstance(c, Mapping):
            raise Invalid(at, "mapping", f"{at} is {{department, role}}")
        dept = _department(c.get("department"), types, names, f"{at}.department")
        if dept.code == lead.code or any(x.code == dept.code for x in co):
            raise Invalid(f"{at}.department", "unique", f"{at}: {dept.code} is the lead or named twice")
        co.append(CoDepartment(dept.code, dept.name, _enum(CoRole, c.get("role"), f"{at}.role", "co_role")))
    rules = []
    for i, r in enumerate(raw.get("rules") or ()):
        at = f"{where}.rules[{i}]"
        if not isinstance(r, Mapping):
            raise Invalid(at, "mapping")
        rules.append(LeadRule(_department(r.get("lead"), types, names, f"{at}.lead"), *_conditions(r, params, at)))
    note = str(raw["note"]).strip() if raw.get("note") else None
    if rules and not note:
        raise MissingField(f"{where}.note")  # a lead that depends on a parameter says why
    if note is not None and len(note) > NOTE_MAX:
        raise Invalid(f"{where}.note", "max_length", f"{where}.note is longer than {NOTE_MAX} characters")
    return Responsibility(lead, tuple(co), tuple(rules), note)


_NOT_QUEUED = (Handling.ANSWER, Handling.THANK, Handling.FORWARD)


def _handling(raw: Any, where: str) -> Handling | None:
    """A matter met without a work order: answered, thanked or forwarded (清单外 handling)."""
    if raw is None:
        return None
    handling = _enum(Handling, raw, where, "handling")
    if handling not in _NOT_QUEUED:
        raise Invalid(where, "handling", f"{where} is one of answer, thank, forward")
    return handling  # type: ignore[no-any-return]


def _parameters(raw: Any, where: str) -> dict[str, Parameter]:
    by_code: dict[str, Parameter] = {}
    for i, p in enumerate(_parameter(p, f"{where}.parameters[{i}]") for i, p in enumerate(raw or ())):
        if p.code in by_code:
            raise Invalid(f"{where}.parameters[{i}].code", "unique", f"{where}: parameter {p.code} twice")
        by_code[p.code] = p
    return by_code


def matter_from_dict(
    raw: Mapping[str, Any],
    *,
    department_types: DepartmentTypes | None = None,
    department_names: Mapping[str, str] | None = None,
    where: str = "matter",
) -> Matter:
    """Build and check one matter. `department_types` maps a type code to the levels it exists at,
    `department_names` a type code to its name (反映 in the responsible department's answer)."""
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping")
    code = _text(raw, "code", where)
    if not code.isascii() or not code.replace("_", "").replace("-", "").isalnum():
        raise Invalid(f"{where}.code", "ascii_code", f"{where}.code {code!r} must be ASCII letters/digits")
    where = f"{where}({code})"
    by_code = _parameters(raw.get("parameters"), where)
    rules = _rules(raw.get("level_rules"), by_code, where)
    default_level = _enum(Level, raw.get("default_level", "grid"), f"{where}.default_level", "level")
    departments = _departments(raw.get("departments"), department_types, where)
    for lvl in {default_level, *(r.level for r in rules)}:
        if lvl not in departments:
            raise Invalid(
                f"{where}.departments.{lvl}", "required", f"{where} can land at {lvl} but names no department"
            )
    class_path = tuple(str(c) for c in raw.get("class_path") or ())
    if not class_path:
        raise MissingField(f"{where}.class_path")
    natures = tuple(_enum(Nature, n, f"{where}.natures[{i}]", "nature") for i, n in enumerate(raw.get("natures") or ()))
    by_nature = {
        _enum(Nature, n, f"{where}.disposal_by_nature.{n}", "nature"): _deadline(d, f"{where}.disposal_by_nature.{n}")
        for n, d in (raw.get("disposal_by_nature") or {}).items()
    }
    return Matter(
        code=code,
        name=_text(raw, "name", where),
        class_path=class_path,
        departments=departments,
        response=_deadline(raw.get("response"), f"{where}.response"),
        disposal=_deadline(raw.get("disposal"), f"{where}.disposal"),
        default_level=default_level,
        examples=tuple(str(e) for e in raw.get("examples") or ()),
        natures=natures,
        parameters=tuple(by_code.values()),
        level_rules=rules,
        disposal_by_nature=by_nature,
        grid_list=bool(raw.get("grid_list", False)),
        handling=_handling(raw.get("handling"), f"{where}.handling"),
        responsibility=_responsibility(
            raw.get("responsibility"), by_code, department_types, department_names or {}, where
        ),
    )


def catalog_from_dict(
    raw: Mapping[str, Any],
    *,
    department_types: DepartmentTypes | None = None,
    department_names: Mapping[str, str] | None = None,
) -> Catalog:
    """Build and check a whole catalog: `{version, matters: [...]}`."""
    if not isinstance(raw, Mapping):
        raise Invalid("catalog", "mapping", "a catalog is a mapping with version and matters")
    matters = raw.get("matters")
    if not isinstance(matters, Sequence) or isinstance(matters, str):
        raise Invalid("matters", "list", "matters must be a list")
    version = raw.get("version")
    if version is None:
        raise MissingField("version")
    return Catalog(
        str(version),
        (
            matter_from_dict(
                m, department_types=department_types, department_names=department_names, where=f"matters[{i}]"
            )
            for i, m in enumerate(matters)
        ),
    )


def _deadline_dict(d: Deadline) -> dict[str, Any]:
    return {"value": int(d.value) if d.value == int(d.value) else d.value, "unit": d.unit.value}


def _condition_dict(c: Condition) -> dict[str, Any]:
    return {"param": c.param, c.op.value: list(c.value) if c.op is Op.IN else c.value}


def _rule_dict(r: LevelRule | LeadRule) -> dict[str, Any]:
    rule: dict[str, Any] = {"level": r.level.value} if isinstance(r, LevelRule) else {"lead": r.lead.code}
    if r.all:
        rule["all"] = [_condition_dict(c) for c in r.all]
    if r.any:
        rule["any"] = [_condition_dict(c) for c in r.any]
    return rule


def responsibility_to_dict(r: Responsibility) -> dict[str, Any]:
    """`{lead, co, rules, note}` as in matters.yaml."""
    out: dict[str, Any] = {
        "lead": r.lead.code,
        "co": [{"department": c.code, "role": c.role.value} for c in r.co],
    }
    if r.rules:
        out["rules"] = [_rule_dict(x) for x in r.rules]
    if r.note:
        out["note"] = r.note
    return out


def matter_to_dict(m: Matter) -> dict[str, Any]:
    """The plain-data form of a matter, as in matters.yaml; `matter_from_dict` reads it back."""
    params = []
    for p in m.parameters:
        d: dict[str, Any] = {"code": p.code, "name": p.name, "type": p.type.value}
        if p.required:
            d["required"] = True
        if p.choices:
            d["choices"] = list(p.choices)
        if p.minimum is not None:
            d["min"] = p.minimum
        if p.maximum is not None:
            d["max"] = p.maximum
        params.append(d)
    rules = [_rule_dict(r) for r in m.level_rules]
    out: dict[str, Any] = {
        "code": m.code,
        "name": m.name,
        "class_path": list(m.class_path),
        "examples": list(m.examples),
        "natures": [n.value for n in m.natures],
        "parameters": params,
        "level_rules": rules,
        "default_level": m.default_level.value,
        "departments": {lvl.value: dept for lvl, dept in m.departments.items()},
        "response": _deadline_dict(m.response),
        "disposal": _deadline_dict(m.disposal),
        "grid_list": m.grid_list,
    }
    if m.disposal_by_nature:
        out["disposal_by_nature"] = {n.value: _deadline_dict(d) for n, d in m.disposal_by_nature.items()}
    if m.handling is not None:
        out["handling"] = m.handling.value
    if m.responsibility is not None:
        out["responsibility"] = responsibility_to_dict(m.responsibility)
    return out


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    return {"version": catalog.version, "matters": [matter_to_dict(m) for m in catalog]}
