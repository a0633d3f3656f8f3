"""The one source of time. Tests and drills drive it instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def now() -> datetime:
    """The current time, timezone-aware (UTC)."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def local(at: datetime | None = None) -> datetime:
    """A time in China Standard Time, the calendar the rules speak in."""
    return (at or now()).astimezone(CHINA)


def aware(at: datetime, *, naive_as: tzinfo = CHINA) -> datetime:
    """`at` with a time zone: a naive time is read as China time (the zone people and files
    speak in) unless `naive_as` says otherwise. The one home of this rule."""
    return at.replace(tzinfo=naive_as) if at.tzinfo is None else at


def set_now(at: datetime | None) -> None:
    """Freeze time at `at` (None to unfreeze). Naive times are read as China time."""
    global _frozen
    _frozen = aware(at).astimezone(UTC) if at is not None else None


def advance(delta: timedelta) -> datetime:
    """Move frozen time forward; freezes at the current time first if needed."""
    set_now(now() + delta)
    return now()


@contextmanager
def frozen_at(at: datetime) -> Iterator[None]:
    previous = _frozen
    set_now(at)
    try:
        yield
    finally:
        set_now(previous)
