"""A problem as it arrives on any channel (一个口子进) — the command intake takes — and what it
must hold to become an event. Pure: no storage, no web."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gridbrain.catalog.model import Nature
from gridbrain.core.errors import Invalid, MissingField
from gridbrain.core.text import check_plain_text, check_web_url

CHANNELS = ("hotline_12345", "app", "patrol", "department", "iot", "video_ai", "system")


@dataclass
class Report:
    """One problem as it arrives on any channel (一个口子进)."""

    channel: str
    text: str
    external_id: str | None = None
    lat: float | None = None
    lng: float | None = None
    crs: str = "wgs84"
    address: str | None = None
    matter_code: str | None = None
    parameters: dict[str, Any] | None = None
    nature: str | None = None
    reporter_name: str | None = None
    reporter_phone: str | None = None
    reporter_contact: str | None = None
    media_url: str | None = None


def check_report(r: Report) -> None:
    """Refuse a report that cannot become an event, naming the field and the rule."""
    if r.channel not in CHANNELS:
        raise Invalid("channel", f"one of {', '.join(CHANNELS)}")
    if not (r.text or "").strip():
        raise MissingField("text")
    if len(r.text) > 4000:
        raise Invalid("text", "at most 4000 characters")
    check_plain_text(r.text, "text")
    if r.external_id is not None and not 1 <= len(r.external_id) <= 64:
        raise Invalid("external_id", "1-64 characters")
    _check_place(r)
    if r.nature is not None and r.nature not in {n.value for n in Nature}:
        raise Invalid("nature", f"one of {', '.join(n.value for n in Nature)}")
    _check_reporter(r)
    check_web_url(r.media_url, "media_url")
    if r.parameters is not None and not isinstance(r.parameters, dict):
        raise Invalid("parameters", "an object")


def _check_place(r: Report) -> None:
    for name, value in (("lat", r.lat), ("lng", r.lng)):
        if isinstance(value, bool):
            raise Invalid(name, "a number")
    if (r.lat is None) != (r.lng is None):
        raise Invalid("lat" if r.lat is None else "lng", "lat and lng come together")
    if r.lat is None and not (r.address or "").strip():
        raise MissingField("location")  # lat/lng or address
    if r.address is not None and len(r.address) > 200:
        raise Invalid("address", "at most 200 characters")
    check_plain_text(r.address, "address")


def _check_reporter(r: Report) -> None:
    if r.reporter_name is not None and len(r.reporter_name) > 32:
        raise Invalid("reporter.name", "at most 32 characters")
    check_plain_text(r.reporter_name, "reporter.name")
    if r.reporter_phone is not None and not (
        r.reporter_phone.replace("-", "").replace("+", "").isdigit() and 5 <= len(r.reporter_phone) <= 20
    ):
        raise Invalid("reporter.phone", "digits, 5-20 characters")
