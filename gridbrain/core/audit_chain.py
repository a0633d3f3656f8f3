"""The audit trail as a hash chain: an edit or a deletion of any sealed entry is detected.

Entries are appended by every capability inside its own transaction (`core.audit`), many at
once and from several processes, so they cannot each read "the last hash" without serialising
every state change of the brain. A sealer instead walks the committed, unsealed entries in id
order and gives each its place in the chain (`chain_seq`), the hash of the entry before
(`prev_hash`) and its own hash: sha256 of the previous hash and the entry's canonical content.
One sealer runs at a time (the head row is locked). An entry committed late, with an id below
entries already sealed, simply takes the next place.

`verify` recomputes the chain and names the first entry that does not fit: its content was
edited (hash differs), an entry before it was deleted (a gap in the positions, or the previous
hash differs), or the newest sealed entries were removed (the head row says more). Entries are
tamper-evident from their sealing on (the server seals every few seconds); the head's hash,
printed by `gridbrain audit head`, can be kept outside the database to detect a rewrite of the
whole chain.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.core.tables import audit_chain_head, audit_log

GENESIS = "0" * 64
_CONTENT = ("id", "at", "tag", "subject_id", "actor", "actor_role", "area_code", "detail")


def _content() -> list[Any]:
    """The hashed columns as the driver answers them (timestamps and JSON not parsed: speed)."""
    # SQLite answers both as stored text; PostgreSQL answers the timestamp as a datetime (written
    # the same way by `_at`) and the JSON as text (jsonb::text), parsed by orjson, not the driver
    cols: dict[str, Any] = {k: audit_log.c[k] for k in _CONTENT}
    cols["at"] = sa.type_coerce(audit_log.c.at, sa.String).label("at")
    cols["detail"] = sa.cast(audit_log.c.detail, sa.Text).label("detail")
    return [cols[k] for k in _CONTENT]


def _at(at: object) -> str:
    # UTC, naive, always with microseconds: what SQLite stores as text, and PostgreSQL's value
    # written the same way, so a chain survives a backup restored into the other database
    if isinstance(at, datetime):
        return at.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    return str(at)


def values_of(row: Mapping[Any, Any]) -> tuple[Any, ...]:
    """An entry's hashed content, in chain order, from a row or a dict of its columns."""
    return tuple(row[k] for k in _CONTENT)


def canonical(values: Sequence[Any]) -> bytes:
    """The bytes an entry's hash covers: its content (`values_of`) in a fixed order, keys sorted."""
    entry_id, at, tag, subject_id, actor, actor_role, area_code, detail = values
    if isinstance(detail, str | bytes):
        detail = orjson.loads(detail)
    return orjson.dumps(
        [entry_id, _at(at), tag, subject_id, actor, actor_role, area_code, detail],
        option=orjson.OPT_SORT_KEYS,
        default=str,
    )


def link(prev_hash: str, values: Sequence[Any]) -> str:
    """The hash of an entry (its `values_of`) that follows `prev_hash` in the chain."""
    h = hashlib.sha256(prev_hash.encode("ascii"))
    h.update(b"\n")
    h.update(canonical(values))
    return h.hexdigest()


def _head(uow: UnitOfWork, *, lock: bool) -> tuple[int, str]:
    q = sa.select(audit_chain_head.c.seq, audit_chain_head.c.hash).where(audit_chain_head.c.id == 1)
    row = uow.execute(q.with_for_update() if lock and uow.postgres else q).first()
    if row is None:
        if lock:
            uow.execute(audit_chain_head.insert().values(id=1, seq=0, hash=GENESIS, sealed_at=clock.now()))
            if uow.postgres:  # another sealer may have inserted it first: take the lock on its row
                return _head(uow, lock=True)
        return 0, GENESIS
    return int(row.seq), str(row.hash)


def seal(uow: UnitOfWork, *, limit: int = 20_000) -> int:
    """Give the oldest unsealed entries (at most `limit`) their place in the chain; answers how
    many were sealed. The caller commits."""
    seq, prev = _head(uow, lock=True)
    cols = _content()
    rows = uow.execute(
        sa.select(*cols).where(audit_log.c.chain_seq.is_(None)).order_by(audit_log.c.id).limit(limit)
    ).all()
    if not rows:
        return 0
    updates = []
    for row in rows:
        seq += 1
        digest = link(prev, tuple(row))
        updates.append({"b_id": row.id, "b_seq": seq, "b_prev": prev, "b_hash": digest})
        prev = digest
    stmt = (
        audit_log.update()
        .where(audit_log.c.id == sa.bindparam("b_id"))
        .values(chain_seq=sa.bindparam("b_seq"), prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash"))
    )
    uow.execute(stmt, updates)
    uow.execute(
        audit_chain_head.update().where(audit_chain_head.c.id == 1).values(seq=seq, hash=prev, sealed_at=clock.now())
    )
    return len(rows)


def seal_all(engine: Engine, *, batch: int = 20_000) -> int:
    """Seal every committed entry, a batch per transaction; answers how many were sealed."""
    total = 0
    while True:
        with UnitOfWork(engine) as uow:
            n = seal(uow, limit=batch)
            uow.commit()
        total += n
        if n < batch:
            return total


@dataclass(frozen=True)
class Verdict:
    """What `verify` found: how many sealed entries it checked, how many wait to be sealed, and
    the first entry that breaks the chain (None when the chain holds)."""

    checked: int
    unsealed: int
    head_seq: int
    broken_id: int | None = None
    broken_seq: int | None = None
    reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.reason is None


def _sealed(engine: Engine, batch: int) -> Iterator[Any]:
    cols = [*_content(), audit_log.c.chain_seq, audit_log.c.prev_hash, audit_log.c.hash]
    q = sa.select(*cols).where(audit_log.c.chain_seq.is_not(None)).order_by(audit_log.c.chain_seq)
    with engine.connect() as conn:
        yield from conn.execution_options(stream_results=True, yield_per=batch).execute(q)


def verify(engine: Engine, *, batch: int = 10_000) -> Verdict:
    """Recompute the chain from the first entry and name the first one that does not fit."""
    with UnitOfWork(engine) as uow:
        head_seq, head_hash = _head(uow, lock=False)
        unsealed = uow.execute(
            sa.select(sa.func.count()).select_from(audit_log).where(audit_log.c.chain_seq.is_(None))
        ).scalar_one()
    expected_seq, prev, checked = 1, GENESIS, 0

    def broken(row: Any, reason: str) -> Verdict:
        return Verdict(checked, unsealed, head_seq, row[0], row[8], reason)

    n = len(_CONTENT)
    for row in _sealed(engine, batch):
        if row[n] != expected_seq:
            return broken(row, f"entries at chain positions {expected_seq}–{row[n] - 1} are missing")
        if row[n + 1] != prev:
            return broken(row, "its previous hash does not match the entry before it")
        digest = link(prev, row[:n])
        if digest != row[n + 2]:
            return broken(row, "its content was changed after it was sealed")
        prev, expected_seq, checked = digest, expected_seq + 1, checked + 1
    if checked != head_seq or prev != head_hash:
        return Verdict(
            checked, unsealed, head_seq, None, checked + 1, f"the chain ends at {checked}; head says {head_seq}"
        )
    return Verdict(checked, unsealed, head_seq)


def head(engine: Engine) -> tuple[int, str]:
    """The newest sealed position and its hash (to be kept outside the database)."""
    with UnitOfWork(engine) as uow:
        return _head(uow, lock=False)
