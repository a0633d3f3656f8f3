"""The audit trail's hash chain: every sealed entry is covered, and an edit or a deletion of any
of them is found and named (issue 14: a tamper-evident audit log)."""

from __future__ import annotations

import itertools

import sqlalchemy as sa
from typer.testing import CliRunner

from gridbrain.core import audit, audit_chain
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.tables import audit_chain_head, audit_log


def _append(engine, n: int, *, start: int = 0) -> None:
    with UnitOfWork(engine) as uow:
        for i in range(start, start + n):
            audit.record(
                uow,
                "events:event:dispatched",
                actor=Actor.system("test"),
                subject_id=f"E{i}",
                area_code="330110001000",
                detail={"seq": i, "note": "派单给城管执法", "level": "street"},
            )
        uow.commit()


def _chain(engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(audit_log).order_by(audit_log.c.chain_seq)).all()


def test_sealing_links_each_entry_to_the_one_before(engine):
    _append(engine, 5)
    assert audit_chain.seal_all(engine) == 5
    rows = _chain(engine)
    assert [r.chain_seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit_chain.GENESIS
    for before, after in itertools.pairwise(rows):
        assert after.prev_hash == before.hash
    assert audit_chain.head(engine) == (5, rows[-1].hash)
    verdict = audit_chain.verify(engine)
    assert verdict.ok and verdict.checked == 5 and verdict.unsealed == 0


def test_entries_appended_after_a_seal_continue_the_same_chain(engine):
    _append(engine, 3)
    audit_chain.seal_all(engine)
    _append(engine, 2, start=3)
    assert audit_chain.verify(engine).unsealed == 2
    assert audit_chain.seal_all(engine, batch=1) == 2
    assert [r.chain_seq for r in _chain(engine)] == [1, 2, 3, 4, 5]
    assert audit_chain.verify(engine).ok


def test_an_edited_entry_is_named_as_the_first_broken_one(engine):
    _append(engine, 6)
    audit_chain.seal_all(engine)
    victim = _chain(engine)[3]
    with engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == victim.id).values(actor="someone_else"))
    verdict = audit_chain.verify(engine)
    assert not verdict.ok
    assert verdict.broken_id == victim.id and verdict.broken_seq == 4
    assert "changed" in (verdict.reason or "")


def test_an_edit_of_the_detail_alone_is_found(engine):
    _append(engine, 3)
    audit_chain.seal_all(engine)
    victim = _chain(engine)[1]
    with engine.begin() as conn:
        conn.execute(
            audit_log.update().where(audit_log.c.id == victim.id).values(detail={**victim.detail, "note": "已办结"})
        )
    assert audit_chain.verify(engine).broken_id == victim.id


def test_a_deleted_entry_breaks_the_chain_at_the_entry_after_it(engine):
    _append(engine, 6)
    audit_chain.seal_all(engine)
    rows = _chain(engine)
    with engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id == rows[2].id))
    verdict = audit_chain.verify(engine)
    assert not verdict.ok
    assert verdict.broken_id == rows[3].id
    assert "missing" in (verdict.reason or "")


def test_an_entry_rehashed_by_hand_still_breaks_the_link_to_the_next(engine):
    _append(engine, 4)
    audit_chain.seal_all(engine)
    rows = _chain(engine)
    forged = {**rows[1]._mapping, "actor": "forger"}
    with engine.begin() as conn:
        conn.execute(
            audit_log.update()
            .where(audit_log.c.id == rows[1].id)
            .values(actor="forger", hash=audit_chain.link(rows[1].prev_hash, audit_chain.values_of(forged)))
        )
    verdict = audit_chain.verify(engine)
    assert verdict.broken_id == rows[2].id
    assert "previous hash" in (verdict.reason or "")


def test_removing_the_newest_entries_is_found_by_the_head(engine):
    _append(engine, 5)
    audit_chain.seal_all(engine)
    rows = _chain(engine)
    with engine.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.id.in_([rows[3].id, rows[4].id])))
    verdict = audit_chain.verify(engine)
    assert not verdict.ok and verdict.broken_seq == 4
    with engine.begin() as conn:
        conn.execute(audit_chain_head.update().values(seq=3, hash=rows[2].hash))
    assert audit_chain.verify(engine).ok  # a rewritten head hides it: why the head is kept outside


def test_audit_verify_names_the_first_broken_entry_and_exits_non_zero(cli_db):
    from gridbrain.cli import app

    engine = cli_db
    _append(engine, 3)
    runner = CliRunner()
    ok = runner.invoke(app, ["audit", "verify"])
    assert ok.exit_code == 0, ok.output
    assert "3" in ok.output
    victim = _chain(engine)[0]
    with engine.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.id == victim.id).values(tag="events:event:closed"))
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"entry {victim.id}" in bad.output
