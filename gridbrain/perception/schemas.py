"""Request and response shapes of the perception API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue

from gridbrain.perception.devices import Device


class DeviceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=32)
    kind: str
    name: str = Field(min_length=1, max_length=80)
    grid_code: str
    lat: float
    lng: float
    address: str | None = Field(default=None, max_length=200)
    address_code: str | None = Field(default=None, max_length=24)
    owner_department: str | None = Field(default=None, max_length=64)
    watched_person_id: str | None = Field(default=None, max_length=18, description="独居老人: the person watched over")
    faces_uscc: str | None = Field(default=None, max_length=18, description="a camera: the shop in front of it")
    installed_on: date | None = None


class DevicePublic(BaseModel):
    code: str
    kind: str
    kind_name: str
    name: str
    grid_code: str
    lat: float
    lng: float
    status: str
    address: str | None
    owner_department: str | None
    watched_person_id: str | None = Field(description="masked unless the role needs it")
    faces_uscc: str | None
    last_seen_at: datetime | None

    @classmethod
    def of(cls, d: Device) -> DevicePublic:
        return cls(**d.__dict__)


class DevicePage(BaseModel):
    total: int
    items: list[DevicePublic]


class ReadingsIn(BaseModel):
    """`{"readings": [{"device_id", "ts", "values": {measure: number}}, ...]}`; each item is
    admitted or rejected on its own (a malformed item is counted, not refused with the batch)."""

    readings: list[JsonValue] = Field(max_length=10_000)


class ItemPublic(BaseModel):
    index: int
    stored: bool
    reason: str | None = None
    detail: str | None = None


class ReadingsResult(BaseModel):
    stored: int
    rejected: dict[str, int]
    items: list[ItemPublic]


class RejectionCount(BaseModel):
    reason: str
    count: int
    last_at: datetime


class RejectionSample(BaseModel):
    reason: str
    at: datetime
    source: str
    device_id: str | None
    detail: str
    payload: str


class Rejections(BaseModel):
    counts: list[RejectionCount]
    samples: list[RejectionSample]


class StatPublic(BaseModel):
    n: int
    avg: float
    min: float
    max: float


class PointPublic(BaseModel):
    ts: datetime
    values: dict[str, float] = Field(default_factory=dict)
    stats: dict[str, StatPublic] = Field(default_factory=dict)


class Series(BaseModel):
    device_id: str
    step: str
    points: list[PointPublic]


class AlarmPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    device_code: str
    rule_code: str
    kind: str
    severity: str
    status: str
    grid_code: str
    lat: float
    lng: float
    message: str
    value: float | None
    repeats: int
    opened_at: datetime
    updated_at: datetime
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    cleared_by: str | None
    cleared_at: datetime | None
    note: str | None
    event_id: str | None
    recipient: str | None
    shop_uscc: str | None


class AlarmPage(BaseModel):
    total: int
    items: list[AlarmPublic]


class ClearBody(BaseModel):
    note: str = Field(min_length=1, max_length=300)


class DetectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    camera: str = Field(min_length=1, max_length=32)
    klass: str = Field(alias="class", description="garbage | street_vending | out_of_shop | illegal_parking | …")
    confidence: float
    snapshot_url: str | None = Field(default=None, max_length=500)
    detected_at: datetime | None = Field(default=None, description="ISO time; without an offset China time")


class DetectionResult(BaseModel):
    outcome: str = Field(description="ignored (below the threshold) | opened | merged")
    alarm_id: str | None
    event_id: str | None
    shop_uscc: str | None


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, JsonValue] = Field(description="the rule's fields to change: above, hold_readings, matter…")
    enabled: bool = True
    device_code: str | None = Field(default=None, description="only this device; without it the whole kind")


class RulePublic(BaseModel):
    code: str
    type: str
    severity: str
    matter: str | None
    enabled: bool
    params: dict[str, JsonValue]


class MeasurePublic(BaseModel):
    code: str
    name: str
    unit: str
    min: float
    max: float


class KindPublic(BaseModel):
    code: str
    name: str
    interval_s: int
    measures: list[MeasurePublic]
    rules: list[RulePublic]


class DeviceProperties(BaseModel):
    code: str
    kind: str
    name: str
    status: str = Field(description="online | offline")
    alarm: str | None = Field(description="the most severe open alarm's severity, if any")


class PointGeometry(BaseModel):
    type: str = "Point"
    coordinates: tuple[float, float]  # [lng, lat], WGS-84


class DeviceFeature(BaseModel):
    type: str = "Feature"
    geometry: PointGeometry
    properties: DeviceProperties


class DeviceLayer(BaseModel):
    """GeoJSON FeatureCollection of devices for the cockpit map (devices, alarms, offline)."""

    type: str = "FeatureCollection"
    features: list[DeviceFeature]
