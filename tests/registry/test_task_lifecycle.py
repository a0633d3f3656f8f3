"""The verification task's lifecycle (以核代采) and the typed records: pure rules, no database."""

from datetime import UTC, date, datetime

import pytest

from gridbrain.core.errors import Conflict
from gridbrain.registry.model import (
    Kind,
    Person,
    Place,
    TaskReason,
    TaskStatus,
    VerificationTask,
    record_of,
)

AT = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)


def open_task() -> VerificationTask:
    grid = "330110001001001"
    return VerificationTask.new("t1", "person", "K1", grid, TaskReason.POLICY, None, at=AT, due_on=AT.date())


def test_a_new_task_is_open():
    assert open_task().status is TaskStatus.OPEN


def test_an_answer_without_changes_confirms_the_task():
    done = open_task().answered((), by="w1", at=AT)
    assert (done.status, done.answered_by, done.changed_fields) == (TaskStatus.CONFIRMED, "w1", ())


def test_an_answer_with_changed_fields_marks_the_task_changed_and_keeps_the_fields():
    done = open_task().answered(("phone",), by="w1", at=AT)
    assert (done.status, done.changed_fields) == (TaskStatus.CHANGED, ("phone",))


@pytest.mark.parametrize("first", [(), ("phone",)])
def test_an_answered_task_refuses_a_second_answer_naming_its_state_and_that_nothing_is_allowed(first):
    done = open_task().answered(first, by="w1", at=AT)
    with pytest.raises(Conflict) as e:
        done.answered((), by="w2", at=AT)
    assert f"is {done.status.value}" in str(e.value) and "allowed: none" in str(e.value)
    assert e.value.field == "status"


def test_a_refused_answer_leaves_the_task_as_it_was():
    done = open_task().answered((), by="w1", at=AT)
    with pytest.raises(Conflict):
        done.answered(("phone",), by="w2", at=AT)
    assert done.answered_by == "w1" and done.changed_fields == ()


def test_stored_values_become_the_record_type_of_their_kind():
    person = record_of(Kind.PERSON, {"id_number": "X", "name": "甲", "sex": "F", "birth_date": date(1950, 1, 1),
                                     "tags": ["低保"], "source": "import"})  # fmt: skip
    assert isinstance(person, Person) and person.key == "X" and person.tags == ("低保",)


def test_a_place_record_keeps_its_coordinates_and_layer():
    place = record_of(Kind.PLACE, {"id": "P1", "layer": "school", "name": "小学", "lat": 30.3, "lng": 120.1})
    assert isinstance(place, Place) and (place.layer, place.lat, place.lng) == ("school", 30.3, 120.1)
