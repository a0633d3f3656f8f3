"""The outbox delivered by several workers at once (two server processes, or a server and
`gridbrain events deliver`): each message goes out once."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import sqlalchemy as sa

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.events import outbox
from gridbrain.events.tables import event_outbox

MESSAGES = 40


def _enqueue(engine: Any) -> None:
    with UnitOfWork(engine) as uow:
        outbox.enqueue_many(
            uow,
            [
                outbox.message(event_id=f"E{i}", kind="answer", adapter="sms", recipient=f"1380000{i:04d}", payload={})
                for i in range(MESSAGES)
            ],
        )
        uow.commit()


def test_two_workers_delivering_one_outbox_concurrently_never_send_a_message_twice(engine):
    clock.set_now(None)
    _enqueue(engine)
    sent: list[int] = []
    lock = threading.Lock()

    def sms(message: dict[str, Any]) -> None:
        time.sleep(0.005)  # a gateway takes a while: the other worker is claiming meanwhile
        with lock:
            sent.append(message["id"])

    outbox.register_adapter("sms", sms)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait()
            until = time.monotonic() + 3
            while time.monotonic() < until and len(set(sent)) < MESSAGES:  # a worker's loop
                outbox.deliver_due(engine, limit=MESSAGES)
                time.sleep(0.002)
        except BaseException as e:  # a failed worker must fail the test, not vanish with its thread
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    twice = [i for i, n in Counter(sent).items() if n > 1]
    assert twice == []
    assert len(set(sent)) == MESSAGES
    with engine.connect() as c:
        statuses = Counter(r.status for r in c.execute(sa.select(event_outbox.c.status)))
    assert statuses == {"sent": MESSAGES}
