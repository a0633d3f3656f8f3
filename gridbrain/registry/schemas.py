"""Request and response shapes of the governance library API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridbrain.core import masking
from gridbrain.core.auth import Actor
from gridbrain.registry.importer import ImportResult
from gridbrain.registry.model import TaskStatus
from gridbrain.registry.reads import RecordView, masked
from gridbrain.registry.verification import TaskView


class RecordMeta(BaseModel):
    source: str
    updated_at: datetime
    updated_by: str | None
    verified_at: datetime | None
    as_of: datetime | None = Field(None, description="the moment asked for, when the record is shown as it was")


class PersonPublic(RecordMeta):
    id_number: str
    name: str
    sex: str
    birth_date: date | None = Field(description="null where the ID number is masked: it would give the digits back")
    phone: str | None = None
    registered_address: str | None = None
    residence_address: str | None = None
    residence_address_code: str | None = None
    address_match: str | None = None
    grid_code: str | None = None
    tags: list[str] | None = None

    @classmethod
    def of(cls, actor: Actor, view: RecordView) -> PersonPublic:
        return cls(**_meta(view), **_fields(cls, masked(actor, asdict(view.record))))


class PersonLookup(BaseModel):
    id_number: str = Field(min_length=15, max_length=18, description="公民身份号码")
    as_of: str | None = Field(None, description="the record as it was on this date (YYYY-MM-DD) or time")


class PersonalDataReadPublic(BaseModel):
    """One read of whole personal data: who, what, when, why."""

    at: datetime
    actor: str
    actor_role: str | None
    kind: str
    keys: list[str] = Field(description="the records read (the first 200 of a list)")
    count: int
    purpose: str
    route: str


class EnterprisePublic(RecordMeta):
    uscc: str
    name: str
    legal_representative: str | None = None
    registered_address: str | None = None
    operating_address: str | None = None
    operating_address_code: str | None = None
    address_match: str | None = None
    grid_code: str | None = None
    industry: str | None = None
    status: str | None = None
    tax_location: str | None = None
    established_on: date | None = None

    @classmethod
    def of(cls, actor: Actor, view: RecordView) -> EnterprisePublic:
        return cls(**_meta(view), **_fields(cls, asdict(view.record)))


class HousePublic(RecordMeta):
    address_code: str
    address: str | None = None
    use: str | None = None
    occupancy: str | None = None
    owner_id_number: str | None = None
    residents: int | None = None
    grid_code: str | None = None

    @classmethod
    def of(cls, actor: Actor, view: RecordView) -> HousePublic:
        return cls(**_meta(view), **_fields(cls, masked(actor, asdict(view.record))))


def _fields(cls: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields the public shape names leave (tuples as lists, an empty one as not given)."""
    return {k: (list(v) or None if isinstance(v, tuple) else v) for k, v in values.items() if k in cls.model_fields}


def _meta(view: RecordView) -> dict[str, Any]:
    return {
        "source": view.source,
        "updated_at": view.updated_at,
        "updated_by": view.updated_by,
        "verified_at": view.verified_at,
        "as_of": view.as_of,
    }


class VersionPublic(BaseModel):
    valid_from: datetime
    valid_to: datetime
    source: str
    written_by: str | None
    replaced_by_source: str
    replaced_by: str | None
    changed_fields: list[str]
    data: dict[str, Any] = Field(description="the values then held (ID numbers and phones masked as the role may see)")

    @classmethod
    def of(cls, actor: Actor, version: Mapping[str, Any]) -> VersionPublic:
        fields = {k: version[k] for k in cls.model_fields if k != "data"}
        return cls(**fields, data=masked(actor, dict(version["data"])))


class ImportRunPublic(BaseModel):
    """An import run and its counts so far (updated after every committed batch)."""

    id: str
    kind: str
    filename: str
    format: str
    source: str
    actor: str
    area_code: str | None
    started_at: datetime
    finished_at: datetime | None
    status: str = Field(description="running | done | failed")
    read: int
    accepted: int
    fixed: int
    quarantined: int
    changed: int
    fix_counts: dict[str, int] | None


class GeneratedPublic(BaseModel):
    created: int = Field(description="verification tasks created")


class RelationPublic(BaseModel):
    kind: str = Field(description="lives_in | works_at | operates_at | owns")
    subject_kind: str
    subject_key: str = Field(description="an ID number is masked as the role may see it")
    object_kind: str
    object_key: str
    since: date | None = None
    until: date | None = None
    source: str | None = None

    @classmethod
    def of(cls, actor: Actor, relation: Mapping[str, Any]) -> RelationPublic:
        values = {k: relation.get(k) for k in cls.model_fields}
        for side in ("subject", "object"):
            if values[f"{side}_kind"] == "person":
                values[f"{side}_key"] = masking.id_number_for(actor, values[f"{side}_key"])
        return cls(**values)


class LayerPublic(BaseModel):
    code: str
    name: str = Field(description="the layer's Chinese name")


class PointPublic(BaseModel):
    type: Literal["Point"] = "Point"
    coordinates: tuple[float, float] = Field(description="[lng, lat], WGS-84")


class PlacePropertiesPublic(BaseModel):
    """A place's properties; the source's own attributes follow as further keys."""

    model_config = ConfigDict(extra="allow")

    name: str
    layer: str
    layer_name: str
    address: str | None
    address_code: str | None
    grid_code: str | None
    uscc: str | None


class PlaceFeaturePublic(BaseModel):
    type: Literal["Feature"] = "Feature"
    id: str
    geometry: PointPublic | None
    properties: PlacePropertiesPublic


class LayerCollectionPublic(BaseModel):
    """One layer's places as a GeoJSON FeatureCollection (RFC 7946; `name` is a common extension)."""

    type: Literal["FeatureCollection"] = "FeatureCollection"
    name: str
    features: list[PlaceFeaturePublic]


class ImportPublic(BaseModel):
    run_id: str
    kind: str
    read: int
    accepted: int
    fixed: int
    quarantined: int
    new: int
    changed: int
    address_matcher: bool = Field(description="false: no address library installed, addresses kept as text")
    fix_counts: dict[str, int]
    reason_counts: dict[str, int]

    @classmethod
    def of(cls, r: ImportResult) -> ImportPublic:
        return cls(
            run_id=r.run_id, kind=r.kind, read=r.read, accepted=r.accepted, fixed=r.fixed,
            quarantined=r.quarantined, new=r.new, changed=r.changed, address_matcher=r.matcher,
            fix_counts=dict(r.fix_counts), reason_counts=dict(r.reason_counts),
        )  # fmt: skip


class Reason(BaseModel):
    field: str
    rule: str


class QuarantinePublic(BaseModel):
    id: str
    run_id: str | None
    kind: str
    row_number: int | None
    record_key: str | None
    raw: dict[str, Any]
    reasons: list[Reason]
    source: str
    status: str
    created_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None

    @classmethod
    def of(cls, actor: Actor, item: dict[str, Any]) -> QuarantinePublic:
        raw = masked(actor, item["raw"])
        key = item["record_key"]
        if key and item["kind"] == "person":
            key = masked(actor, {"id_number": key})["id_number"]
        return cls(**{**item, "raw": raw, "record_key": key})


class QuarantinePage(BaseModel):
    total: int
    items: list[QuarantinePublic]


class FixBody(BaseModel):
    values: dict[str, Any] = Field(description="corrected fields, by field name (id_number, name, phone ...)")
    note: str | None = Field(None, max_length=200)


class NoteBody(BaseModel):
    note: str | None = Field(None, max_length=200)


class RejectBody(BaseModel):
    reason: str = Field(min_length=1, max_length=200)


class TaskPublic(BaseModel):
    id: str
    kind: str
    record_key: str
    grid_code: str
    reason: str
    detail: str | None
    status: str
    due_on: date
    created_at: datetime
    answered_at: datetime | None = None
    answered_by: str | None = None
    changed_fields: list[str] | None = None
    held: dict[str, Any] | None = Field(None, description="what is held of the record (masked as the role may see it)")

    @classmethod
    def of(cls, view: TaskView) -> TaskPublic:
        t = view.task
        return cls(
            id=t.id, kind=t.kind, record_key=t.record_key, grid_code=t.grid_code, reason=t.reason.value,
            detail=t.detail, status=t.status.value, due_on=t.due_on, created_at=t.created_at,
            answered_at=t.answered_at, answered_by=t.answered_by,
            changed_fields=list(t.changed_fields) if t.status is not TaskStatus.OPEN else None, held=view.held,
        )  # fmt: skip


class GenerateBody(BaseModel):
    area: str | None = None
    kind: str = "person"
    every_days: int = Field(180, ge=1, le=3650)


class AnswerBody(BaseModel):
    changes: dict[str, Any] = Field(default_factory=dict, description="only the fields that changed; empty = confirm")


class CoverageRow(BaseModel):
    grid_code: str
    kind: str
    total: int
    verified: int
    coverage: float


Param = str | int | float | bool


class CellMapping(BaseModel):
    query: str
    params: dict[str, Param] | None = None


class TableMapping(BaseModel):
    start: str = Field(description="the block's first cell, e.g. A7")
    query: str
    sheet: str | None = None
    params: dict[str, Param] | None = None
    columns: list[str] | None = None
    total_label: str | None = None
    overflow: Literal["insert", "refuse"] = "insert"


class TemplateMapping(BaseModel):
    """Cells and row blocks of a template, each filled by a named query (see the README)."""

    cells: dict[str, CellMapping] = Field(default_factory=dict)
    tables: list[TableMapping] = Field(default_factory=list)


class TemplatePublic(BaseModel):
    code: str
    name: str
    department: str | None
    mapping: TemplateMapping | None = None


class LinkBody(BaseModel):
    kind: str = Field(description="lives_in | works_at | operates_at | owns")
    subject_kind: str
    subject_key: str = Field(min_length=1, max_length=40)
    object_kind: str
    object_key: str = Field(min_length=1, max_length=40)
    since: date | None = None
