"""Request and response shapes of the catalog and classification API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gridbrain.catalog.building import matter_to_dict
from gridbrain.catalog.model import CoDepartment, Decision, Matter
from gridbrain.catalog.model import DepartmentRef as DepartmentRefModel
from gridbrain.catalog.reading import Classification, Problem, Reading


class DeadlinePublic(BaseModel):
    value: float
    unit: str = Field(description="working_hours | working_days | hours | days")


class CoDepartmentBody(BaseModel):
    department: str = Field(description="department type code")
    role: str = Field(description="配合 | 属地 | 监管")


class ResponsibilityBody(BaseModel):
    """主责 and 配合: the responsible department type, the co-operating ones, rules on parameters."""

    lead: str = Field(description="department type code of the responsible department (主责)")
    co: list[CoDepartmentBody] = []
    rules: list[dict[str, Any]] = Field(default=[], description="{lead, all|any: conditions}; first match wins")
    note: str | None = Field(None, description="the rule in words; required with rules")


class MatterBody(BaseModel):
    """A matter as an admin writes it; the same shape as an entry of matters.yaml."""

    name: str = Field(min_length=1, max_length=64)
    class_path: list[str] = Field(min_length=1)
    examples: list[str] = []
    natures: list[str] = Field(default=[], description="求决 | 投诉 | 咨询 | 建议 | 举报 | 感谢")
    parameters: list[dict[str, Any]] = []
    level_rules: list[dict[str, Any]] = Field(
        default=[], description="first match wins; operators eq ne gt ge lt le in"
    )
    default_level: str = "grid"
    departments: dict[str, str] = Field(description="level → department type code")
    response: DeadlinePublic
    disposal: DeadlinePublic
    disposal_by_nature: dict[str, DeadlinePublic] = {}
    grid_list: bool = False
    responsibility: ResponsibilityBody | None = None
    handling: str | None = Field(None, description="answer | thank | forward: met without a work order")
    note: str | None = Field(None, description="why the catalog changes (kept with the new version)")


class MatterSummary(BaseModel):
    code: str
    name: str
    class_path: list[str]
    default_level: str
    grid_list: bool

    @classmethod
    def of(cls, m: Matter) -> MatterSummary:
        return cls(
            code=m.code,
            name=m.name,
            class_path=list(m.class_path),
            default_level=m.default_level.value,
            grid_list=m.grid_list,
        )


class MatterPublic(BaseModel):
    code: str
    name: str
    class_path: list[str]
    examples: list[str]
    natures: list[str]
    parameters: list[dict[str, Any]]
    level_rules: list[dict[str, Any]]
    default_level: str
    departments: dict[str, str]
    response: DeadlinePublic
    disposal: DeadlinePublic
    disposal_by_nature: dict[str, DeadlinePublic] = {}
    grid_list: bool
    responsibility: ResponsibilityBody | None = None
    handling: str | None = None
    catalog_version: str

    @classmethod
    def of(cls, m: Matter, version: str) -> MatterPublic:
        return cls(**matter_to_dict(m), catalog_version=version)


class CatalogPublic(BaseModel):
    version: str
    count: int
    matters: list[MatterSummary]


class VersionPublic(BaseModel):
    version: str
    based_on: str | None
    matters: int
    note: str | None
    created_by: str
    created_at: datetime
    active: bool


class CatalogDocument(BaseModel):
    """A whole catalog: {version, matters: [...]} as in matters.yaml."""

    version: str = Field(min_length=1, max_length=40)
    matters: list[dict[str, Any]]
    note: str | None = None


class DecideBody(BaseModel):
    matter_code: str
    parameters: dict[str, Any] = {}


class DepartmentRef(BaseModel):
    code: str = Field(description="department type code (the concrete department follows from the place)")
    name: str

    @classmethod
    def of(cls, d: DepartmentRefModel) -> DepartmentRef:
        return cls(code=d.code, name=d.name)


class CoDepartmentPublic(BaseModel):
    code: str
    name: str
    role: str = Field(description="配合 | 属地 | 监管")

    @classmethod
    def of(cls, c: CoDepartment) -> CoDepartmentPublic:
        return cls(code=c.code, name=c.name, role=c.role.value)


class DecisionPublic(BaseModel):
    matter_code: str
    matter_name: str
    level: str
    department_type: str = Field(description="the handler at the decided level")
    responsible_department: DepartmentRef = Field(description="the department responsible for the matter (主责)")
    co_departments: list[CoDepartmentPublic] = Field(description="co-operating departments (配合)")
    responsibility_note: str | None = None
    parameters: dict[str, Any]
    response: DeadlinePublic
    disposal: DeadlinePublic
    grid_list: bool

    @classmethod
    def of(cls, m: Matter, d: Decision) -> DecisionPublic:
        return cls(
            matter_code=m.code,
            matter_name=m.name,
            level=d.level.value,
            department_type=d.department_type,
            responsible_department=DepartmentRef.of(d.responsible_department),
            co_departments=[CoDepartmentPublic.of(c) for c in d.co_departments],
            responsibility_note=d.responsibility_note,
            parameters=dict(d.parameters),
            response=DeadlinePublic(value=m.response.value, unit=m.response.unit.value),
            disposal=DeadlinePublic(value=m.disposal.value, unit=m.disposal.unit.value),
            grid_list=m.grid_list,
        )


class ClassifyBody(BaseModel):
    text: str = Field(min_length=1, max_length=4000)
    k: int = Field(3, ge=1, le=20)


class MatterRef(BaseModel):
    code: str
    name: str
    class_path: list[str]


class Assignment(BaseModel):
    """One reading of a text: the matter, who handles it at which level, who answers for it (定性定责)."""

    matter: MatterRef
    department: DepartmentRef = Field(description="the handler at the decided level")
    level: str
    responsible_department: DepartmentRef = Field(description="the department responsible for the matter (主责)")
    co_departments: list[CoDepartmentPublic] = Field(description="co-operating departments (配合)")
    confidence: float
    nature: str = Field(
        description="the request's nature as its words say it (求决 | 投诉 | 咨询 | 建议 | 举报 | 感谢)"
    )

    @classmethod
    def of(cls, r: Reading, names: dict[str, str]) -> Assignment:
        m, d = r.matter, r.decision
        return cls(
            matter=MatterRef(code=m.code, name=m.name, class_path=list(m.class_path)),
            department=DepartmentRef(code=d.department_type, name=names.get(d.department_type, "")),
            level=d.level.value,
            responsible_department=DepartmentRef.of(d.responsible_department),
            co_departments=[CoDepartmentPublic.of(c) for c in d.co_departments],
            confidence=r.confidence,
            nature=r.nature.value,
        )


class ProblemPublic(BaseModel):
    """One of several problems of one text, with its own matter and departments."""

    lead: bool = Field(description="the problem the report is filed under (牵头)")
    excerpt: str
    reading: Assignment

    @classmethod
    def of(cls, p: Problem, names: dict[str, str]) -> ProblemPublic:
        return cls(lead=p.lead, excerpt=p.excerpt, reading=Assignment.of(p.reading, names))


class ClassifyPublic(Assignment):
    alternatives: list[Assignment] = Field(description="the next best readings, best first")
    needs_triage: bool = Field(description="confidence below the threshold: a person chooses (人工分拣)")
    threshold: float
    problems: list[ProblemPublic] = Field(description="each matter the text raises, the lead first")
    out_of_catalog: str | None = Field(
        None, description="清单外: 咨询 | 表扬感谢 | 非本级事项 (None: a catalog matter)"
    )
    handling: str = Field(description="route | triage | answer | thank | forward; only route reaches a work queue")
    catalog_version: str

    @classmethod
    def of_classification(
        cls, c: Classification, names: dict[str, str], threshold: float, version: str
    ) -> ClassifyPublic:
        best, *rest = (Assignment.of(r, names) for r in c.readings)
        return cls(
            **best.model_dump(),
            alternatives=rest,
            needs_triage=c.needs_triage,
            threshold=threshold,
            problems=[ProblemPublic.of(p, names) for p in c.problems],
            out_of_catalog=c.out_of_catalog.value if c.out_of_catalog else None,
            handling=c.handling.value,
            catalog_version=version,
        )


ClassifyResult = ClassifyPublic  # the earlier name
