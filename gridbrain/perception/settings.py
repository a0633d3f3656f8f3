"""Settings of the perception network, read from GRIDBRAIN_PERCEPTION_* environment variables."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class PerceptionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDBRAIN_PERCEPTION_", env_file=".env", extra="ignore")

    # the broker the consumer reads (`gridbrain perceive`); topics gridbrain/{district}/{kind}/{device}/up
    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = 1883
    mqtt_group: str = "gridbrain"  # the shared subscription's group: consumers in it split the load
    # admission: how far ahead of the clock and how old a reading's time may be
    max_future_s: float = 120.0
    max_age_days: float = 7.0
    # readings are kept this long (aggregates longer: hourly_retention_days)
    retention_days: int = 400
    hourly_retention_days: int = 1830
    samples_per_reason: int = 50  # rejected readings kept as samples, newest, per reason
    batch_size: int = 2000  # the consumer stores this many readings per transaction at most
    batch_wait_s: float = 0.2  # ... or what arrived within this time
    sweep_interval_s: float = 60.0  # absence and inactivity are checked this often


@lru_cache(maxsize=1)
def get_perception_settings() -> PerceptionSettings:
    return PerceptionSettings()
