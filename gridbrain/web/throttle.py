"""A per-client limit of submissions in a sliding window (in memory, per server process)."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class Throttle:
    def __init__(self, limit: int, window_s: float) -> None:
        self.limit = limit
        self.window_s = window_s
        self._hits: defaultdict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, client: str, now: float | None = None) -> bool:
        """Count one submission of `client`; False when it is over the limit (then not counted)."""
        t = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits[client]
            while hits and hits[0] <= t - self.window_s:
                hits.popleft()
            if len(hits) >= self.limit:
                return False
            hits.append(t)
            return True
