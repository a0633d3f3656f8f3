"""HTTP API of the matter catalog (事项清单) and of classify-and-assign (定性定责)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from gridbrain.catalog import service
from gridbrain.catalog.classifier import DEFAULT_THRESHOLD
from gridbrain.catalog.loader import department_names
from gridbrain.catalog.schemas import (
    CatalogDocument,
    CatalogPublic,
    ClassifyBody,
    ClassifyPublic,
    DecideBody,
    DecisionPublic,
    MatterBody,
    MatterPublic,
    MatterSummary,
    VersionPublic,
)
from gridbrain.core.auth import Actor
from gridbrain.core.errors import NotFound
from gridbrain.core.web import CurrentUser, UowDep, for_clients, require_role

router = APIRouter(prefix="/api/v1", tags=["catalog"])
AdminUser = Annotated[Actor, require_role()]  # admin only: require_role lets admin through


@router.get("/catalog", response_model=CatalogPublic)
@for_clients
def get_catalog(
    user: CurrentUser,
    uow: UowDep,
    grid_list: Annotated[
        bool | None, Query(description="only matters in (true) or outside (false) the grid list")
    ] = None,
) -> CatalogPublic:
    """The active catalog: version and a summary of every matter."""
    catalog = service.active_catalog(uow)
    matters = [m for m in catalog if grid_list is None or m.grid_list == grid_list]
    return CatalogPublic(version=catalog.version, count=len(matters), matters=[MatterSummary.of(m) for m in matters])


@router.get("/catalog/matters/{code}", response_model=MatterPublic)
def get_matter(code: str, user: CurrentUser, uow: UowDep) -> MatterPublic:
    """One matter with its parameters, level rules, departments and deadlines."""
    catalog = service.active_catalog(uow)
    return MatterPublic.of(catalog.get(code), catalog.version)


@router.put("/catalog/matters/{code}", response_model=MatterPublic)
def put_matter(code: str, body: MatterBody, user: AdminUser, uow: UowDep) -> MatterPublic:
    """Add or change a matter (admin); publishes a new catalog version."""
    data = body.model_dump(exclude={"note"})
    matter = service.put_matter(uow, user, code, data, note=body.note)
    return MatterPublic.of(matter, service.active_catalog(uow).version)


@router.delete("/catalog/matters/{code}", response_model=VersionPublic)
def delete_matter(code: str, user: AdminUser, uow: UowDep) -> VersionPublic:
    """Retire a matter (admin); publishes a new catalog version without it."""
    service.remove_matter(uow, user, code)
    return VersionPublic(**service.list_versions(uow)[0].__dict__)


@router.get("/catalog/versions", response_model=list[VersionPublic])
def list_versions(user: CurrentUser, uow: UowDep) -> list[VersionPublic]:
    """Published versions, newest first (empty while the shipped catalog is in force)."""
    return [VersionPublic(**v.__dict__) for v in service.list_versions(uow)]


@router.post("/catalog/versions", response_model=VersionPublic, status_code=201)
def publish_version(body: CatalogDocument, user: AdminUser, uow: UowDep) -> VersionPublic:
    """Publish a whole catalog as a new active version (admin), e.g. a district's own."""
    service.publish(uow, user, {"version": body.version, "matters": body.matters}, note=body.note)
    return VersionPublic(**service.list_versions(uow)[0].__dict__)


@router.post("/catalog/versions/{version}/activate", response_model=CatalogPublic)
def activate_version(version: str, user: AdminUser, uow: UowDep) -> CatalogPublic:
    """Make an earlier version active again (admin)."""
    catalog = service.activate(uow, user, version)
    return CatalogPublic(version=catalog.version, count=len(catalog), matters=[MatterSummary.of(m) for m in catalog])


@router.post("/catalog/decide", response_model=DecisionPublic)
def decide(body: DecideBody, user: CurrentUser, uow: UowDep) -> DecisionPublic:
    """定性定责 for a chosen matter and parameters: handling level, department type, deadlines."""
    matter, decision = service.decide_matter(uow, body.matter_code, body.parameters)
    return DecisionPublic.of(matter, decision)


@router.post("/classify", response_model=ClassifyPublic)
@for_clients
def classify(body: ClassifyBody, user: CurrentUser, uow: UowDep) -> ClassifyPublic:
    """The best matter for a report text: the handler at its level, the responsible and
    co-operating departments, the next best readings, each problem the text raises (one lead),
    `needs_triage` below the threshold, and texts outside the catalog (清单外) with their handling."""
    found = service.classification(uow, body.text, k=body.k, threshold=DEFAULT_THRESHOLD)
    if not found.readings:
        raise NotFound("no matter of the catalog fits this text")
    version = service.active_catalog(uow).version
    return ClassifyPublic.of_classification(found, department_names(), DEFAULT_THRESHOLD, version)
