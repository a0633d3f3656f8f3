"""The MQTT adapter (`gridbrain perceive`): readings from `gridbrain/{district}/{kind}/{device}/up`.

MQTT 5 shared subscription (`$share/{group}/...`: consumers of one group split the load, each
message goes to one of them), QoS 1, a persistent session (clean start off, a long session
expiry: what arrives while the consumer is down waits for it) and manual acknowledgement: a
message is acknowledged only after the transaction that stored or rejected it committed, so a
consumer killed at any moment loses nothing — the broker sends again what was not acknowledged
(and admission counts a reading stored twice as a duplicate, never twice as stored)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy.engine import Engine

from gridbrain.core import clock
from gridbrain.core.db import UnitOfWork
from gridbrain.perception import intake, storage
from gridbrain.perception.devices import cache
from gridbrain.perception.intake import Incoming

log = logging.getLogger(__name__)
SESSION_EXPIRY_S = 7 * 24 * 3600


def topic_filter(district_code: str, group: str | None) -> str:
    """What a consumer subscribes to; with a group, a shared subscription."""
    plain = f"gridbrain/{district_code}/+/+/up"
    return f"$share/{group}/{plain}" if group else plain


def topic_of(district_code: str, kind: str, device_id: str) -> str:
    """The topic a device publishes its readings on."""
    return f"gridbrain/{district_code}/{kind}/{device_id}/up"


@dataclass
class Stats:
    received: int = 0
    stored: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    batches: int = 0
    redelivered: int = 0  # messages the broker sent again (not acknowledged before a restart)


class Consumer:
    """One consumer process's MQTT client and its store loop."""

    def __init__(  # noqa: PLR0913 - keyword-only settings of one consumer, each with its default
        self,
        engine: Engine,
        *,
        client_id: str,
        district_code: str,
        host: str = "127.0.0.1",
        port: int = 1883,
        group: str | None = "gridbrain",
        batch_size: int = 2000,
        batch_wait_s: float = 0.2,
        sweep_interval_s: float = 60.0,
    ) -> None:
        self.engine = engine
        self.filter = topic_filter(district_code, group)
        self.batch_size, self.batch_wait_s, self.sweep_interval_s = batch_size, batch_wait_s, sweep_interval_s
        self.stats = Stats()
        self.inbox: queue.Queue[mqtt.MQTTMessage] = queue.Queue()
        self.subscribed = threading.Event()
        self._stop = threading.Event()
        c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True)
        c.on_connect = self._on_connect
        c.on_subscribe = self.on_subscribed
        c.on_message = lambda _c, _u, msg: self.inbox.put(msg)
        c.max_inflight_messages_set(65535)
        c.reconnect_delay_set(min_delay=1, max_delay=5)  # a broker back soon is found soon; stopping never waits long
        self.client = c
        self.host, self.port = host, port

    def _on_connect(self, client: mqtt.Client, _u: object, _f: object, reason: object, _p: object) -> None:
        client.subscribe(self.filter, qos=1)

    def connect(self) -> None:
        props = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # untyped in paho
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = 65535  # let the broker send ahead while a batch is being stored
        self.client.connect(self.host, self.port, keepalive=30, clean_start=False, properties=props)
        self.client.loop_start()

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()

    def _take(self) -> list[mqtt.MQTTMessage]:
        try:
            first = self.inbox.get(timeout=0.5)
        except queue.Empty:
            return []
        batch = [first]
        deadline = time.monotonic() + self.batch_wait_s
        while len(batch) < self.batch_size:
            left = deadline - time.monotonic()
            try:
                batch.append(self.inbox.get(timeout=max(left, 0)) if left > 0 else self.inbox.get_nowait())
            except queue.Empty:
                break
        return batch

    def on_subscribed(self, *_args: object) -> None:
        self.subscribed.set()
        log.info("subscribed to %s", self.filter)

    def store(self, batch: list[mqtt.MQTTMessage]) -> None:
        """Store or reject a batch in one transaction, then acknowledge its messages."""
        with UnitOfWork(self.engine) as uow:
            out = intake.ingest(uow, [Incoming("mqtt", bytes(m.payload), m.topic) for m in batch])
            uow.commit()
        for m in batch:
            self.client.ack(m.mid, m.qos)
        s = self.stats
        s.received += len(batch)
        s.stored += out.stored
        s.rejected.update(out.rejected)
        s.redelivered += sum(1 for m in batch if m.dup)
        s.batches += 1

    def sweep(self) -> None:
        with UnitOfWork(self.engine) as uow:
            intake.sweep(uow)
            uow.commit()

    def run(self, *, max_messages: int | None = None, idle_exit_s: float | None = None) -> Stats:
        """Consume until stopped (or `max_messages` handled, or nothing came for `idle_exit_s`)."""
        with UnitOfWork(self.engine) as uow:
            cache.preload(uow)
            storage.ensure_partitions(uow, clock.now())
            uow.commit()
        self.connect()
        last_sweep = last_message = time.monotonic()
        try:
            while not self._stop.is_set():
                batch = self._take()
                if batch:
                    self.store(batch)
                    last_message = time.monotonic()
                elif idle_exit_s is not None and time.monotonic() - last_message > idle_exit_s:
                    break
                if max_messages is not None and self.stats.received >= max_messages:
                    break
                if self.sweep_interval_s and time.monotonic() - last_sweep > self.sweep_interval_s:
                    self.sweep()
                    last_sweep = time.monotonic()
        finally:
            self.close()
        return self.stats
