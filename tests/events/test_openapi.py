"""The OpenAPI document describes what every event hub and Open311 route answers."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture
def openapi(client) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    doc: dict[str, Any] = client.app.openapi()
    return doc


def _hub_operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    hub = ("/api/v1/events", "/api/v1/follows", "/api/v1/event-", "/api/v1/return-visits", "/open311/")
    return [
        (path, method, op) for path, ops in doc["paths"].items() if path.startswith(hub) for method, op in ops.items()
    ]


def _blank(schema: dict[str, Any]) -> bool:
    """A schema that says nothing of the answer: empty, any object, or a list of those."""
    if not schema:
        return True
    if schema.get("type") == "array":
        return _blank(schema.get("items", {}))
    if schema.get("type") == "object" and not schema.get("properties"):
        extra = schema.get("additionalProperties", True)
        return extra is True or extra == {}
    return False


def test_every_event_hub_and_open311_route_names_the_schema_of_its_answer(openapi):
    ops = _hub_operations(openapi)
    assert len(ops) >= 19
    blank = []
    for path, method, op in ops:
        ok = next(code for code in op["responses"] if code.startswith("2"))
        content = op["responses"][ok].get("content", {})
        schema = next(iter(content.values()), {}).get("schema", {}) if content else {}
        if path.endswith("/photos/{photo_id}"):
            continue  # the file itself
        if _blank(schema):
            blank.append(f"{method.upper()} {path}")
    assert blank == []


def test_the_event_detail_schema_names_the_timeline_and_the_masked_reporter(openapi):
    schemas = openapi["components"]["schemas"]
    detail = schemas["EventDetailPublic"]["properties"]
    assert {"timeline", "photos", "reporter", "allowed_actions"} <= set(detail)
    assert set(schemas["ReporterPublic"]["properties"]) == {"name", "phone"}
    assert "reporter_phone" not in detail and "reporter_name" not in detail
