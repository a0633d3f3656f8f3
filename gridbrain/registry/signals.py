"""Signals of the governance library: past-tense facts other capabilities subscribe to by type."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RecordsChanged:
    """A committed batch added or changed records of one kind (one signal per batch, not per
    record: the graph and analysis refresh what they derive from them)."""

    kind: str  # person | enterprise | house | place
    new: int
    changed_keys: tuple[str, ...]
    source: str
