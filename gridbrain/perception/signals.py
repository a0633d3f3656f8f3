"""What happens in the perception network, as typed signals (published after commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class AlarmRaised:
    """A rule began to hold at a device: a new alarm (a care alarm names its grid worker)."""

    alarm_id: str
    device_code: str
    rule_code: str
    severity: str
    grid_code: str
    recipient: str | None
    at: datetime


@dataclass(frozen=True)
class AlarmCleared:
    alarm_id: str
    device_code: str
    rule_code: str
    event_id: str | None
    by: str
    at: datetime
