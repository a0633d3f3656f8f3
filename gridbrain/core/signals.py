"""In-process publish/subscribe, so capabilities on the left can react to those on the right.

Handlers are wired in `app.py` (the composition root). A unit of work collects signals and
publishes them only after it commits, so no handler ever sees a change that was rolled back.

A handler connected with `connect_in_transaction` runs instead inside the unit of work that
emits, just before its commit, with all of that commit's signals it listens to: what it writes
commits (or rolls back) with the change itself, and its failure fails the change.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

Handler = Callable[["Signal"], None]


@dataclass(frozen=True)
class Signal:
    name: str  # "capability:subject:action", e.g. "events:event:closed"
    payload: dict[str, Any] = field(default_factory=dict)


_handlers: dict[str, list[Handler]] = defaultdict(list)
TxHandler = Callable[[Any, list["Signal"]], None]  # (unit of work, signals)
_tx_handlers: dict[str, list[TxHandler]] = defaultdict(list)


def connect(name: str, handler: Handler) -> None:
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def connect_in_transaction(name: str, handler: TxHandler) -> None:
    """Run `handler(uow, signals)` inside the emitting unit of work, before it commits."""
    if handler not in _tx_handlers[name]:
        _tx_handlers[name].append(handler)


def disconnect_all() -> None:
    _handlers.clear()
    _tx_handlers.clear()


def before_commit(uow: Any, batch: list[Signal]) -> None:
    """Hand each in-transaction handler its signals of this commit, in order. Errors propagate:
    the unit of work then does not commit."""
    if not _tx_handlers:
        return
    order: list[TxHandler] = []
    mine: dict[int, list[Signal]] = {}
    for sig in batch:
        for handler in _tx_handlers.get(sig.name, ()):
            if id(handler) not in mine:
                order.append(handler)
                mine[id(handler)] = []
            mine[id(handler)].append(sig)
    for handler in order:
        handler(uow, mine[id(handler)])


def publish(signal: Signal) -> None:
    """Deliver to every handler; one failing handler never stops the others."""
    for handler in list(_handlers.get(signal.name, ())):
        try:
            handler(signal)
        except Exception:
            log.exception("signal handler %r failed for %s", handler, signal.name)
