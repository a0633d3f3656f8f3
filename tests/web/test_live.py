"""The live stream: a change reaches the pages that watch its area, and no others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any, TypeVar

from gridbrain.events.signals import EventReported
from gridbrain.web.live import Broker
from gridbrain.web.throttle import Throttle

T = TypeVar("T")
STREET, OTHER = "330110001000", "330110002000"
GRID = "330110001001001"


def _run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on its own loop in a thread (the browser tests' Playwright may hold this one)."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(coro)))
    thread.start()
    thread.join(30)
    return out[0]


def _signal() -> EventReported:
    return EventReported(
        event_id="E1", from_status=None, to_status="dispatched", at=datetime.now(UTC), actor="x",
        area_code=STREET, grid_code=GRID,
    )  # fmt: skip


def test_a_change_reaches_the_stream_of_its_area_from_another_thread_and_not_the_others():
    async def main() -> tuple[str, bool]:
        broker = Broker()
        mine = broker.stream(user_area=None, area=STREET)
        other = broker.stream(user_area=None, area=OTHER)
        assert (await mine.__anext__()).startswith("retry:")
        assert (await other.__anext__()).startswith("retry:")
        threading.Thread(target=broker.on_event, args=(_signal(),)).start()
        message = await asyncio.wait_for(mine.__anext__(), 5)
        try:
            await asyncio.wait_for(other.__anext__(), 0.3)
            heard = True
        except TimeoutError:
            heard = False
        await mine.aclose()
        return message, heard

    message, other_heard = _run(main())
    assert message.startswith("event: changed\n") and '"event_id": "E1"' in message
    assert other_heard is False


def test_a_user_s_own_scope_bounds_what_the_stream_hears():
    async def main() -> bool:
        broker = Broker()
        outsider = broker.stream(user_area=OTHER, area=None)
        await outsider.__anext__()
        broker.on_event(_signal())
        try:
            await asyncio.wait_for(outsider.__anext__(), 0.3)
            return True
        except TimeoutError:
            return False

    assert _run(main()) is False


def test_a_card_issued_in_the_area_reaches_its_stream():
    from datetime import UTC, datetime

    from gridbrain.supervision.signals import RedCardIssued

    async def main() -> str:
        broker = Broker()
        mine = broker.stream(user_area=None, area=STREET)
        await mine.__anext__()
        card = RedCardIssued(1, "E2", "disposal", 1, None, STREET, datetime.now(UTC))
        threading.Thread(target=broker.on_card, args=(card,)).start()
        return await asyncio.wait_for(mine.__anext__(), 5)

    message = _run(main())
    assert '"event_id": "E2"' in message and '"action": "card_red"' in message


def test_a_closed_stream_is_no_longer_listened_to():
    async def main() -> int:
        broker = Broker()
        s = broker.stream(user_area=None, area=STREET)
        await s.__anext__()
        await s.aclose()
        return len(broker.listeners)

    assert _run(main()) == 0


def test_the_throttle_refuses_past_its_limit_and_forgets_after_the_window():
    t = Throttle(limit=2, window_s=60)
    assert [t.allow("a", now=0), t.allow("a", now=1), t.allow("a", now=2)] == [True, True, False]
    assert t.allow("b", now=2) is True
    assert t.allow("a", now=61) is True
