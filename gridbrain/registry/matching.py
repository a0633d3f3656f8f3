"""Address matching for the library's records: the standard address library's matcher behind a
small protocol, a cache in front of it, and the placing of one record by its address."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from gridbrain.addresses.matcher import matcher_for
from gridbrain.core.db import UnitOfWork
from gridbrain.registry.model import Kind, Problem, RecordSpec


class AddressMatch(Protocol):
    @property
    def resolved(self) -> bool: ...
    @property
    def code(self) -> str | None: ...
    @property
    def grid_code(self) -> str | None: ...


class AddressMatcher(Protocol):
    def match(self, text: str) -> AddressMatch: ...


def default_matcher(uow: UnitOfWork) -> AddressMatcher:
    """The standard address library's matcher.

    Built through the caller's connection: on SQLite a second connection would wait for the
    caller's own write lock."""
    # building the matcher may set streaming options on the connection it is given
    # (Connection.execution_options changes the connection in place): keep ours as they were
    saved = uow.conn._execution_options
    try:
        matcher: AddressMatcher = matcher_for(uow.engine, uow.conn)
    finally:
        uow.conn._execution_options = saved
    return matcher


class CachedMatcher:
    """Addresses repeat (a household shares one): remember the last few thousand answers."""

    def __init__(self, matcher: AddressMatcher | None, size: int = 50_000) -> None:
        self.matcher = matcher
        self._lookup = lru_cache(maxsize=size)(self._match) if matcher is not None else None

    def _match(self, text: str) -> tuple[str | None, str | None]:
        assert self.matcher is not None
        m = self.matcher.match(text)
        return (m.code, m.grid_code) if m is not None and m.resolved else (None, None)

    def locate(self, text: str) -> tuple[str | None, str | None]:
        """(address code, grid code); (None, None) when unmatched or no matcher is installed."""
        return self._lookup(text) if self._lookup is not None else (None, None)

    @property
    def available(self) -> bool:
        return self.matcher is not None


def place_on_map(
    spec: RecordSpec, values: dict[str, Any], matcher: CachedMatcher, fallback_area: str | None
) -> list[Problem]:
    """Match the record's address; keep the normalised text either way and say whether it
    matched. Answers what keeps the record from being filed (a house needs its address code)."""
    if spec.address_field is None or spec.address_code_field is None:
        return []
    text = values.get(spec.address_field)
    if text is None:
        values.setdefault("area_code", fallback_area)  # so the record stays in the importer's scope
        return _unfiled(spec, values)
    code, grid = matcher.locate(text)
    if code is not None:
        if spec.kind is Kind.HOUSE and values.get("address_code") not in (None, code):
            code = values["address_code"]  # the file's own code wins over a text match
        values[spec.address_code_field] = code
        values["grid_code"] = grid
        values["area_code"] = grid or fallback_area
        values["address_match"] = "matched"
    else:
        values.setdefault(spec.address_code_field, None)
        values["grid_code"] = None
        values["area_code"] = fallback_area
        values["address_match"] = "unmatched"
    return _unfiled(spec, values)


def _unfiled(spec: RecordSpec, values: dict[str, Any]) -> list[Problem]:
    if spec.kind is Kind.HOUSE and not values.get("address_code"):
        return [Problem("address", "not matched to a standard address (the key)")]
    return []
