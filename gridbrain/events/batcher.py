"""Group commit for intake (一个口子进 under load).

Reports that arrive while a batch is being written wait for the next one; each batch is one
transaction — `intake.report_many` and one commit — so the classifier pass, the lookups, the
inserts and the disk flush are paid once per batch instead of once per report. Nobody waits
for a batch to fill: a report that arrives alone is written alone, at once. Every caller is
answered only after its batch has committed, so an accepted event is durable before the API
says so. A report the intake refuses answers its own error and costs the others nothing; should
a batch fail as a whole (a database error), each of its reports is tried again on its own.

Started with the server (`start`), the writer first warms up what every report needs — the
classifier's model and dictionary, the grids of the locator — so that the first resident of the
day does not wait seconds for them; reports that arrive meanwhile queue.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass

from sqlalchemy.engine import Connection, Engine

from gridbrain.core.auth import Actor
from gridbrain.core.db import UnitOfWork
from gridbrain.events.intake import Intake, Report, report_many

log = logging.getLogger(__name__)


@dataclass
class _Job:
    actor: Actor
    report: Report
    future: Future[Intake]


class IntakeBatcher:
    """One writer thread per process that takes reports in batches of up to `max_batch`."""

    def __init__(self, engine: Engine, *, max_batch: int = 128, warm: Callable[[], None] | None = None) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._warm = warm
        # the writer's own connection, kept between batches (no pool checkout and liveness
        # ping per batch); dropped after any failure and when the writer stops
        self._conn: Connection | None = None
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # batches committed, and the reports in them (for the benchmark)
        self.reports = 0

    def submit(self, actor: Actor, report: Report) -> Future[Intake]:
        """Queue a report; the future answers its Intake (or raises its error) after the commit."""
        self.start()
        job = _Job(actor, report, Future())
        self._queue.put(job)
        return job.future

    async def take(self, actor: Actor, report: Report) -> Intake:
        """`submit` for the event loop: awaits the batch's commit without holding a thread."""
        return await asyncio.wrap_future(self.submit(actor, report))

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the writer thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def start(self) -> None:
        """Start the writer thread (the first report does it too), which warms up first."""
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="events-intake", daemon=True)
                self._thread.start()

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except Exception:  # already broken: nothing more to release
                log.debug("closing the intake connection failed", exc_info=True)

    def _run(self) -> None:
        if self._warm is not None:
            try:
                self._warm()
            except Exception:  # a cold start is slow, not wrong: the first batch loads what it needs
                log.exception("warming up the intake failed")
        try:
            self._loop()
        finally:
            self._drop_connection()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Job], *, again: bool = True) -> None:
        kept = self._conn is not None
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
            with UnitOfWork(self.engine, connection=self._conn) as uow:
                results = report_many(uow, [(j.actor, j.report) for j in batch])
                uow.commit()
        except Exception as e:
            self._drop_connection()  # it may be the connection that broke: the next try takes a fresh one
            if kept and again:  # a kept connection may have gone stale while idle: once more on a fresh one
                self._write(batch, again=False)
                return
            if len(batch) == 1:
                batch[0].future.set_exception(e)
                return
            log.warning("a batch of %d reports failed (%s); writing each on its own", len(batch), e)
            for j in batch:
                self._write([j], again=False)
            return
        self.batches += 1
        self.reports += len(batch)
        for j, r in zip(batch, results, strict=True):
            if isinstance(r, Intake):
                j.future.set_result(r)
            else:
                j.future.set_exception(r)
