"""The device kinds shipped in `data/kinds.yaml`, loaded once."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from gridbrain.perception.model import Kinds, kinds_of

KINDS_FILE = Path(__file__).parent / "data" / "kinds.yaml"


@lru_cache(maxsize=1)
def kinds() -> Kinds:
    """The kinds, their measures, ranges, intervals, default rules and the detection classes."""
    with KINDS_FILE.open(encoding="utf-8") as f:
        return kinds_of(yaml.safe_load(f))
