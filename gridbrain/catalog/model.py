"""The matter catalog (事项清单) and classify-and-assign (定性定责). Pure: no storage, no files.

A matter says what a report is about, which parameters to ask, and — through ordered, structured
level rules — which level handles it (网格 / 社区 / 街道 / 区) and which kind of department acts
there. Choosing the matter and its parameters decides nature and responsibility at once, so
`decide` must be deterministic and never evaluate code taken from data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from gridbrain.core.errors import Invalid, MissingField, NotFound
from gridbrain.core.levels import Level as Level  # re-exported until callers import it from core


class Nature(StrEnum):
    """The nature of a request (诉求性质)."""

    REQUEST = "求决"
    COMPLAINT = "投诉"
    CONSULTATION = "咨询"
    SUGGESTION = "建议"
    TIP_OFF = "举报"
    THANKS = "感谢"


class ParamType(StrEnum):
    NUMBER = "number"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    CHOICE = "choice"
    TEXT = "text"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    IN = "in"


class TimeUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    DAYS = "days"


_ORDERING = {Op.GT, Op.GE, Op.LT, Op.LE}
_NUMERIC = {ParamType.NUMBER, ParamType.INTEGER}
_TRUE = {"true", "1", "yes", "y", "是", "有"}
_FALSE = {"false", "0", "no", "n", "否", "无"}
TEXT_MAX = 500


@dataclass(frozen=True)
class Deadline:
    """A response or disposal time limit (响应时限 / 处置时限)."""

    value: float
    unit: TimeUnit

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit.value}"


@dataclass(frozen=True)
class Parameter:
    """Something to ask at report time, e.g. the area of a garbage pile in m²."""

    code: str
    name: str
    type: ParamType
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class Condition:
    param: str
    op: Op
    value: Any

    def holds(self, params: Mapping[str, Any]) -> bool:
        """True when the parameter is given and satisfies the comparison; a missing one never does."""
        if self.param not in params or params[self.param] is None:
            return False
        actual = params[self.param]
        match self.op:
            case Op.EQ:
                return bool(actual == self.value)
            case Op.NE:
                return bool(actual != self.value)
            case Op.GT:
                return bool(actual > self.value)
            case Op.GE:
                return bool(actual >= self.value)
            case Op.LT:
                return bool(actual < self.value)
            case Op.LE:
                return bool(actual <= self.value)
            case Op.IN:
                return actual in self.value
        return False  # pragma: no cover - Op is closed


@dataclass(frozen=True)
class LevelRule:
    """Send to `level` when every `all` condition holds and, if `any` is given, one of them does."""

    level: Level
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def matches(self, params: Mapping[str, Any]) -> bool:
        if not all(c.holds(params) for c in self.all):
            return False
        return not self.any or any(c.holds(params) for c in self.any)


@dataclass(frozen=True)
class Matter:
    """One entry of the catalog (事项)."""

    code: str
    name: str
    class_path: tuple[str, ...]
    departments: Mapping[Level, str]
    response: Deadline
    disposal: Deadline
    default_level: Level = Level.GRID
    examples: tuple[str, ...] = ()
    natures: tuple[Nature, ...] = ()
    parameters: tuple[Parameter, ...] = ()
    level_rules: tuple[LevelRule, ...] = ()
    disposal_by_nature: Mapping[Nature, Deadline] = field(default_factory=dict)
    grid_list: bool = False

    def parameter(self, code: str) -> Parameter | None:
        for p in self.parameters:
            if p.code == code:
                return p
        return None

    def disposal_for(self, nature: Nature | None) -> Deadline:
        """The disposal limit; some natures (a consultation 咨询) have their own."""
        if nature is not None and nature in self.disposal_by_nature:
            return self.disposal_by_nature[nature]
        return self.disposal


@dataclass(frozen=True)
class Decision:
    """The outcome of 定性定责: who handles the event, at which level."""

    matter_code: str
    level: Level
    department_type: str
    parameters: Mapping[str, Any]


class Catalog:
    """A versioned set of matters, looked up by code."""

    def __init__(self, version: str, matters: Iterable[Matter]) -> None:
        if not str(version).strip():
            raise MissingField("version")
        self.version = str(version)
        self._by_code: dict[str, Matter] = {}
        for i, m in enumerate(matters):
            if m.code in self._by_code:
                raise Invalid(f"matters[{i}].code", "unique", f"duplicate matter code {m.code}")
            self._by_code[m.code] = m

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Matter]:
        return iter(self._by_code.values())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def get(self, code: str) -> Matter:
        try:
            return self._by_code[code]
        except KeyError:
            raise NotFound(f"no matter {code} in catalog {self.version}", field="matter_code") from None

    @property
    def codes(self) -> list[str]:
        return list(self._by_code)

    def grid_list(self) -> list[Matter]:
        """The grid workers' list (网格员事项清单)."""
        return [m for m in self if m.grid_list]


# --- parameters and decisions ----------------------------------------------------------------


def _coerce(p: Parameter, raw: Any) -> Any:
    where = f"parameters.{p.code}"
    match p.type:
        case ParamType.BOOLEAN:
            if isinstance(raw, bool):
                return raw
            if isinstance(raw, int) and raw in (0, 1):
                return bool(raw)
            if isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
                return raw.strip().lower() in _TRUE
            raise Invalid(where, "boolean", f"{where} must be true or false")
        case ParamType.NUMBER | ParamType.INTEGER:
            value: float | int
            if isinstance(raw, bool):
                raise Invalid(where, p.type.value, f"{where} must be a {p.type.value}")
            if isinstance(raw, int | float):
                value = raw
            elif isinstance(raw, str):
                try:
                    value = float(raw.strip())
                except ValueError:
                    raise Invalid(where, p.type.value, f"{where} must be a {p.type.value}") from None
            else:
                raise Invalid(where, p.type.value, f"{where} must be a {p.type.value}")
            if value != value or value in (float("inf"), float("-inf")):
                raise Invalid(where, "finite", f"{where} must be a finite number")
            if p.type is ParamType.INTEGER:
                if value != int(value):
                    raise Invalid(where, "integer", f"{where} must be a whole number")
                value = int(value)
            if p.minimum is not None and value < p.minimum:
                raise Invalid(where, "minimum", f"{where} must be at least {p.minimum:g}")
            if p.maximum is not None and value > p.maximum:
                raise Invalid(where, "maximum", f"{where} must be at most {p.maximum:g}")
            return value
        case ParamType.CHOICE:
            if not isinstance(raw, str) or raw not in p.choices:
                raise Invalid(where, "choice", f"{where} must be one of {', '.join(p.choices)}")
            return raw
        case ParamType.TEXT:
            if not isinstance(raw, str):
                raise Invalid(where, "text", f"{where} must be text")
            if len(raw) > TEXT_MAX:
                raise Invalid(where, "max_length", f"{where} is longer than {TEXT_MAX} characters")
            return raw.strip()
    raise Invalid(where, "type")  # pragma: no cover - ParamType is closed


def validate_parameters(matter: Matter, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """Check and coerce report-time parameters; the error names `parameters.<code>`."""
    params = dict(params or {})
    known = {p.code: p for p in matter.parameters}
    for code in params:
        if code not in known:
            raise Invalid(f"parameters.{code}", "unknown", f"matter {matter.code} has no parameter {code}")
    out: dict[str, Any] = {}
    for p in matter.parameters:
        raw = params.get(p.code)
        if raw is None or (isinstance(raw, str) and not raw.strip() and p.type is not ParamType.TEXT):
            if p.required:
                raise MissingField(f"parameters.{p.code}")
            continue
        out[p.code] = _coerce(p, raw)
    return out


def dispatch_level(matter: Matter, params: Mapping[str, Any]) -> Level:
    """The first level rule that matches wins; otherwise the matter's default level."""
    for rule in matter.level_rules:
        if rule.matches(params):
            return rule.level
    return matter.default_level


def decide(matter: Matter, params: Mapping[str, Any] | None = None) -> Decision:
    """定性定责 for a reporter who chose the matter: level and department type, deterministic."""
    clean = validate_parameters(matter, params)
    level = dispatch_level(matter, clean)
    return Decision(matter.code, level, matter.departments[level], clean)


# --- building from plain data (YAML, JSON bodies) --------------------------------------------


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


def _check_value(p: Parameter, op: Op, value: Any, where: str) -> Any:
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
    all_ = tuple(_condition(c, params, f"{where}.all[{i}]") for i, c in enumerate(raw.get("all") or ()))
    any_ = tuple(_condition(c, params, f"{where}.any[{i}]") for i, c in enumerate(raw.get("any") or ()))
    if not all_ and not any_:
        raise Invalid(where, "conditions", f"{where} has no conditions; use default_level instead")
    return LevelRule(level, all_, any_)


def matter_from_dict(
    raw: Mapping[str, Any],
    *,
    department_types: Mapping[str, Iterable[str]] | None = None,
    where: str = "matter",
) -> Matter:
    """Build and check one matter. `department_types` maps a type code to the levels it exists at."""
    if not isinstance(raw, Mapping):
        raise Invalid(where, "mapping")
    code = _text(raw, "code", where)
    if not code.isascii() or not code.replace("_", "").replace("-", "").isalnum():
        raise Invalid(f"{where}.code", "ascii_code", f"{where}.code {code!r} must be ASCII letters/digits")
    where = f"{where}({code})"
    parameters = tuple(_parameter(p, f"{where}.parameters[{i}]") for i, p in enumerate(raw.get("parameters") or ()))
    by_code: dict[str, Parameter] = {}
    for i, p in enumerate(parameters):
        if p.code in by_code:
            raise Invalid(f"{where}.parameters[{i}].code", "unique", f"{where}: parameter {p.code} twice")
        by_code[p.code] = p
    rules = tuple(_rule(r, by_code, f"{where}.level_rules[{i}]") for i, r in enumerate(raw.get("level_rules") or ()))
    default_level = _enum(Level, raw.get("default_level", "grid"), f"{where}.default_level", "level")
    raw_depts = raw.get("departments")
    if not isinstance(raw_depts, Mapping) or not raw_depts:
        raise MissingField(f"{where}.departments")
    departments = {
        _enum(Level, lvl, f"{where}.departments.{lvl}", "level"): str(dept) for lvl, dept in raw_depts.items()
    }
    for lvl in {default_level, *(r.level for r in rules)}:
        if lvl not in departments:
            raise Invalid(
                f"{where}.departments.{lvl}", "required", f"{where} can land at {lvl} but names no department"
            )
    if department_types is not None:
        for lvl, dept in departments.items():
            if dept not in department_types:
                raise Invalid(
                    f"{where}.departments.{lvl}",
                    "unknown_department_type",
                    f"{where}: no department type {dept!r}",
                )
            if lvl.value not in set(department_types[dept]):
                raise Invalid(
                    f"{where}.departments.{lvl}",
                    "department_level",
                    f"{where}: {dept} does not exist at {lvl}",
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
        parameters=parameters,
        level_rules=rules,
        disposal_by_nature=by_nature,
        grid_list=bool(raw.get("grid_list", False)),
    )


def catalog_from_dict(
    raw: Mapping[str, Any], *, department_types: Mapping[str, Iterable[str]] | None = None
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
        (matter_from_dict(m, department_types=department_types, where=f"matters[{i}]") for i, m in enumerate(matters)),
    )


def _deadline_dict(d: Deadline) -> dict[str, Any]:
    return {"value": int(d.value) if d.value == int(d.value) else d.value, "unit": d.unit.value}


def _condition_dict(c: Condition) -> dict[str, Any]:
    return {"param": c.param, c.op.value: list(c.value) if c.op is Op.IN else c.value}


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
    rules = []
    for r in m.level_rules:
        rule: dict[str, Any] = {"level": r.level.value}
        if r.all:
            rule["all"] = [_condition_dict(c) for c in r.all]
        if r.any:
            rule["any"] = [_condition_dict(c) for c in r.any]
        rules.append(rule)
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
    return out


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    return {"version": catalog.version, "matters": [matter_to_dict(m) for m in catalog]}
