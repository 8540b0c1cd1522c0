"""Per-user rate limiting: a flood from one person must not crowd out everyone else."""
from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable


class RateLimiter:
    """At most ``limit`` messages per ``window`` seconds per key (a sliding window)."""

    def __init__(self, limit: int, window: float, clock=time.monotonic) -> None:
        self.limit, self.window, self._clock = limit, window, clock
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: set[Hashable] = set()

    def allow(self, key: Hashable) -> bool:
        """Count a message from ``key``; False when it is over the limit."""
        now = self._clock()
        seen = self._seen.setdefault(key, deque())
        while seen and now - seen[0] > self.window:
            seen.popleft()
        if len(seen) >= self.limit:
            return False
        seen.append(now)
        self._warned.discard(key)
        return True

    def first_refusal(self, key: Hashable) -> bool:
        """True once per flood, so the user is told to slow down once, not at every message."""
        if key in self._warned:
            return False
        self._warned.add(key)
        return True
