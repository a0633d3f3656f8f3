"""Server-sent events for the pages: every event change, pushed to the open pages of its area.

The signal handlers run in whatever thread committed; each open stream has an asyncio queue on
the server's loop, fed with `call_soon_threadsafe`. A stream only hears changes inside both the
user's scope and the area it watches.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from gridbrain.core.scoping import Scope
from gridbrain.events.signals import EventChanged
from gridbrain.supervision.signals import CardIssued, RedCardIssued

KEEPALIVE_S = 15.0
QUEUE_MAX = 1000


@dataclass(frozen=True)
class LiveChange:
    """What a page is told of one change (no text, no personal data: the page fetches the rest)."""

    event_id: str
    action: str
    status: str
    area_code: str | None
    grid_code: str | None

    def json(self) -> str:
        return json.dumps(self.__dict__, ensure_ascii=False)


@dataclass(eq=False)
class _Listener:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[LiveChange]
    scopes: tuple[Scope, ...]

    def wants(self, change: LiveChange) -> bool:
        return all(s.covers(change.area_code) or s.covers(change.grid_code) for s in self.scopes)


@dataclass
class Broker:
    """The open streams of one app."""

    listeners: set[_Listener] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def on_event(self, signal: EventChanged) -> None:
        """The signal handler: hand the change to every stream that watches its area."""
        change = LiveChange(signal.event_id, signal.action, signal.to_status, signal.area_code, signal.grid_code)
        with self.lock:
            targets = [li for li in self.listeners if li.wants(change)]
        for li in targets:
            li.loop.call_soon_threadsafe(_offer, li.queue, change)

    def on_card(self, signal: CardIssued) -> None:
        """A yellow or red card (supervision's typed signal) refreshes the pages of its area too."""
        colour = "red" if isinstance(signal, RedCardIssued) else "yellow"
        change = LiveChange(signal.event_id, f"card_{colour}", "", signal.area_code, None)
        with self.lock:
            targets = [li for li in self.listeners if li.wants(change)]
        for li in targets:
            li.loop.call_soon_threadsafe(_offer, li.queue, change)

    async def stream(self, *, user_area: str | None, area: str | None) -> AsyncIterator[str]:
        """The text/event-stream of one page: a `changed` message per change, comments to keep alive."""
        scopes = (Scope.of_area(user_area), Scope.of_area(area))
        li = _Listener(asyncio.get_running_loop(), asyncio.Queue(QUEUE_MAX), scopes)
        with self.lock:
            self.listeners.add(li)
        try:
            yield "retry: 2000\n: open\n\n"
            while True:
                try:
                    change = await asyncio.wait_for(li.queue.get(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                yield f"event: changed\ndata: {change.json()}\n\n"
        finally:
            with self.lock:
                self.listeners.discard(li)


def _offer(queue: asyncio.Queue[LiveChange], change: LiveChange) -> None:
    if not queue.full():  # a page that stopped reading loses changes, never the server's memory
        queue.put_nowait(change)
