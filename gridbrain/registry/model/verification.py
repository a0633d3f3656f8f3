"""Verify instead of re-collect (以核代采): when a record is due, and how much of a grid is
verified. Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_VERIFY_EVERY_DAYS = 180


def verification_due(verified_at: datetime | None, now: datetime, every_days: int = DEFAULT_VERIFY_EVERY_DAYS) -> bool:
    """A record is due when never verified, or last verified `every_days` ago or more."""
    return verified_at is None or now - verified_at >= timedelta(days=every_days)


def coverage(verified: int, total: int) -> float:
    """Share of records verified within policy (1.0 for an empty grid: nothing is overdue)."""
    return 1.0 if total == 0 else round(verified / total, 4)
