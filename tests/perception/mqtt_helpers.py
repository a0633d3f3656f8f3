"""A real MQTT publisher and consumer for the perception tests (the broker at GRIDBRAIN_TEST_MQTT)."""

from __future__ import annotations

import secrets
import socket
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy.engine import Engine

from gridbrain.perception.consumer import Consumer, Stats, topic_of
from tests.conftest import MQTT_ADDR, need_service
from tests.factories import DISTRICT

HOST, PORT = MQTT_ADDR.split(":")[0], int(MQTT_ADDR.split(":")[1])


def need_broker() -> None:
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
    except OSError as e:
        need_service("MQTT broker", f"{MQTT_ADDR}: {e}")


def publish(messages: list[tuple[str, str, bytes]]) -> None:
    """Publish (kind, device, payload) readings with QoS 1 and wait until the broker has them."""
    c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-pub-{secrets.token_hex(4)}", protocol=mqtt.MQTTv5)
    c.max_inflight_messages_set(1000)
    c.connect(HOST, PORT)
    c.loop_start()
    try:
        infos = [c.publish(topic_of(DISTRICT, kind, device), payload, qos=1) for kind, device, payload in messages]
        for info in infos:
            info.wait_for_publish(timeout=30)
            assert info.is_published()
    finally:
        c.loop_stop()
        c.disconnect()


def new_group() -> str:
    """A shared-subscription group of this test alone (other runs may share the broker)."""
    return f"t{secrets.token_hex(4)}"


class Running:
    """A consumer in a thread of this process, subscribed before the test publishes."""

    def __init__(self, engine: Engine, group: str, *, client_id: str | None = None) -> None:
        self.consumer = Consumer(
            engine,
            client_id=client_id or f"test-{group}",
            district_code=DISTRICT,
            host=HOST,
            port=PORT,
            group=group,
            batch_wait_s=0.05,
            sweep_interval_s=0,
        )
        self.stats: Stats | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        self.stats = self.consumer.run(idle_exit_s=2.0)

    def __enter__(self) -> Running:
        self.thread.start()
        assert self.consumer.subscribed.wait(10), "the consumer did not subscribe"
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.join(30)
        assert not self.thread.is_alive()
