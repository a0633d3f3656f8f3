"""Verify instead of collect (以核代采): tasks by policy and by signal, confirm or change, coverage."""

from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from gridbrain.core import auth, clock
from gridbrain.core.errors import Invalid, NotFound
from gridbrain.registry import reads, storage, verification
from gridbrain.registry.model import PERSON, Kind
from gridbrain.registry.tables import people, record_versions, verification_tasks
from tests.registry.helpers import person_id


def seed(uow, grid, n, *, verified_at=None):
    actor = auth.find_user(uow, "steward")
    records = []
    for i in range(n):
        records.append({
            "id_number": person_id(100 + i), "name": f"居民{i}", "sex": "M",
            "birth_date": datetime(1950, 3, 1).date(), "phone": f"1380000{i:04d}", "grid_code": grid,
            "area_code": grid, "residence_address": f"星河路{i}号", "address_match": "matched",
            "residence_address_code": f"A{i:05d}",
        })  # fmt: skip
    storage.upsert_batch(uow, PERSON, records, source="import", actor=actor)
    if verified_at is not None:
        uow.execute(people.update().values(verified_at=verified_at))
    uow.commit()
    return [r["id_number"] for r in records]


def test_a_task_that_confirms_everything_changes_nothing_but_the_verified_date(district, uow):
    clock.set_now(datetime(2026, 5, 1, 9, 0))
    grid = district.grids[0]
    (_pid,) = seed(uow, grid, 1)
    before = dict(uow.execute(sa.select(people)).one()._mapping)
    worker = auth.find_user(uow, "grid1_worker")
    assert verification.generate_due(uow, worker) == 1
    task = verification.list_tasks(uow, worker)[0]
    assert task.held["phone"] == before["phone"]  # the worker sees what is held
    clock.advance(timedelta(days=3))
    answered = verification.answer(uow, worker, task.task.id, {})
    assert answered.task.status == "confirmed" and answered.task.changed_fields == ()
    after = dict(uow.execute(sa.select(people)).one()._mapping)
    assert after.pop("verified_at") is not None and before.pop("verified_at") is None
    assert after == before
    assert uow.execute(sa.select(sa.func.count()).select_from(record_versions)).scalar() == 0


def test_a_changed_phone_is_a_versioned_update_by_the_grid_worker(district, uow):
    clock.set_now(datetime(2026, 5, 1, 9, 0))
    (pid,) = seed(uow, district.grids[0], 1)
    worker = auth.find_user(uow, "grid1_worker")
    verification.generate_due(uow, worker)
    task = verification.list_tasks(uow, worker)[0]
    clock.advance(timedelta(days=1))
    answered = verification.answer(uow, worker, task.task.id, {"phone": "139 0000 1111"})
    assert answered.task.status == "changed" and answered.task.changed_fields == ("phone",)
    row = uow.execute(sa.select(people)).one()
    assert (row.phone, row.source, row.updated_by) == ("13900001111", "grid_worker", "grid1_worker")
    old = reads.get_record(uow, worker, Kind.PERSON, pid, datetime(2026, 5, 1, 12, 0, tzinfo=clock.CHINA))
    assert old.values["phone"] == "13800000000"


def test_a_grid_worker_cannot_send_a_broken_value_or_touch_the_key(district, uow):
    seed(uow, district.grids[0], 1)
    worker = auth.find_user(uow, "grid1_worker")
    verification.generate_due(uow, worker)
    task = verification.list_tasks(uow, worker)[0]
    with pytest.raises(Invalid) as e:
        verification.answer(uow, worker, task.task.id, {"phone": "12"})
    assert e.value.field == "phone"
    with pytest.raises(Invalid):
        verification.answer(uow, worker, task.task.id, {"id_number": person_id(999)})


def test_tasks_of_another_grid_are_invisible_to_a_grid_worker(district, uow):
    seed(uow, district.grids[1], 1)
    steward = auth.find_user(uow, "steward")
    assert verification.generate_due(uow, steward) == 1
    worker = auth.find_user(uow, "grid1_worker")
    assert verification.list_tasks(uow, worker) == []
    task_id = uow.execute(sa.select(verification_tasks.c.id)).scalar_one()
    with pytest.raises(NotFound):
        verification.answer(uow, worker, task_id, {})


def test_records_verified_within_policy_get_no_new_task_and_count_as_covered(district, uow):
    clock.set_now(datetime(2026, 5, 1, 9, 0))
    grid = district.grids[0]
    seed(uow, grid, 4, verified_at=clock.now() - timedelta(days=10))
    uow.execute(people.update().where(people.c.id_number == person_id(100)).values(verified_at=None))
    uow.execute(
        people.update()
        .where(people.c.id_number == person_id(101))
        .values(verified_at=clock.now() - timedelta(days=200))
    )
    uow.commit()
    steward = auth.find_user(uow, "steward")
    assert verification.generate_due(uow, steward) == 2
    assert verification.generate_due(uow, steward) == 0  # open tasks are not doubled
    assert verification.coverage(uow, steward) == [
        {"grid_code": grid, "kind": "person", "total": 4, "verified": 2, "coverage": 0.5}
    ]


def test_an_address_change_from_elsewhere_creates_a_task_for_the_new_grid(district, uow):
    clock.set_now(datetime(2026, 5, 1, 9, 0))
    (pid,) = seed(uow, district.grids[0], 1)
    steward = auth.find_user(uow, "steward")
    moved = {
        "id_number": pid,
        "residence_address": "新地址1号",
        "residence_address_code": "B1",
        "grid_code": district.grids[3],
        "area_code": district.grids[3],
        "address_match": "matched",
    }
    clock.advance(timedelta(days=1))
    storage.upsert_batch(uow, PERSON, [moved], source="public_security", actor=steward)
    uow.commit()
    task = uow.execute(sa.select(verification_tasks)).one()
    assert (task.reason, task.grid_code, task.record_key) == ("signal", district.grids[3], pid)
