"""HTTP API of the governance library: records as of a date, import, quarantine, verification,
reports and map layers. Thin: parse, call a service, shape the answer."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

from fastapi import APIRouter, File, Form, Header, Query, UploadFile
from fastapi.responses import JSONResponse, Response

from gridbrain.core.auth import Actor, Role
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.core.web import CurrentUser, UowDep, require_role
from gridbrain.registry import (
    access_log,
    importer,
    layers,
    quarantine,
    reads,
    relations,
    reports,
    sources,
    templates,
    verification,
)
from gridbrain.registry.model import Kind, LinkRecords, RegisterTemplate
from gridbrain.registry.schemas import (
    AnswerBody,
    CoverageRow,
    EnterprisePublic,
    FixBody,
    GenerateBody,
    GeneratedPublic,
    HousePublic,
    ImportPublic,
    ImportRunPublic,
    LayerCollectionPublic,
    LayerPublic,
    LinkBody,
    NoteBody,
    PersonalDataReadPublic,
    PersonLookup,
    PersonPublic,
    QuarantinePage,
    QuarantinePublic,
    RejectBody,
    RelationPublic,
    TaskPublic,
    TemplatePublic,
    VersionPublic,
)

router = APIRouter(prefix="/api/v1", tags=["registry"])

Steward = require_role(Role.DATA_STEWARD)
GridWork = require_role(Role.GRID_WORKER, Role.DATA_STEWARD, Role.COMMUNITY_STAFF)
AsOf = Annotated[str | None, Query(description="show the record as it was on this date (YYYY-MM-DD) or time")]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# why whole personal data is read (入户核查, 回访...), percent-encoded as HTTP headers must be:
# kept in the read log the steward sees
Purpose = Annotated[str | None, Header(alias="X-Purpose", max_length=200)]


def _logged(
    uow: UnitOfWork,
    user: Actor,
    kind: str,
    keys: list[str],
    purpose: str | None,
    route: str,
    view: reads.RecordView | None = None,
) -> None:
    area = (view.values.get("grid_code") or view.values.get("area_code")) if view is not None else None
    if access_log.note(uow, user, kind, keys, unquote(purpose) if purpose else None, route, area):
        uow.commit()


# --- records -----------------------------------------------------------------------------------


@router.get("/people", response_model=list[PersonPublic])
def list_people(
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str | None, Query(description="only inside this area code")] = None,
    tag: Annotated[str | None, Query(description="only people with this tag, e.g. 独居老人")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
    purpose: Purpose = None,
) -> list[PersonPublic]:
    """People in the user's area (ID numbers and phones masked unless the role needs them; whole
    values are logged with the `X-Purpose` header)."""
    views = reads.list_people(uow, user, area=area, tag=tag, limit=limit, offset=offset)
    _logged(uow, user, "person", [v.key for v in views], purpose, "GET /people")
    return [PersonPublic.of(user, v) for v in views]


@router.get("/people/{id_number}", response_model=PersonPublic)
def get_person(
    id_number: str, user: CurrentUser, uow: UowDep, as_of: AsOf = None, purpose: Purpose = None
) -> PersonPublic:
    """A person by ID number, now or as of a date (404 outside the user's area). Prefer
    `POST /people/lookup`, which keeps the number out of the URL."""
    view = reads.get_record(uow, user, Kind.PERSON, id_number.strip().upper(), reads.parse_as_of(as_of))
    _logged(uow, user, "person", [view.key], purpose, "GET /people/{id_number}", view)
    return PersonPublic.of(user, view)


@router.post("/people/lookup", response_model=PersonPublic)
def lookup_person(body: PersonLookup, user: CurrentUser, uow: UowDep, purpose: Purpose = None) -> PersonPublic:
    """A person by ID number sent in the body, so that the number stays out of URLs and the logs
    of every proxy on the way (404 outside the user's area)."""
    view = reads.get_record(uow, user, Kind.PERSON, body.id_number.strip().upper(), reads.parse_as_of(body.as_of))
    _logged(uow, user, "person", [view.key], purpose, "POST /people/lookup", view)
    return PersonPublic.of(user, view)


@router.get("/personal-data/reads", response_model=list[PersonalDataReadPublic])
def personal_data_reads(
    user: Annotated[Actor, Steward],
    uow: UowDep,
    who: Annotated[str | None, Query(description="only this user's reads")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[PersonalDataReadPublic]:
    """Who read whole personal data of the steward's area, what, when and why (newest first)."""
    return [PersonalDataReadPublic.model_validate(e, from_attributes=True)
            for e in access_log.entries(uow, user, who=who, limit=limit)]  # fmt: skip


@router.get("/people/{id_number}/versions", response_model=list[VersionPublic])
def person_versions(id_number: str, user: Annotated[Actor, Steward], uow: UowDep) -> list[VersionPublic]:
    """The superseded versions of a person, newest first (data stewards)."""
    return [VersionPublic.of(user, v) for v in reads.versions(uow, user, Kind.PERSON, id_number.strip().upper())]


@router.get("/enterprises/{uscc}", response_model=EnterprisePublic)
def get_enterprise(uscc: str, user: CurrentUser, uow: UowDep, as_of: AsOf = None) -> EnterprisePublic:
    """An enterprise by unified social credit code, now or as of a date."""
    view = reads.get_record(uow, user, Kind.ENTERPRISE, uscc.strip().upper(), reads.parse_as_of(as_of))
    return EnterprisePublic.of(user, view)


@router.get("/houses/{address_code}", response_model=HousePublic)
def get_house(
    address_code: str, user: CurrentUser, uow: UowDep, as_of: AsOf = None, purpose: Purpose = None
) -> HousePublic:
    """A house by standard address code, now or as of a date (its owner's ID number masked unless
    the role needs it; whole, the read is logged)."""
    view = reads.get_record(uow, user, Kind.HOUSE, address_code, reads.parse_as_of(as_of))
    owner = view.values.get("owner_id_number")
    _logged(uow, user, "person", [owner] if owner else [], purpose, "GET /houses/{address_code}", view)
    return HousePublic.of(user, view)


@router.get("/relations/{kind}/{key}", response_model=list[RelationPublic])
def list_relations(
    kind: str, key: str, user: CurrentUser, uow: UowDep, purpose: Purpose = None
) -> list[RelationPublic]:
    """Every relation of a record (lives in, works at, operates at, owns), stated or derived."""
    found = relations.related(uow, user, kind, key)
    people_named = [r[f"{side}_key"] for r in found for side in ("subject", "object") if r[f"{side}_kind"] == "person"]
    _logged(uow, user, "person", people_named, purpose, "GET /relations/{kind}/{key}")
    return [RelationPublic.of(user, r) for r in found]


@router.post("/relations", status_code=201, response_model=RelationPublic)
def link_records(body: LinkBody, user: Annotated[Actor, Steward], uow: UowDep) -> RelationPublic:
    """Record that a person lives in / works at, an enterprise operates at, someone owns ..."""
    command = LinkRecords(body.kind, body.subject_kind, body.subject_key, body.object_kind, body.object_key,
                          since=body.since)  # fmt: skip
    row = relations.link(uow, user, command)
    uow.commit()
    return RelationPublic.of(user, row)


# --- import and quarantine ------------------------------------------------------------------------


@router.post("/imports/{kind}", response_model=ImportPublic)
def import_records(
    kind: str,
    user: Annotated[Actor, Steward],
    uow: UowDep,
    file: Annotated[UploadFile, File(description="CSV, XLSX or JSON Lines (.csv, .xlsx, .jsonl)")],
    source: Annotated[str, Form(description="import | public_security | civil_affairs | ...")] = "import",
) -> ImportPublic:
    """Import a file of person, enterprise, house or place records; answers with the counts."""
    fmt = sources.detect_format(file.filename or "")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"upload.{fmt}"
        with path.open("wb") as out:
            shutil.copyfileobj(file.file, out, length=1 << 20)
        result = importer.import_file(uow, user, kind, path, source=source, fmt=fmt, filename=file.filename)
    return ImportPublic.of(result)


@router.get("/imports/runs/{run_id}", response_model=ImportRunPublic)
def get_import_run(run_id: str, user: Annotated[Actor, Steward], uow: UowDep) -> ImportRunPublic:
    """An import run and its counts so far: poll it while a large file is being imported."""
    return ImportRunPublic(**importer.get_run(uow, user, run_id))


@router.get("/quarantine", response_model=QuarantinePage)
def list_quarantine(
    user: Annotated[Actor, Steward],
    uow: UowDep,
    status: Annotated[str | None, Query(description="open | fixed | accepted | rejected")] = "open",
    kind: Annotated[str | None, Query()] = None,
    run_id: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> QuarantinePage:
    """The data steward's queue of records that need a person (待人工处理)."""
    total, items = quarantine.list_items(uow, user, status=status, kind=kind, run_id=run_id, limit=limit, offset=offset)
    return QuarantinePage(total=total, items=[QuarantinePublic.of(user, i) for i in items])


@router.get("/quarantine/{item_id}", response_model=QuarantinePublic)
def get_quarantine_item(item_id: str, user: Annotated[Actor, Steward], uow: UowDep) -> QuarantinePublic:
    """One quarantined record with every reason."""
    return QuarantinePublic.of(user, quarantine.get_item(uow, user, item_id))


@router.post("/quarantine/{item_id}/fix", response_model=QuarantinePublic)
def fix_quarantine_item(item_id: str, body: FixBody, user: Annotated[Actor, Steward], uow: UowDep) -> QuarantinePublic:
    """Correct the record; it is written if it now passes every rule."""
    item = quarantine.fix(uow, user, item_id, body.values, body.note)
    uow.commit()
    return QuarantinePublic.of(user, item)


@router.post("/quarantine/{item_id}/accept", response_model=QuarantinePublic)
def accept_quarantine_item(
    item_id: str, body: NoteBody, user: Annotated[Actor, Steward], uow: UowDep
) -> QuarantinePublic:
    """Take the record without the fields that break a rule (not when its key is broken)."""
    item = quarantine.accept(uow, user, item_id, body.note)
    uow.commit()
    return QuarantinePublic.of(user, item)


@router.post("/quarantine/{item_id}/reject", response_model=QuarantinePublic)
def reject_quarantine_item(
    item_id: str, body: RejectBody, user: Annotated[Actor, Steward], uow: UowDep
) -> QuarantinePublic:
    """Drop the record, with the reason."""
    item = quarantine.reject(uow, user, item_id, body.reason)
    uow.commit()
    return QuarantinePublic.of(user, item)


# --- verification (以核代采) ----------------------------------------------------------------------


@router.get("/verification/tasks", response_model=list[TaskPublic])
def list_tasks(
    user: CurrentUser,
    uow: UowDep,
    grid: Annotated[str | None, Query(description="one grid of the user's area")] = None,
    status: Annotated[str, Query(pattern="^(open|confirmed|changed)$")] = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TaskPublic]:
    """Verification tasks in the user's grids, each with what is held."""
    return [TaskPublic.of(t) for t in verification.list_tasks(uow, user, grid=grid, status=status, limit=limit)]


@router.post("/verification/tasks/generate", response_model=GeneratedPublic)
def generate_tasks(body: GenerateBody, user: Annotated[Actor, GridWork], uow: UowDep) -> GeneratedPublic:
    """Create tasks for the records due by policy in an area."""
    n = verification.generate_due(uow, user, area=body.area, kind=body.kind, every_days=body.every_days)
    uow.commit()
    return GeneratedPublic(created=n)


@router.post("/verification/tasks/{task_id}/answer", response_model=TaskPublic)
def answer_task(task_id: str, body: AnswerBody, user: Annotated[Actor, GridWork], uow: UowDep) -> TaskPublic:
    """Confirm what is held (no changes) or send only the fields that changed."""
    answered = verification.answer(uow, user, task_id, body.changes)
    uow.commit()
    return TaskPublic.of(answered)


@router.get("/verification/coverage", response_model=list[CoverageRow])
def verification_coverage(
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str | None, Query()] = None,
    kind: Annotated[str, Query()] = "person",
    every_days: Annotated[int, Query(ge=1, le=3650)] = 180,
) -> list[CoverageRow]:
    """Per grid: share of records verified within policy."""
    return [CoverageRow(**r) for r in verification.coverage(uow, user, area=area, kind=kind, every_days=every_days)]


# --- reports (智减负) ------------------------------------------------------------------------------


@router.get("/reports/templates", response_model=list[TemplatePublic])
def list_templates(user: CurrentUser, uow: UowDep) -> list[TemplatePublic]:
    """Registered department templates."""
    return [TemplatePublic(**t) for t in templates.list_templates(uow)]


@router.post("/reports/templates", response_model=TemplatePublic, status_code=201)
def register_template(
    user: Annotated[Actor, Steward],
    uow: UowDep,
    file: Annotated[UploadFile, File(description="the department's XLSX template")],
    code: Annotated[str, Form()],
    name: Annotated[str, Form()],
    mapping: Annotated[str, Form(description="JSON: {cells: {...}, tables: [...]}")],
    department: Annotated[str | None, Form()] = None,
    replace: Annotated[bool, Form()] = False,
) -> TemplatePublic:
    """Register a template with the mapping from its cells to queries."""
    try:
        parsed = json.loads(mapping)
    except json.JSONDecodeError as e:
        raise Invalid("mapping", "malformed JSON") from e
    command = RegisterTemplate(code, name, file.file.read(), parsed, department=department, replace=replace)
    t = templates.register_template(uow, user, command)
    uow.commit()
    return TemplatePublic(**t)


@router.get(
    "/reports/templates/{code}/filled",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "the filled workbook"}},
)
def fill_template(code: str, user: CurrentUser, uow: UowDep, area: Annotated[str, Query()]) -> Response:
    """The template filled for an area, as XLSX."""
    body = templates.fill(uow, user, code, area)
    uow.commit()  # the audit entry of the filling
    headers = {"Content-Disposition": f'attachment; filename="{code}-{area}.xlsx"'}
    return Response(body, media_type=XLSX, headers=headers)


@router.get(
    "/reports/queries/{query}",
    response_class=Response,
    responses={200: {"content": {"application/json": {}, "text/csv": {}}, "description": "the query's rows"}},
)
def export_query(
    query: str,
    user: CurrentUser,
    uow: UowDep,
    area: Annotated[str, Query()],
    format: Annotated[str, Query(pattern="^(csv|json)$")] = "json",
    tag: Annotated[str | None, Query()] = None,
    occupancy: Annotated[str | None, Query()] = None,
    use: Annotated[str | None, Query()] = None,
    industry: Annotated[str | None, Query()] = None,
    status: Annotated[str | None, Query()] = None,
) -> Response:
    """The data behind a report, as CSV or JSON for a department's system."""
    params = {
        k: v
        for k, v in {"tag": tag, "occupancy": occupancy, "use": use, "industry": industry, "status": status}.items()
        if v
    }
    body, media = reports.export(reports.run_query(uow, user, query, area, params), format)
    return Response(body, media_type=media)


# --- map layers ----------------------------------------------------------------------------------


@router.get("/layers", response_model=list[LayerPublic])
def list_layers(user: CurrentUser) -> list[LayerPublic]:
    """The 26 layers of places and things."""
    return [LayerPublic(code=c, name=n) for c, n in layers.layers().items()]


class GeoJSONResponse(JSONResponse):
    media_type = "application/geo+json"


@router.get("/layers/{layer}.geojson", response_model=LayerCollectionPublic, response_class=GeoJSONResponse)
def layer_geojson(
    layer: str, user: CurrentUser, uow: UowDep, area: Annotated[str | None, Query()] = None
) -> LayerCollectionPublic:
    """One layer's places as GeoJSON, inside the user's area."""
    return LayerCollectionPublic.model_validate(layers.layer_geojson(uow, user, layer, area))
