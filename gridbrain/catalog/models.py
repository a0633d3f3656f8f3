"""Versioned classifier models under `<var_dir>/models/`: candidates, the one in force, rollback.

Each model is `classifier-<version>.pkl` with its figures in `registry.json`; the file `ACTIVE`
names the model in force. Every process polls `ACTIVE` (its modification time, at most every
`POLL_S` seconds), so a running server takes a newly published model without a restart.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from gridbrain.core.errors import Invalid, NotFound

POLL_S = 2.0
_VERSION_CHARS = set("0123456789TZ-")


@dataclass(frozen=True)
class ModelInfo:
    version: str
    created_at: str
    trained_on: int
    top1: float  # matter top-1 on the evaluation set
    responsible: float  # responsible department top-1 on the evaluation set
    note: str = ""
    figures: dict[str, float] = field(default_factory=dict)


def models_dir() -> Path:
    from gridbrain.config import get_settings

    return Path(get_settings().var_dir) / "models"


def _registry_path(root: Path) -> Path:
    return root / "registry.json"


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def list_models(root: Path | None = None) -> list[ModelInfo]:
    """Every saved model, newest first."""
    path = _registry_path(root or models_dir())
    if not path.exists():
        return []
    rows = json.loads(path.read_text(encoding="utf-8"))
    return sorted((ModelInfo(**r) for r in rows), key=lambda m: m.version, reverse=True)


def model_file(version: str, root: Path | None = None) -> Path:
    if not version or not set(version) <= _VERSION_CHARS:
        raise Invalid("version", "model_version", f"{version!r} is not a model version (e.g. 20261204T021500Z)")
    return (root or models_dir()) / f"classifier-{version}.pkl"


def new_version(root: Path | None = None) -> str:
    """A UTC time stamp, made unique among the saved models."""
    base = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    taken = {m.version for m in list_models(root)}
    version, n = base, 1
    while version in taken:
        n += 1
        version = f"{base}-{n}"
    return version


def register(info: ModelInfo, root: Path | None = None) -> None:
    root = root or models_dir()
    rows = [asdict(m) for m in list_models(root) if m.version != info.version] + [asdict(info)]
    _write_atomic(_registry_path(root), json.dumps(rows, ensure_ascii=False, indent=1))


def active_version(root: Path | None = None) -> str | None:
    path = (root or models_dir()) / "ACTIVE"
    return path.read_text(encoding="utf-8").strip() or None if path.exists() else None


def activate(version: str, root: Path | None = None) -> ModelInfo:
    """Put a saved model in force (publish, or roll back to an earlier one)."""
    root = root or models_dir()
    found = next((m for m in list_models(root) if m.version == version), None)
    if found is None or not model_file(version, root).exists():
        raise NotFound(f"no saved model {version}", field="version")
    _write_atomic(root / "ACTIVE", version + "\n")
    return found


def active_info(root: Path | None = None) -> ModelInfo | None:
    version = active_version(root)
    return next((m for m in list_models(root) if m.version == version), None) if version else None


class Poller:
    """Tells a process when the model in force changed: cheap enough to ask on every request."""

    def __init__(self) -> None:
        self._checked = 0.0
        self._primed = False
        self._seen: tuple[str, float] | None = None
        self._lock = threading.Lock()

    def changed(self, root: Path, *, now: float | None = None) -> str | None:
        """The active version when it changed since the last look (None: unchanged, or the first
        look, which only remembers what is in force). Looks at most every `POLL_S` seconds."""
        now = time.monotonic() if now is None else now
        if self._primed and now - self._checked < POLL_S:
            return None
        with self._lock:
            self._checked = now
            path = root / "ACTIVE"
            try:
                stamp: tuple[str, float] | None = (path.read_text(encoding="utf-8").strip(), path.stat().st_mtime)
            except OSError:
                stamp = None
            first, self._primed = not self._primed, True
            if stamp == self._seen:
                return None
            self._seen = stamp
            return None if first or stamp is None else stamp[0]

    def reset(self) -> None:
        self._checked, self._primed, self._seen = 0.0, False, None
