from __future__ import annotations

from collections.abc import Iterator

import pytest

from gridbrain.addresses import matcher
from tests.addresses.library import Library, build_library


@pytest.fixture
def library(engine, district) -> Iterator[Library]:  # type: ignore[no-untyped-def]
    """The test district with a small address library (see library.py)."""
    matcher.invalidate()
    yield build_library(engine, district)
    matcher.invalidate()
