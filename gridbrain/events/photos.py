"""Photos of events, stored on disk with type and size limits (checked by content, not by name)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import filetype

from gridbrain.core import audit, clock, ids
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid
from gridbrain.events import service
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import event_photos

_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def add_photo(
    uow: UnitOfWork, actor: Actor, event_id: str, data: bytes, *, upload_dir: Path, max_bytes: int
) -> dict[str, Any]:
    """Store a photo of an event; refuses other types and files over `max_bytes`."""
    ev = service.get_event_row(uow, actor, event_id)
    if not data:
        raise Invalid("file", "not_empty", "the photo is empty")
    if len(data) > max_bytes:
        raise Invalid("file", "max_size", f"a photo may be at most {max_bytes} bytes")
    kind = filetype.guess(data)
    allowed = get_event_settings().photo_types
    if kind is None or kind.mime not in allowed:
        raise Invalid("file", "type", f"a photo must be one of {', '.join(allowed)}")
    photo_id = ids.new_id()
    now = clock.now()
    rel = Path("events") / now.strftime("%Y/%m/%d") / f"{photo_id}.{_EXT.get(kind.mime, kind.extension)}"
    path = Path(upload_dir) / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".part")
    tmp.write_bytes(data)
    tmp.replace(path)
    uow.execute(
        event_photos.insert().values(
            id=photo_id,
            event_id=event_id,
            path=str(rel),
            content_type=kind.mime,
            size=len(data),
            created_at=now,
            created_by=actor.username,
        )
    )
    audit.record(
        uow,
        "events:photo:added",
        actor=actor,
        subject_id=event_id,
        area_code=ev["area_code"],
        detail={"photo_id": photo_id, "size": len(data), "type": kind.mime},
    )
    return {"id": photo_id, "content_type": kind.mime, "size": len(data)}
