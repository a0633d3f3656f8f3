"""What the Open311 GeoReport v2 routes answer (http://wiki.open311.org/GeoReport_v2), as JSON
or XML: only the fields the specification names, plus the marked extensions."""

from __future__ import annotations

from pydantic import BaseModel


class EndpointPublic(BaseModel):
    specification: str
    url: str
    changeset: str
    type: str
    formats: list[str]


class DiscoveryPublic(BaseModel):
    changeset: str
    contact: str
    key_service: str
    endpoints: list[EndpointPublic]


class ServicePublic(BaseModel):
    """A matter of the catalog as a service."""

    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


class AttributeValuePublic(BaseModel):
    key: str
    name: str


class AttributePublic(BaseModel):
    """A report-time parameter of a matter as an attribute."""

    variable: bool
    code: str
    datatype: str
    required: bool
    datatype_description: str
    order: int
    description: str
    values: list[AttributeValuePublic] | None = None


class ServiceDefinitionPublic(BaseModel):
    service_code: str
    attributes: list[AttributePublic]


class ExtendedAttributesPublic(BaseModel):
    """Extension (beyond GeoReport v2, with `extensions=true`): the hub's own view."""

    detailed_status: str
    level: str | None
    grid_code: str | None
    reports_count: int
    duplicate_of: str | None
    satisfaction: int | None


class ServiceRequestPublic(BaseModel):
    """An event as a service request: never the reporter's personal details."""

    service_request_id: str
    status: str
    status_notes: str | None
    service_name: str | None
    service_code: str | None
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    address_id: str | None
    zipcode: str | None
    lat: float | None
    long: float | None
    media_url: str | None
    extended_attributes: ExtendedAttributesPublic | None = None


class RequestCreatedPublic(BaseModel):
    service_request_id: str
    service_notice: str
    account_id: str | None


class TokenPublic(BaseModel):
    service_request_id: str
    token: str


class RatingPublic(BaseModel):
    """Extension: the satisfaction recorded for a request."""

    service_request_id: str
    satisfaction: int | None


class ErrorPublic(BaseModel):
    code: int
    description: str
