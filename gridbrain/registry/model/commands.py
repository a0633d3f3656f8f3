"""Commands of the governance library: what a caller asks for, as one small value instead of a
long keyword list. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from gridbrain.registry.model.verification import DEFAULT_VERIFY_EVERY_DAYS


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


@dataclass(frozen=True)
class GenerateTasks:
    """Create verification tasks for the records of `kind` due by policy in `area`."""

    area: str | None = None
    kind: str = "person"
    every_days: int = DEFAULT_VERIFY_EVERY_DAYS


@dataclass(frozen=True)
class AnswerTask:
    """A grid worker's answer: confirm what is held (no changes) or only the fields that changed."""

    task_id: str
    changes: Mapping[str, Any] = field(default_factory=dict)
