"""Login throttling: too many failed logins lock the account, and the client address, for a while.

Counted in the database (`login_attempts`), so every server process sees the same tries. A lock
lasts until the oldest failure that counts towards it leaves the window; the answer says how
long (429 with Retry-After). A locked try is not even checked against the password, so guessing
during a lock gains nothing.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import TooManyAttempts
from gridbrain.core.tables import login_attempts


def _limits() -> tuple[timedelta, int, int]:
    from gridbrain.config import get_settings

    s = get_settings()
    return timedelta(seconds=s.login_window_s), s.login_max_failures_per_account, s.login_max_failures_per_address


def _wait_s(uow: UnitOfWork, where: sa.ColumnElement[bool], limit: int, window: timedelta) -> int:
    """Seconds until fewer than `limit` failures matching `where` lie in the window (0: not locked)."""
    since = clock.now() - window
    recent = (
        sa.select(login_attempts.c.at)
        .where(where, ~login_attempts.c.succeeded, login_attempts.c.at > since)
        .order_by(login_attempts.c.at.desc())
        .limit(limit)
    )
    times: list[datetime] = [r.at for r in uow.execute(recent)]
    if len(times) < limit:
        return 0
    return max(1, math.ceil((times[-1] + window - clock.now()).total_seconds()))


def check(uow: UnitOfWork, username: str, address: str | None) -> None:
    """TooManyAttempts while the account or the address is locked."""
    window, per_account, per_address = _limits()
    wait = _wait_s(uow, login_attempts.c.username == username, per_account, window)
    if address:
        wait = max(wait, _wait_s(uow, login_attempts.c.address == address, per_address, window))
    if wait:
        minutes = max(1, round(wait / 60))
        raise TooManyAttempts(f"登录失败次数过多，请 {minutes} 分钟后再试", retry_after_s=wait, field="username")


def note(uow: UnitOfWork, username: str, address: str | None, *, succeeded: bool) -> None:
    """Count one try (in the caller's transaction)."""
    uow.execute(
        login_attempts.insert().values(
            at=clock.now(), username=username[:64], address=(address or None) and address[:64], succeeded=succeeded
        )
    )


def forget_before(uow: UnitOfWork, days: int = 30) -> int:
    """Drop tries older than `days` (the sweeper's housekeeping); answers how many."""
    cut = clock.now() - timedelta(days=days)
    return int(uow.execute(login_attempts.delete().where(login_attempts.c.at < cut)).rowcount or 0)
