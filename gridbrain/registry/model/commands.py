"""Commands of the governance library: what a caller asks for, as one small value instead of a
long keyword list. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any


@dataclass(frozen=True)
class LinkRecords:
    """Record that a person lives in / works at, an enterprise operates at, someone owns ..."""

    kind: str  # lives_in | works_at | operates_at | owns
    subject_kind: str
    subject_key: str
    object_kind: str
    object_key: str
    since: date | None = None
    source: str = "steward"


@dataclass(frozen=True)
class RegisterTemplate:
    """Register a department's XLSX template with the mapping from its cells to queries."""

    code: str
    name: str
    workbook: bytes
    mapping: Mapping[str, Any]
    department: str | None = None
    replace: bool = False
