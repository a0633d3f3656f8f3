"""In-process publish/subscribe, so capabilities on the left can react to those on the right.

A signal is a past-tense fact with a type: a frozen dataclass (`EventDispatched`,
`DeadlineMissed`, …) defined by the capability it happened in. Handlers subscribe to a type and
receive every instance of it and of its subclasses (subscribe to a base such as `EventChanged`
to hear all of its kinds). A few older signals are still a `Signal(name, payload)` and are
subscribed to by name.

Handlers are wired in each capability's `wiring.py`. A unit of work collects signals and
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


@dataclass(frozen=True)
class Signal:
    """A signal known by name only ("capability:subject:action"); typed signals are preferred."""

    name: str
    payload: dict[str, Any] = field(default_factory=dict)


Key = str | type
Handler = Callable[[Any], None]
TxHandler = Callable[[Any, list[Any]], None]  # (unit of work, signals)

_handlers: dict[Key, list[Handler]] = defaultdict(list)
_tx_handlers: dict[Key, list[TxHandler]] = defaultdict(list)


def keys_of(signal: object) -> tuple[Key, ...]:
    """What a signal is subscribed to by: its name (a `Signal`) or its type and the types above it."""
    if isinstance(signal, Signal):
        return (signal.name,)
    return tuple(cls for cls in type(signal).__mro__ if cls is not object)


def connect(key: Key, handler: Handler) -> None:
    """Call `handler(signal)` after each commit that emitted a signal of `key`."""
    if handler not in _handlers[key]:
        _handlers[key].append(handler)


def connect_in_transaction(key: Key, handler: TxHandler) -> None:
    """Run `handler(uow, signals)` inside the emitting unit of work, before it commits."""
    if handler not in _tx_handlers[key]:
        _tx_handlers[key].append(handler)


def disconnect_all() -> None:
    _handlers.clear()
    _tx_handlers.clear()


def _listeners(table: dict[Key, list[Any]], signal: object) -> list[Any]:
    out: list[Any] = []
    for key in keys_of(signal):
        for handler in table.get(key, ()):
            if handler not in out:
                out.append(handler)
    return out


def before_commit(uow: Any, batch: list[Any]) -> None:
    """Hand each in-transaction handler its signals of this commit, in order. Errors propagate:
    the unit of work then does not commit."""
    if not _tx_handlers:
        return
    order: list[TxHandler] = []
    mine: list[list[Any]] = []
    for sig in batch:
        for handler in _listeners(_tx_handlers, sig):
            if handler not in order:
                order.append(handler)
                mine.append([])
            mine[order.index(handler)].append(sig)
    for handler, sigs in zip(order, mine, strict=True):
        handler(uow, sigs)


def publish(signal: object) -> None:
    """Deliver to every handler; one failing handler never stops the others."""
    for handler in _listeners(_handlers, signal):
        try:
            handler(signal)
        except Exception:
            log.exception("signal handler %r failed for %r", handler, signal)


Wiring = tuple[dict[Key, list[Handler]], dict[Key, list[TxHandler]]]


def snapshot() -> Wiring:
    """Every handler connected now (a server started in tests keeps its wiring across resets)."""
    return {k: list(v) for k, v in _handlers.items()}, {k: list(v) for k, v in _tx_handlers.items()}


def restore(wiring: Wiring) -> None:
    """Connect again every handler of a `snapshot` (handlers already connected stay once)."""
    for key, handlers in wiring[0].items():
        for h in handlers:
            connect(key, h)
    for key, tx_handlers in wiring[1].items():
        for th in tx_handlers:
            connect_in_transaction(key, th)
