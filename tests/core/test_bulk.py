"""Bulk writes and reads of the kernel on both databases, in-transaction signal handlers, and the
bearer-token cache."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from gridbrain.core import auth, clock, signals
from gridbrain.core.db import UnitOfWork, insert_many, one_of
from gridbrain.core.errors import Unauthenticated
from gridbrain.core.tables import audit_log
from gridbrain.events.tables import events


def _audit_rows(n: int) -> list[dict]:  # type: ignore[type-arg]
    now = clock.now()
    return [
        {
            "at": now,
            "tag": "test:row:written",
            "subject_id": f"s{i}" if i % 2 else None,
            "actor": "测试员",
            "actor_role": "admin",
            "area_code": None,
            "detail": {"i": i, "text": "中文，带'引号\"和{括号}", "none": None} if i % 3 else None,
        }
        for i in range(n)
    ]


def test_insert_many_writes_every_row_with_its_nulls_json_and_text_intact(engine):
    rows = _audit_rows(7)
    with UnitOfWork(engine) as uow:
        insert_many(uow, audit_log, rows)
        uow.commit()
    with engine.connect() as c:
        got = c.execute(sa.select(audit_log).order_by(audit_log.c.id)).all()
    assert [(r.subject_id, r.actor, r.detail, r.at) for r in got] == [
        (r["subject_id"], r["actor"], r["detail"], r["at"]) for r in rows
    ]


def test_insert_many_skips_rows_whose_unique_key_exists(engine):
    now = clock.now()

    def event(i: str, external_id: str | None) -> dict:  # type: ignore[type-arg]
        return {
            "id": i,
            "channel": "app",
            "external_id": external_id,
            "text": "路灯不亮",
            "status": "reported",
            "area_code": "330110000000",
            "reported_at": now,
            "updated_at": now,
        }

    with UnitOfWork(engine) as uow:
        insert_many(uow, events, [event("E1", "a-1")], skip_existing=("channel", "external_id"))
        insert_many(
            uow,
            events,
            [event("E2", "a-1"), event("E3", "a-2"), event("E4", None), event("E5", None)],
            skip_existing=("channel", "external_id"),
        )
        uow.commit()
    with engine.connect() as c:
        assert sorted(c.execute(sa.select(events.c.id)).scalars()) == ["E1", "E3", "E4", "E5"]


def test_one_of_finds_exactly_the_listed_values(engine):
    with UnitOfWork(engine) as uow:
        insert_many(uow, audit_log, _audit_rows(6))
        uow.commit()
    with UnitOfWork(engine) as uow:
        wanted = ["s1", "s5", "missing"]
        got = uow.execute(
            sa.select(audit_log.c.subject_id).where(one_of(audit_log.c.subject_id, wanted, postgres=uow.postgres))
        ).scalars()
        assert sorted(got) == ["s1", "s5"]
        none = uow.execute(
            sa.select(audit_log.c.subject_id).where(one_of(audit_log.c.subject_id, [], postgres=uow.postgres))
        ).all()
        assert none == []


def test_an_in_transaction_handler_commits_with_the_change_and_its_failure_stops_it(engine):
    seen: list[list[str]] = []

    def write_too(uow: UnitOfWork, sigs: list[signals.Signal]) -> None:
        seen.append([s.payload["n"] for s in sigs])
        insert_many(uow, audit_log, [{**_audit_rows(1)[0], "subject_id": s.payload["n"]} for s in sigs])
        if any(s.payload["n"] == "boom" for s in sigs):
            raise RuntimeError("the handler failed")

    signals.connect_in_transaction("test:thing:done", write_too)
    with UnitOfWork(engine) as uow:
        uow.emit("test:thing:done", n="a")
        uow.emit("test:other:done", n="x")  # nobody in the transaction listens to this one
        uow.emit("test:thing:done", n="b")
        uow.commit()
    assert seen == [["a", "b"]]  # one call, the commit's signals in order
    with UnitOfWork(engine) as uow:
        uow.emit("test:thing:done", n="boom")
        with pytest.raises(RuntimeError):
            uow.commit()
    with engine.connect() as c:
        assert sorted(c.execute(sa.select(audit_log.c.subject_id)).scalars()) == ["a", "b"]


def test_a_checked_token_is_remembered_and_a_made_up_one_never(engine, district):
    token = district.tokens["admin"]
    auth.forget_tokens()
    assert auth.cached_token(token) is None
    with UnitOfWork(engine) as uow:
        actor = auth.authenticate_token(uow, token)
    assert auth.cached_token(token) == actor
    with UnitOfWork(engine) as uow, pytest.raises(Unauthenticated):
        auth.authenticate_token(uow, "gb_made-up")
    assert auth.cached_token("gb_made-up") is None
    auth.forget_tokens()
    assert auth.cached_token(token) is None
