"""Use cases of the matter catalog: the active version, admin edits as new versions, 定性定责,
classification suggestions and retraining.

The shipped `data/matters.yaml` is the catalog until an admin publishes a version; from then on
the active row of `catalog_versions` is. Versions are immutable: an edit to one matter publishes
a new version based on the active one, so every event keeps pointing at the rules it was judged by.
"""

from __future__ import annotations

import copy
import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from gridbrain.catalog import classifier as text_classifier
from gridbrain.catalog import learning, models
from gridbrain.catalog.building import catalog_from_dict, matter_from_dict
from gridbrain.catalog.loader import department_names, department_types, read_document, shipped_catalog
from gridbrain.catalog.model import Catalog, Decision, Matter, decide
from gridbrain.catalog.reading import Classification, read
from gridbrain.catalog.tables import catalog_versions
from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.errors import Conflict, Invalid, NotFound

log = logging.getLogger(__name__)

PUBLISHED = "catalog:version:published"
# Built catalogs by (version, published at): checking 2,000 matters takes half a second.
_cache: dict[tuple[str, Any], Catalog] = {}
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class VersionView:
    version: str
    based_on: str | None
    matters: int
    note: str | None
    created_by: str
    created_at: Any
    active: bool


def _build(document: Mapping[str, Any]) -> Catalog:
    return catalog_from_dict(document, department_types=department_types(), department_names=department_names())


_migrated: set[int] = set()


def _has_versions(uow: UnitOfWork) -> bool:
    """Whether this database has the versions table (a database not yet upgraded serves the shipped one)."""
    key = id(uow.engine)
    if key not in _migrated and catalog_versions.name in sa.inspect(uow.conn).get_table_names():
        _migrated.add(key)
    return key in _migrated


def _active_row(uow: UnitOfWork) -> Any | None:
    if not _has_versions(uow):
        return None
    return uow.execute(sa.select(catalog_versions).where(catalog_versions.c.active.is_(True))).first()


def active_version(uow: UnitOfWork) -> str | None:
    """The version of the active published catalog (one small read; None: the shipped one)."""
    if not _has_versions(uow):
        return None
    found: str | None = uow.execute(
        sa.select(catalog_versions.c.version).where(catalog_versions.c.active.is_(True))
    ).scalar_one_or_none()
    return found


def published_catalog(uow: UnitOfWork) -> Catalog | None:
    """The active published version, or None while the shipped catalog is in force."""
    return active_catalog(uow) if _active_row(uow) is not None else None


def active_catalog(uow: UnitOfWork) -> Catalog:
    """The catalog in force: the active published version, else the shipped one."""
    if not _has_versions(uow):
        return shipped_catalog()
    row = uow.execute(
        sa.select(catalog_versions.c.version, catalog_versions.c.created_at).where(catalog_versions.c.active.is_(True))
    ).first()
    if row is None:
        return shipped_catalog()
    key = (row.version, row.created_at)
    with _cache_lock:
        if key not in _cache:
            doc = uow.execute(
                sa.select(catalog_versions.c.document).where(catalog_versions.c.version == row.version)
            ).scalar_one()
            _cache[key] = _build(doc)
        return _cache[key]


def _active_document(uow: UnitOfWork) -> dict[str, Any]:
    row = _active_row(uow)
    if row is None:
        return read_document()
    return copy.deepcopy(dict(row.document))


def list_versions(uow: UnitOfWork) -> list[VersionView]:
    """Every published version, newest first."""
    if not _has_versions(uow):
        return []
    q = sa.select(catalog_versions).order_by(catalog_versions.c.created_at.desc(), catalog_versions.c.version.desc())
    return [
        VersionView(r.version, r.based_on, r.matters, r.note, r.created_by, r.created_at, bool(r.active))
        for r in uow.execute(q)
    ]


def _next_version(current: str, taken: set[str]) -> str:
    m = re.fullmatch(r"(.+)\+(\d+)", current)
    base, n = (m.group(1), int(m.group(2))) if m else (current, 0)
    while True:
        n += 1
        candidate = f"{base}+{n}"
        if candidate not in taken:
            return candidate


def publish(
    uow: UnitOfWork, actor: Actor, document: Mapping[str, Any], *, note: str | None = None, activate: bool = True
) -> Catalog:
    """Check and store a whole catalog as a new version (and make it the active one)."""
    catalog = _build(document)
    exists = uow.execute(
        sa.select(catalog_versions.c.version).where(catalog_versions.c.version == catalog.version)
    ).first()
    if exists is not None:
        raise Conflict(f"catalog version {catalog.version} exists; versions are immutable", field="version")
    current = _active_row(uow)
    if activate:
        uow.execute(catalog_versions.update().values(active=False))
    now = clock.now()
    uow.execute(
        catalog_versions.insert().values(
            version=catalog.version,
            based_on=current.version if current is not None else shipped_catalog().version,
            document={"version": catalog.version, "matters": list(document.get("matters") or [])},
            matters=len(catalog),
            note=note,
            created_at=now,
            created_by=actor.username,
            active=activate,
        )
    )
    audit.record(
        uow, PUBLISHED, actor=actor, subject_id=catalog.version, detail={"matters": len(catalog), "note": note}
    )
    uow.emit(PUBLISHED, version=catalog.version, active=activate)
    uow.commit()
    return catalog


def _classes(matters: Iterable[Mapping[str, Any]]) -> set[str]:
    return {str((m.get("class_path") or [""])[0]) for m in matters}


def _edited(uow: UnitOfWork, actor: Actor, change: str, doc: dict[str, Any], note: str | None) -> Catalog:
    """Publish an edit of one matter; an edit that empties a class of matters (大类) is refused."""
    gone = _classes(_active_document(uow).get("matters") or []) - _classes(doc.get("matters") or [])
    if gone:
        raise Invalid("code", "last_of_class", f"the edit leaves the class {', '.join(sorted(gone))} without matters")
    taken = {v.version for v in list_versions(uow)}
    doc["version"] = _next_version(str(doc.get("version")), taken)
    return publish(uow, actor, doc, note=note or change)


def put_matter(uow: UnitOfWork, actor: Actor, code: str, body: Mapping[str, Any], *, note: str | None = None) -> Matter:
    """Add or replace one matter; publishes a new active version based on the current one."""
    if str(body.get("code", code)) != code:
        raise Invalid("code", "matches_path", f"body code {body.get('code')} differs from {code}")
    matter_from_dict({**body, "code": code}, department_types=department_types())  # clear error before copying
    doc = _active_document(uow)
    matters = [m for m in doc.get("matters") or [] if str(m.get("code")) != code]
    replaced = len(matters) != len(doc.get("matters") or [])
    matters.append({**body, "code": code})
    doc["matters"] = matters
    catalog = _edited(uow, actor, f"{'changed' if replaced else 'added'} {code}", doc, note)
    return catalog.get(code)


def remove_matter(uow: UnitOfWork, actor: Actor, code: str, *, note: str | None = None) -> Catalog:
    """Retire a matter; publishes a new active version without it."""
    doc = _active_document(uow)
    matters = [m for m in doc.get("matters") or [] if str(m.get("code")) != code]
    if len(matters) == len(doc.get("matters") or []):
        raise NotFound(f"no matter {code} in the active catalog", field="code")
    doc["matters"] = matters
    return _edited(uow, actor, f"removed {code}", doc, note)


def activate(uow: UnitOfWork, actor: Actor, version: str) -> Catalog:
    """Make an earlier version the active one again (roll back an edit)."""
    row = uow.execute(sa.select(catalog_versions.c.version).where(catalog_versions.c.version == version)).first()
    if row is None:
        raise NotFound(f"no catalog version {version}", field="version")
    uow.execute(catalog_versions.update().values(active=catalog_versions.c.version == version))
    audit.record(uow, "catalog:version:activated", actor=actor, subject_id=version)
    uow.emit(PUBLISHED, version=version, active=True)
    uow.commit()
    return active_catalog(uow)


def decide_matter(uow: UnitOfWork, code: str, parameters: Mapping[str, Any] | None) -> tuple[Matter, Decision]:
    """定性定责 for a chosen matter and its parameters, by the active catalog's rules."""
    matter = active_catalog(uow).get(code)
    return matter, decide(matter, parameters)


@dataclass(frozen=True)
class Suggestion:
    matter_code: str
    name: str
    confidence: float


def suggest(
    uow: UnitOfWork, text: str, *, k: int = 3, threshold: float = text_classifier.DEFAULT_THRESHOLD
) -> tuple[list[Suggestion], bool]:
    """Top-k matters of the active catalog for a text, and whether a person must triage it."""
    if not text or not text.strip():
        raise Invalid("text", "required", "text is required")
    if not 1 <= k <= 20:
        raise Invalid("k", "range", "k must be between 1 and 20")
    catalog = active_catalog(uow)
    # ask for a few more, since a retired matter the model still knows is skipped
    raw = text_classifier.classify(text, k + 5)
    out = [Suggestion(code, catalog.get(code).name, round(conf, 4)) for code, conf in raw if code in catalog][:k]
    return out, text_classifier.needs_triage([(s.matter_code, s.confidence) for s in out], threshold)


def classification(
    uow: UnitOfWork, text: str, *, k: int = 3, threshold: float = text_classifier.DEFAULT_THRESHOLD
) -> Classification:
    """定性定责 of a free text by the active catalog: readings with their responsible departments,
    the problems it raises (one lead), triage, and texts outside the catalog (清单外)."""
    if not text or not text.strip():
        raise Invalid("text", "required", "text is required")
    if not 1 <= k <= 20:
        raise Invalid("k", "range", "k must be between 1 and 20")
    return read(active_catalog(uow), text, text_classifier.rank_many, k=k, threshold=threshold)


def corrections(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Corrected (text, matter_code) pairs from triage, re-routing and returns (退单).

    The event hub writes them to its `event_training` table; the catalog reads that table by name
    rather than importing the events capability, which sits to its right.
    """
    if "event_training" not in sa.inspect(uow.conn).get_table_names():
        return []
    table = sa.table("event_training", sa.column("text"), sa.column("matter_code"), sa.column("id"))
    q = sa.select(table.c.text, table.c.matter_code).where(table.c.matter_code.is_not(None)).order_by(table.c.id)
    return learning.samples_from_rows(uow.execute(q))


def retrain_candidate(
    uow: UnitOfWork, actor: Actor, *, root: Path | None = None, calibrate: bool = True
) -> learning.RetrainResult:
    """`gridbrain catalog retrain`: a candidate trained on the active catalog, the shipped texts,
    the learned work orders and the event hub's corrections, published only when not worse."""
    catalog = active_catalog(uow)
    fixes = corrections(uow)
    result = learning.retrain(catalog, fixes, root=root, calibrate=calibrate, note=f"{len(fixes)} corrections")
    detail = {
        "candidate": result.candidate.version,
        "top1": result.candidate.top1,
        "responsible": result.candidate.responsible,
        "in_force": result.in_force.version if result.in_force else None,
        "published": result.published,
    }
    audit.record(uow, "catalog:model:retrained", actor=actor, subject_id=result.candidate.version, detail=detail)
    uow.commit()
    return result


def rollback_model(uow: UnitOfWork, actor: Actor, version: str, *, root: Path | None = None) -> models.ModelInfo:
    """Put an earlier saved model in force again (every process takes it within seconds)."""
    info = models.activate(version, root)
    audit.record(uow, "catalog:model:activated", actor=actor, subject_id=version)
    uow.commit()
    return info


def retrain(
    uow: UnitOfWork,
    actor: Actor,
    *,
    extra: Iterable[tuple[str, str]] = (),
    path: Path | None = None,
    use_corrections: bool = True,
    labelled: Iterable[tuple[str, str]] | None = None,
    calibrate: bool = True,
) -> dict[str, Any]:
    """Train the classifier on the active catalog, the labelled texts and the corrections; save it.

    `labelled` replaces the shipped labelled texts (None: use them).
    """
    catalog = active_catalog(uow)
    fixes = corrections(uow) if use_corrections else []
    started = time.perf_counter()
    clf = text_classifier.train_from_catalog(catalog, [*fixes, *extra], labelled=labelled, calibrate=calibrate)
    seconds = time.perf_counter() - started
    target = path or text_classifier.model_path()
    clf.save(target)
    text_classifier.use_classifier(clf)
    figures = {
        "catalog_version": catalog.version,
        "samples": clf.trained_on,
        "corrections": len(fixes),
        "matters": len(clf.classes),
        "train_s": round(seconds, 2),
        "temperature": round(clf.temperature, 4),
        "path": str(target),
    }
    audit.record(uow, "catalog:model:retrained", actor=actor, subject_id=catalog.version, detail=figures)
    uow.commit()
    return figures
