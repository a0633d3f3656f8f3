"""Settings of the event hub, read from GRIDBRAIN_EVENTS_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class EventSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDBRAIN_EVENTS_", env_file=".env", extra="ignore")

    # below this classifier confidence an event without a chosen matter goes to human triage;
    # None: the catalog classifier's own DEFAULT_THRESHOLD
    classify_threshold: float | None = None
    # duplicates: same matter within this distance and time of an open event
    duplicate_distance_m: float = 50.0
    duplicate_window_h: float = 24.0
    # a closed event may be reopened within this many days
    reopen_window_days: float = 7.0
    # a closed event nobody rated gets a return visit (回访) after this many hours
    return_visit_after_h: float = 72.0
    # outbox delivery: attempts before a message is given up (dead), first retry delay
    outbox_max_attempts: int = 8
    outbox_retry_s: float = 30.0
    outbox_interval_s: float = 5.0
    # a worker's claim on a batch: its messages are not due for others for this long (a worker
    # that died mid-batch leaves the rest to be sent again after it)
    outbox_lease_s: float = 300.0
    photo_types: tuple[str, ...] = ("image/jpeg", "image/png", "image/webp")
    # each server process looks this often whether another one published a catalog version
    # (an admin's edit reaches every process within it; 0: only the process that published)
    catalog_poll_s: float = 5.0


@lru_cache(maxsize=1)
def get_event_settings() -> EventSettings:
    return EventSettings()
