"""Request and response shapes of the address API."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from gridbrain.addresses.model import Candidate, MatchResult
from gridbrain.addresses.service import Nearby


class MatchRequest(BaseModel):
    text: str = Field(min_length=1, max_length=500, description="an address as people write it")


class BatchMatchRequest(BaseModel):
    texts: list[str] = Field(min_length=1, max_length=1000)


class AddressRef(BaseModel):
    code: str
    text: str
    level: str


class CandidatePublic(BaseModel):
    address: AddressRef
    grid_code: str
    score: float

    @classmethod
    def of(cls, c: Candidate) -> CandidatePublic:
        return cls(address=AddressRef(code=c.code, text=c.text, level=c.level), grid_code=c.grid_code, score=c.score)


class MatchPublic(BaseModel):
    resolved: bool
    address: AddressRef | None
    grid_code: str | None
    lat: float | None
    lng: float | None
    h3: str | None
    score: float
    alternatives: list[CandidatePublic]

    @classmethod
    def of(cls, r: MatchResult) -> MatchPublic:
        address = AddressRef(code=r.code, text=r.text or "", level=r.level or "") if r.resolved and r.code else None
        return cls(
            resolved=r.resolved,
            address=address,
            grid_code=r.grid_code,
            lat=r.lat,
            lng=r.lng,
            h3=r.h3,
            score=r.score,
            alternatives=[CandidatePublic.of(c) for c in r.alternatives],
        )


class BatchMatchPublic(BaseModel):
    results: list[MatchPublic]


class AddressPublic(BaseModel):
    code: str
    parent_code: str | None
    level: str
    full_text: str
    road: str | None
    number: str | None
    compound: str | None
    building: str | None
    unit: str | None
    room: str | None
    grid_code: str
    lat: float
    lng: float
    h3_9: str | None
    h3_11: str | None


class AliasPublic(BaseModel):
    alias: str
    kind: str


class AddressDetail(AddressPublic):
    aliases: list[AliasPublic]


class NearbyPublic(BaseModel):
    code: str
    text: str
    level: str
    grid_code: str
    lat: float
    lng: float
    distance_m: float

    @classmethod
    def of(cls, n: Nearby) -> NearbyPublic:
        return cls(**n.__dict__)


class ReversePublic(BaseModel):
    grid_code: str | None
    addresses: list[NearbyPublic]


class ImportPublic(BaseModel):
    rows: int
    imported: int
    aliases: int
    error_count: int
    errors: list[dict[str, Any]]
