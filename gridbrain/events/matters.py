"""The matter catalog in force in this process (事项清单): the one the hub classifies and
dispatches with — the shipped catalog unless a district's published version was taken
(`wiring.follow_catalog`) or a test set another."""

from __future__ import annotations

from gridbrain.catalog.loader import shipped_catalog
from gridbrain.catalog.model import Catalog

_catalog: Catalog | None = None


def catalog() -> Catalog:
    """The matter catalog in use (the shipped one unless `use_catalog` set another)."""
    return _catalog or shipped_catalog()


def use_catalog(c: Catalog | None) -> None:
    """Use another catalog (a district's own; tests). None goes back to the shipped one."""
    global _catalog
    _catalog = c
