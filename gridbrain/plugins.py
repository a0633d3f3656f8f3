"""Finding the optional parts of capabilities (api.py, pages.py, tables.py, commands.py, wiring.py)."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

# every capability, in dependency order (ARCHITECTURE.md)
CAPABILITIES = (
    "core", "areas", "addresses", "registry", "catalog", "events", "supervision", "perception",
    "emergency", "analysis", "council", "algorithms", "graph",
)  # fmt: skip


def exists(module: str) -> bool:
    """True when `module` can be imported; a missing parent package counts as missing."""
    parts = module.split(".")
    return all(importlib.util.find_spec(".".join(parts[:i])) is not None for i in range(1, len(parts) + 1))


def optional(module: str) -> ModuleType | None:
    """Import `module` if its file exists; a module that exists but fails to import still fails loudly."""
    return importlib.import_module(module) if exists(module) else None
