"""The grid worker's phone pages at /m/ (375 px, one-handed)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(include_in_schema=False)
