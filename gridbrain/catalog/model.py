"""The matter catalog (事项清单) and classify-and-assign (定性定责). Pure: no storage, no files.

A matter says what a report is about, which parameters to ask, and — through ordered, structured
level rules — which level handles it (网格 / 社区 / 街道 / 区) and which kind of department acts
there. Choosing the matter and its parameters decides nature and responsibility at once, so
`decide` must be deterministic and never evaluate code taken from data.

Beside the handler at the decided level, every matter names the department type responsible for
it (主责) and the ones that co-operate (配合, 属地, 监管), with rules where the lead depends on a
parameter (a pipe inside a compound is the property manager's, on public land the water company's).
Building matters from plain data (YAML, JSON bodies) lives in `building.py`.
"""

from __future__ import annotations

import re
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


class CoRole(StrEnum):
    """How a co-operating department takes part (配合部门的角色)."""

    COOPERATE = "配合"
    TERRITORIAL = "属地"  # the street / community where it happens (属地管理)
    SUPERVISE = "监管"  # the regulator of the trade or the site (行业监管)


class Handling(StrEnum):
    """Where a report goes (处置方式)."""

    ROUTE = "route"  # to the responsible department's work queue
    TRIAGE = "triage"  # a person chooses the matter (人工分拣)
    ANSWER = "answer"  # a consultation answered, no department queue
    THANK = "thank"  # praise recorded and thanked
    FORWARD = "forward"  # forwarded to the level of government it belongs to


class TimeUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"
    HOURS = "hours"
    DAYS = "days"


_TRUE = {"true", "1", "yes", "y", "是", "有"}
_FALSE = {"false", "0", "no", "n", "否", "无"}
TEXT_MAX = 500
# A catalog version name: letters, digits and . _ + - (e.g. 2026.11.1, 2026.11.1+2), at most 40.
VERSION_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._+-]{0,39}")


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
        return _all_and_any(self.all, self.any, params)


def _all_and_any(all_: Sequence[Condition], any_: Sequence[Condition], params: Mapping[str, Any]) -> bool:
    if not all(c.holds(params) for c in all_):
        return False
    return not any_ or any(c.holds(params) for c in any_)


@dataclass(frozen=True)
class DepartmentRef:
    """A kind of department (department type code and its name, e.g. water_supply 供水)."""

    code: str
    name: str


@dataclass(frozen=True)
class CoDepartment:
    """A department that co-operates on a matter, and how (配合部门)."""

    code: str
    name: str
    role: CoRole


@dataclass(frozen=True)
class LeadRule:
    """The lead is `lead` when every `all` condition holds and, if `any` is given, one of them does."""

    lead: DepartmentRef
    all: tuple[Condition, ...] = ()
    any: tuple[Condition, ...] = ()

    def matches(self, params: Mapping[str, Any]) -> bool:
        return _all_and_any(self.all, self.any, params)


@dataclass(frozen=True)
class Responsibility:
    """Who answers for a matter (主责) and who co-operates (配合), whatever the handling level."""

    lead: DepartmentRef
    co: tuple[CoDepartment, ...] = ()
    rules: tuple[LeadRule, ...] = ()
    note: str | None = None

    def resolve(self, params: Mapping[str, Any]) -> tuple[DepartmentRef, tuple[CoDepartment, ...]]:
        """The lead for these parameters (first matching rule, else the default lead) and the
        co-operating departments; a default lead displaced by a rule co-operates (配合)."""
        for rule in self.rules:
            if rule.matches(params):
                co = [CoDepartment(self.lead.code, self.lead.name, CoRole.COOPERATE)]
                co += [c for c in self.co if c.code != rule.lead.code]
                return rule.lead, tuple(co)
        return self.lead, self.co


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
    responsibility: Responsibility | None = None
    handling: Handling | None = None  # answer / thank / forward: never a department's work queue

    @property
    def responsible(self) -> Responsibility:
        """The matter's responsibility; without one, the department of its highest level leads."""
        if self.responsibility is not None:
            return self.responsibility
        top = max(self.departments, key=lambda lvl: lvl.rank)
        return Responsibility(DepartmentRef(self.departments[top], self.departments[top]))

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
    """The outcome of 定性定责: who handles the event at which level (`department_type`, `level`)
    and who answers for the matter (`responsible_department`, 主责) with its co-operating
    departments (`co_departments`, 配合). Intake copies these fields into its answer."""

    matter_code: str
    level: Level
    department_type: str
    parameters: Mapping[str, Any]
    responsible_department: DepartmentRef
    co_departments: tuple[CoDepartment, ...] = ()
    responsibility_note: str | None = None


class Catalog:
    """A versioned set of matters, looked up by code."""

    def __init__(self, version: str, matters: Iterable[Matter]) -> None:
        if not str(version).strip():
            raise MissingField("version")
        if not VERSION_NAME.fullmatch(str(version)):
            raise Invalid("version", "version_name", "a version is 1-40 letters, digits and . _ + - (e.g. 2026.11.1)")
        self.version = str(version)
        self._by_code: dict[str, Matter] = {}
        for i, m in enumerate(matters):
            if m.code in self._by_code:
                raise Invalid(f"matters[{i}].code", "unique", f"duplicate matter code {m.code}")
            self._by_code[m.code] = m
        if not self._by_code:
            raise Invalid("matters", "not_empty", "a catalog holds at least one matter")

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
    """定性定责 for a reporter who chose the matter: level, handler and responsible departments."""
    clean = validate_parameters(matter, params)
    level = dispatch_level(matter, clean)
    responsibility = matter.responsible
    lead, co = responsibility.resolve(clean)
    return Decision(matter.code, level, matter.departments[level], clean, lead, co, responsibility.note)


_BUILDING = frozenset({"matter_from_dict", "catalog_from_dict", "matter_to_dict", "catalog_to_dict"})


def __getattr__(name: str) -> Any:
    """The builders moved to `building.py`; callers that import them from here still get them."""
    if name in _BUILDING:
        from gridbrain.catalog import building

        return getattr(building, name)
    raise AttributeError(name)
