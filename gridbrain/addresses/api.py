"""HTTP API of the standard address library."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Query

from gridbrain.addresses import service
from gridbrain.addresses.schemas import (
    AddressDetail,
    AddressPublic,
    BatchMatchPublic,
    BatchMatchRequest,
    ImportPublic,
    MatchPublic,
    MatchRequest,
    NearbyPublic,
    ReversePublic,
)
from gridbrain.areas.model import Crs
from gridbrain.core.auth import Role
from gridbrain.core.errors import Invalid
from gridbrain.core.web import CurrentUser, UowDep, for_clients, require_role

router = APIRouter(prefix="/api/v1", tags=["addresses"])


@router.post("/addresses/match", response_model=MatchPublic)
@for_clients
def match_address(body: MatchRequest, user: CurrentUser, uow: UowDep) -> MatchPublic:
    """The standard address a free text stands for (unresolved, with candidates, when unsure)."""
    return MatchPublic.of(service.match(uow, user, body.text))


@router.post("/addresses/match/batch", response_model=BatchMatchPublic)
def match_addresses(body: BatchMatchRequest, user: CurrentUser, uow: UowDep) -> BatchMatchPublic:
    """Match up to 1,000 texts in one call, answers in the same order."""
    return BatchMatchPublic(results=[MatchPublic.of(r) for r in service.match_batch(uow, user, body.texts)])


@router.get("/addresses", response_model=list[AddressPublic])
def list_addresses(
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str | None, Query(description="only inside this area code")] = None,
    q: Annotated[str | None, Query(max_length=100, description="text the address contains")] = None,
    level: Annotated[str | None, Query(description="road, door, compound, building, unit or room")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_LIST)] = 50,
) -> list[AddressPublic]:
    """Standard addresses inside the user's area."""
    return [AddressPublic(**r) for r in service.list_addresses(uow, user, area=area, q=q, level=level, limit=limit)]


@router.get("/addresses/reverse", response_model=ReversePublic)
@for_clients
def reverse_address(
    user: CurrentUser,
    uow: UowDep,
    lat: Annotated[float, Query(ge=-90, le=90)],
    lng: Annotated[float, Query(ge=-180, le=180)],
    crs: Annotated[Crs, Query(description="coordinate system of lat/lng")] = Crs.WGS84,
    limit: Annotated[int, Query(ge=1, le=50)] = 5,
) -> ReversePublic:
    """From a point to its grid and the nearest standard addresses."""
    grid, near = service.reverse(uow, user, lat, lng, crs, limit)
    return ReversePublic(grid_code=grid, addresses=[NearbyPublic.of(n) for n in near])


@router.post("/addresses/import", response_model=ImportPublic, dependencies=[require_role(Role.DATA_STEWARD)])
def import_addresses(
    body: Annotated[bytes, Body(media_type="text/csv", description="the library CSV, UTF-8")],
    user: CurrentUser,
    uow: UowDep,
    skip_invalid: Annotated[bool, Query(description="import the valid rows when some are bad")] = False,
) -> ImportPublic:
    """Import a library CSV sent as the request body (text/csv, UTF-8); nothing on any error
    unless skip_invalid."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise Invalid("body", "UTF-8 CSV") from e
    report = service.import_text(uow, user, text, skip_invalid=skip_invalid)
    if report.error_count and not skip_invalid:
        first = report.errors[0]
        raise Invalid(
            first["field"],
            first["rule"],
            f"{report.error_count} problems, nothing imported; first at line "
            f"{first['line']}: {first['field']}: {first['rule']}",
        )
    return ImportPublic(**report.__dict__)


@router.get("/addresses/{code}", response_model=AddressDetail)
def get_address(code: str, user: CurrentUser, uow: UowDep) -> AddressDetail:
    """One standard address with its aliases."""
    return AddressDetail(**service.get_address(uow, user, code))
