"""Open311 GeoReport v2 routes under `/open311/v2/` (public reads; posts need an api_key).

Every route answers in the format its path asks for (`.json` or `.xml`); errors use the spec's
error format (`[{"code", "description"}]` / `<errors><error>...`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import DomainError, Invalid
from gridbrain.events.intake import Report
from gridbrain.events.open311 import service
from gridbrain.events.open311.schemas import (
    DiscoveryPublic,
    EndpointPublic,
    ErrorPublic,
    RatingPublic,
    RequestCreatedPublic,
    ServiceDefinitionPublic,
    ServicePublic,
    ServiceRequestPublic,
    TokenPublic,
)

router = APIRouter(prefix="/open311/v2", tags=["open311"])

SPEC = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-11-24T00:00:00+08:00"


def _xml_value(parent: ET.Element, key: str, value: Any, item_tag: str) -> None:
    el = ET.SubElement(parent, key)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_value(el, k, v, item_tag)
    elif isinstance(value, list):
        child = {"attributes": "attribute", "values": "value", "formats": "format", "endpoints": "endpoint"}
        for v in value:
            _xml_value(el, child.get(key, "item"), v, item_tag)
    elif isinstance(value, bool):
        el.text = "true" if value else "false"
    elif value is not None:
        el.text = str(value)


def to_xml(root: str, item_tag: str | None, data: Any) -> bytes:
    top = ET.Element(root)
    if item_tag is None:
        for k, v in data.items():
            _xml_value(top, k, v, "")
    else:
        for item in data:
            el = ET.SubElement(top, item_tag)
            for k, v in item.items():
                _xml_value(el, k, v, item_tag)
    out: bytes = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return out


def _plain(data: Any) -> Any:
    """The JSON-able shape of an answer: models dumped with the fields they were given (an
    extension left out stays out)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json", exclude_unset=True)
    if isinstance(data, list):
        return [_plain(d) for d in data]
    return data


def _answer(fmt: str, data: Any, *, root: str, item: str | None, status: int = 200) -> Response:
    data = _plain(data)
    if fmt == "xml":
        return Response(to_xml(root, item, data), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(data, status_code=status)


def _error(fmt: str, status: int, description: str) -> Response:
    errors = [{"code": status, "description": description}]
    if fmt == "xml":
        return Response(to_xml("errors", "error", errors), status_code=status, media_type="text/xml; charset=utf-8")
    return JSONResponse(errors, status_code=status)


def _run(
    request: Request,
    fmt: str,
    fn: Callable[[UnitOfWork], Any],
    *,
    root: str,
    item: str | None,
    status: int = 200,
    commit: bool = False,
) -> Response:
    if fmt not in ("json", "xml"):
        return _error("json", 404, f"format {fmt} is not supported; use json or xml")
    try:
        with UnitOfWork(request.app.state.engine) as uow:
            data = fn(uow)
            if commit:
                uow.commit()
    except DomainError as e:
        status_code = {401: 403, 422: 400, 409: 400}.get(e.status, e.status)
        field = f"{e.field}: " if e.field and e.field not in e.message else ""
        return _error(fmt, status_code, field + e.message)
    return _answer(fmt, data, root=root, item=item, status=status)


def _query(request: Request) -> dict[str, str]:
    return dict(request.query_params.items())


def _float(form: dict[str, str], key: str) -> float | None:
    raw = (form.get(key) or "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Invalid(key, "number", f"{key} must be a number") from None


def _client_report(form: dict[str, str], attributes: dict[str, str]) -> service.ClientReport:
    """The form of `POST requests` as the report the hub takes in (the channel is the API key's)."""
    name = " ".join(x for x in ((form.get("last_name") or "").strip(), (form.get("first_name") or "").strip()) if x)
    report = Report(
        channel="",  # the client's, once its key is known
        text=(form.get("description") or "").strip(),
        external_id=(form.get("external_id") or None),  # extension: retries
        lat=_float(form, "lat"),
        lng=_float(form, "long"),
        crs="wgs84",
        address=(form.get("address_string") or "").strip() or None,
        matter_code=(form.get("service_code") or "").strip() or None,
        parameters={k: v for k, v in attributes.items() if v != ""} or None,
        reporter_name=name or None,
        reporter_phone=(form.get("phone") or None),
        reporter_contact=form.get("email") or form.get("account_id") or form.get("device_id") or None,
        media_url=form.get("media_url") or None,
    )
    return service.ClientReport(
        api_key=form.get("api_key"),
        jurisdiction_id=form.get("jurisdiction_id"),
        account_id=form.get("account_id") or None,
        address_id=form.get("address_id") or None,
        report=report,
    )


@router.get("/discovery.{fmt}", responses={200: {"model": DiscoveryPublic}, 400: {"model": list[ErrorPublic]}})
def discovery(request: Request, fmt: str) -> Response:
    """Where this endpoint is and what it speaks."""
    base = str(request.base_url).rstrip("/") + "/open311/v2/"
    data = DiscoveryPublic(
        changeset=CHANGESET,
        contact="gridbrain 指挥中心",
        key_service="API keys are issued by the district: `gridbrain open311 key create NAME`",
        endpoints=[
            EndpointPublic(
                specification=SPEC,
                url=base,
                changeset=CHANGESET,
                type="production",
                formats=["text/xml", "application/json"],
            )
        ],
    )
    return _run(request, fmt, lambda uow: data, root="discovery", item=None)


@router.get("/services.{fmt}", responses={200: {"model": list[ServicePublic]}, 400: {"model": list[ErrorPublic]}})
def services(request: Request, fmt: str) -> Response:
    """Every matter of the catalog as a service."""
    q = _query(request)

    def fn(uow: UnitOfWork) -> Any:
        service.check_jurisdiction(q.get("jurisdiction_id"))
        return service.list_services()

    return _run(request, fmt, fn, root="services", item="service")


@router.get(
    "/services/{service_code}.{fmt}",
    responses={200: {"model": ServiceDefinitionPublic}, 400: {"model": list[ErrorPublic]}},
)
def service_definition(request: Request, service_code: str, fmt: str) -> Response:
    """A matter's report-time parameters as attributes."""
    q = _query(request)

    def fn(uow: UnitOfWork) -> Any:
        service.check_jurisdiction(q.get("jurisdiction_id"))
        return service.service_definition(service_code)

    return _run(request, fmt, fn, root="service_definition", item=None)


@router.post(
    "/requests.{fmt}",
    status_code=201,
    responses={201: {"model": list[RequestCreatedPublic]}, 400: {"model": list[ErrorPublic]}},
)
async def post_request(request: Request, fmt: str) -> Response:
    """Create a service request (form-encoded, api_key, attribute[code]=value)."""
    form = await request.form()
    fields: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for k, v in form.multi_items():
        if not isinstance(v, str):
            continue
        if k.startswith("attribute[") and k.endswith("]"):
            attributes[k[10:-1]] = v
        else:
            fields[k] = v
    return await run_in_threadpool(
        partial(
            _run,
            request,
            fmt,
            lambda uow: [service.post_request(uow, _client_report(fields, attributes))],
            root="service_requests",
            item="request",
            status=201,
            commit=True,
        )
    )


@router.get(
    "/requests.{fmt}", responses={200: {"model": list[ServiceRequestPublic]}, 400: {"model": list[ErrorPublic]}}
)
def get_requests(request: Request, fmt: str) -> Response:
    """Service requests by id, or by service_code, status and date range (90 days, 1000 at most)."""
    q = _query(request)
    return _run(request, fmt, lambda uow: service.get_requests(uow, q), root="service_requests", item="request")


@router.get(
    "/requests/{request_id}.{fmt}",
    responses={200: {"model": list[ServiceRequestPublic]}, 400: {"model": list[ErrorPublic]}},
)
def get_request(request: Request, request_id: str, fmt: str) -> Response:
    """One service request."""
    q = _query(request)
    return _run(
        request,
        fmt,
        lambda uow: service.get_request(uow, request_id, q),
        root="service_requests",
        item="request",
    )


@router.get("/tokens/{token}.{fmt}", responses={200: {"model": list[TokenPublic]}, 400: {"model": list[ErrorPublic]}})
def get_token(request: Request, token: str, fmt: str) -> Response:
    """The service_request_id behind a token."""
    q = _query(request)
    return _run(request, fmt, lambda uow: service.get_token(uow, token, q), root="service_requests", item="request")


@router.post(
    "/requests/{request_id}/rating.{fmt}",
    responses={200: {"model": list[RatingPublic]}, 400: {"model": list[ErrorPublic]}},
)
async def rate_request(request: Request, request_id: str, fmt: str) -> Response:
    """Extension (not in GeoReport v2): the resident's satisfaction, 1-5 with a comment."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}

    def fn(uow: UnitOfWork) -> Any:
        raw = (form.get("rating") or "").strip()
        if not raw.isdigit():
            raise Invalid("rating", "an integer from 1 to 5")
        rated = service.rate_request(
            uow, request_id, api_key=form.get("api_key"), rating=int(raw), comment=form.get("comment") or None
        )
        return [rated]

    return await run_in_threadpool(
        partial(
            _run,
            request,
            fmt,
            fn,
            root="service_requests",
            item="request",
            commit=True,
        )
    )
