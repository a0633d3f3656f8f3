from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from gridbrain.core import audit, clock
from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.core.tables import audit_log


def test_timestamps_come_back_aware_and_equal_on_both_databases(uow):
    at = datetime(2026, 9, 30, 17, 45, 12, 345000, tzinfo=timezone(timedelta(hours=8)))
    clock.set_now(at)
    audit.record(uow, "core:test:done", actor=Actor.system())
    uow.commit()
    got = uow.execute(sa.select(audit_log.c.at)).scalar_one()
    assert got.tzinfo is not None
    assert got == at
    assert got < clock.now() + timedelta(seconds=1)


def test_a_naive_timestamp_is_refused_instead_of_stored_ambiguously(uow):
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        uow.execute(audit_log.insert().values(at=datetime(2026, 1, 1), tag="core:test:x", actor="t"))


def test_nothing_is_kept_when_a_unit_of_work_ends_without_commit(engine):
    with UnitOfWork(engine) as uow:
        audit.record(uow, "core:test:lost", actor=Actor.system())
    with UnitOfWork(engine) as uow:
        assert uow.execute(sa.select(sa.func.count()).select_from(audit_log)).scalar_one() == 0


def test_signals_are_published_only_after_commit(engine):
    from gridbrain.core import signals

    seen = []
    signals.connect("core:test:happened", lambda s: seen.append(s.payload["n"]))
    with UnitOfWork(engine) as uow:
        uow.emit("core:test:happened", n=1)
        assert seen == []
        uow.commit()
        assert seen == [1]
        uow.emit("core:test:happened", n=2)
        uow.rollback()
    assert seen == [1]


def test_an_audit_tag_must_read_capability_subject_action(uow):
    with pytest.raises(ValueError, match="capability:subject:action"):
        audit.record(uow, "created", actor=Actor.system())


def test_clock_reads_naive_times_as_china_time():
    clock.set_now(datetime(2026, 10, 1, 8, 0))
    assert clock.now() == datetime(2026, 10, 1, 0, 0, tzinfo=UTC)
