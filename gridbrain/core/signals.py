"""In-process publish/subscribe, so capabilities on the left can react to those on the right.

Handlers are wired in `app.py` (the composition root). A unit of work collects signals and
publishes them only after it commits, so no handler ever sees a change that was rolled back.
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


def connect(name: str, handler: Handler) -> None:
    if handler not in _handlers[name]:
        _handlers[name].append(handler)


def disconnect_all() -> None:
    _handlers.clear()


def publish(signal: Signal) -> None:
    """Deliver to every handler; one failing handler never stops the others."""
    for handler in list(_handlers.get(signal.name, ())):
        try:
            handler(signal)
        except Exception:
            log.exception("signal handler %r failed for %s", handler, signal.name)
