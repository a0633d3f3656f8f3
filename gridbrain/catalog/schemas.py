"""Request and response shapes of the catalog and classification API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from gridbrain.catalog.model import Decision, Matter, matter_to_dict


class DeadlinePublic(BaseModel):
    value: float
    unit: str = Field(description="working_hours | working_days | hours | days")


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


class DecisionPublic(BaseModel):
    matter_code: str
    matter_name: str
    level: str
    department_type: str
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


class DepartmentRef(BaseModel):
    code: str = Field(description="department type code (the concrete department follows from the place)")
    name: str


class Assignment(BaseModel):
    """One reading of a text: the matter, and who handles it at which level (定性定责)."""

    matter: MatterRef
    department: DepartmentRef
    level: str
    confidence: float
    nature: str = Field(
        description="the request's nature as its words say it (求决 | 投诉 | 咨询 | 建议 | 举报 | 感谢)"
    )


class ClassifyResult(Assignment):
    alternatives: list[Assignment] = Field(description="the next best readings, best first")
    needs_triage: bool = Field(description="confidence below the threshold: a person chooses (人工分拣)")
    threshold: float
    catalog_version: str
