"""Fixtures of the event hub tests: a clean catalog, adapters and outbox log per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from gridbrain.core import auth
from gridbrain.core.db import UnitOfWork
from gridbrain.events import outbox, service
from tests.factories import PASSWORD


@pytest.fixture(autouse=True)
def _clean_event_hub() -> Iterator[None]:
    service.use_catalog(None)
    outbox.reset_adapters()
    outbox.sent_log.clear()
    yield
    service.use_catalog(None)
    outbox.reset_adapters()
    outbox.sent_log.clear()


@dataclass
class Staff:
    tokens: dict[str, str]

    def headers(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[username]}"}


@pytest.fixture
def staff(engine, district) -> Staff:  # type: ignore[no-untyped-def]
    """Department handlers for the district's water bureau and street 1's sanitation team,
    plus a hotline system account and the district factory's own users."""
    tokens = dict(district.tokens)
    s1 = district.streets[0][:9]
    people = [
        ("water_handler", auth.Role.DEPARTMENT_HANDLER, district.code, "330110:water"),
        ("sanitation1", auth.Role.DEPARTMENT_HANDLER, district.streets[0], f"{s1}:sanitation"),
        ("cm1", auth.Role.DEPARTMENT_HANDLER, district.streets[0], f"{s1}:city_management"),
        (
            "community1_office",
            auth.Role.DEPARTMENT_HANDLER,
            district.communities[0],
            f"{district.communities[0]}:community_office",
        ),
        ("hotline", auth.Role.DISTRICT_OPERATOR, district.code, None),
    ]
    with UnitOfWork(engine) as uow:
        for name, role, area, dept in people:
            auth.create_user(uow, name, role=role, password=PASSWORD, area_code=area, department_code=dept)
            tokens[name] = auth.issue_token(uow, name)
        uow.commit()
    return Staff(tokens)
