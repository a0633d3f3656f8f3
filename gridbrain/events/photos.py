"""Photos of events, stored on disk with type and size limits (checked by content, not by name),
and read back by whoever may see the event."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import filetype
import sqlalchemy as sa

from gridbrain.core import audit, clock, ids
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.events.queries import load
from gridbrain.events.settings import get_event_settings
from gridbrain.events.tables import event_photos

_EXT = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


def add_photo(
    uow: UnitOfWork, actor: Actor, event_id: str, data: bytes, *, upload_dir: Path, max_bytes: int
) -> dict[str, Any]:
    """Store a photo of an event; refuses other types and files over `max_bytes`."""
    ev = load(uow, actor, event_id)
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
        area_code=ev.area_code,
        detail={"photo_id": photo_id, "size": len(data), "type": kind.mime},
    )
    return {"id": photo_id, "content_type": kind.mime, "size": len(data)}


def list_photos(uow: UnitOfWork, actor: Actor, event_id: str) -> list[dict[str, Any]]:
    """The event's photos, oldest first (404 outside the user's area)."""
    load(uow, actor, event_id)
    return photos_of(uow, event_id)


def photos_of(uow: UnitOfWork, event_id: str) -> list[dict[str, Any]]:
    """The photos of an event the caller may already see, with the URL of each file."""
    rows = uow.execute(
        sa.select(
            event_photos.c.id,
            event_photos.c.content_type,
            event_photos.c.size,
            event_photos.c.created_at,
            event_photos.c.created_by,
        )
        .where(event_photos.c.event_id == event_id)
        .order_by(event_photos.c.created_at, event_photos.c.id)
    )
    return [{**r._mapping, "url": f"/api/v1/events/{event_id}/photos/{r.id}"} for r in rows]


def photo_file(uow: UnitOfWork, actor: Actor, event_id: str, photo_id: str, *, upload_dir: Path) -> tuple[Path, str]:
    """Where one photo of the event lies on disk and its type (404 outside the user's area, for
    another event's photo, or when the file is gone)."""
    load(uow, actor, event_id)
    row = uow.execute(
        sa.select(event_photos.c.path, event_photos.c.content_type).where(
            event_photos.c.id == photo_id, event_photos.c.event_id == event_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no photo {photo_id} of event {event_id}", field="photo_id")
    root = Path(upload_dir).resolve()
    path = (root / row.path).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound(f"no photo {photo_id} of event {event_id}", field="photo_id")
    return path, row.content_type
