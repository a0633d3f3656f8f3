"""Settings, read from GRIDBRAIN_* environment variables (and a `.env` file if present)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "gridbrain-development-secret-change-me"  # noqa: S105 - refused outside development


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDBRAIN_", env_file=".env", extra="ignore")

    env: str = Field("development", description="development | production")
    var_dir: Path = Path("var")
    database_url: str = ""
    secret_key: str = DEV_SECRET
    session_cookie: str = "gridbrain_session"
    session_max_age_s: int = 8 * 3600
    session_idle_s: int = 2 * 3600  # a web session not used this long ends
    token_ttl_days: int = 90  # a new bearer token expires after this many days unless told otherwise
    # login throttling: this many failures in the window lock the account / the client address
    login_window_s: int = 15 * 60
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    # The jurisdiction this brain serves (the district, 6-digit county code padded to 12).
    district_code: str = "330110000000"
    upload_max_bytes: int = 10 * 1024 * 1024
    # any request body over this is refused with 413 before it is read (imports of a whole
    # library go through the CLI, which has no such limit)
    body_max_bytes: int = 64 * 1024 * 1024
    sweeper_interval_s: int = 60
    # how often the server seals new audit entries into the hash chain (0: never; `audit seal`)
    audit_seal_interval_s: float = 5.0
    run_workers: bool = True
    worker_threads: int = 30  # threads serving requests; the connection pool holds two per thread
    # a bearer token, once checked, is trusted this long in each process (0: check every request)
    token_cache_s: float = 10.0
    # how often Python hands the interpreter between threads; with the default 5 ms intake's
    # writer thread waits behind the request loop after every database round trip, with 0.2 ms
    # the switching itself costs CPU (BENCHMARKS.md)
    thread_switch_interval_s: float = 0.001
    # load models and lookups when the server starts rather than at the first request
    warm_start: bool = True
    # e-mail for digests to the data steward (quarantine); without a host they go to the log
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_from: str = "gridbrain@localhost"
    steward_email: str = ""
    # the living demo: new problems arrive and open events move on (`make demo` turns it on)
    demo_live: bool = False
    demo_live_interval_s: float = 15.0

    @model_validator(mode="after")
    def _defaults_and_safety(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.var_dir / 'gridbrain.db'}"
        if self.env != "development" and self.secret_key == DEV_SECRET:
            raise ValueError("GRIDBRAIN_SECRET_KEY must be set to a real secret outside development")
        return self

    @property
    def upload_dir(self) -> Path:
        return self.var_dir / "uploads"


class _SettingsInForce:
    """`get_settings()`: those given to `create_app` (or `use_settings`), else the environment's."""

    def __init__(self) -> None:
        self.in_force: Settings | None = None
        self._environment: Settings | None = None

    def __call__(self) -> Settings:
        if self.in_force is not None:
            return self.in_force
        if self._environment is None:
            self._environment = Settings()
        return self._environment

    def cache_clear(self) -> None:
        """Read the environment again at the next call (and forget settings put in force)."""
        self.in_force = None
        self._environment = None


get_settings = _SettingsInForce()


def use_settings(settings: Settings | None) -> None:
    """Put `settings` in force for the code that reads the global settings (None: the environment's again)."""
    get_settings.in_force = settings
