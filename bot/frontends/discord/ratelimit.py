"""A per-key token bucket: `burst` questions at once, refilled at `per_minute`. Buckets live in
an `ExpiringLRU`: an idle bucket is full again anyway, so dropping it changes nothing."""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.frontends.discord.memory import ExpiringLRU


class TokenBucket:
    def __init__(
        self,
        per_minute: float,
        burst: int,
        capacity: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self.clock = clock
        # After this long idle a bucket has refilled, so it can be forgotten.
        refill_s = burst / self.rate if self.rate else float("inf")
        self.buckets: ExpiringLRU[tuple[float, float]] = ExpiringLRU(capacity, refill_s, clock)

    def take(self, key: int) -> float:
        """0 if `key` may go ahead now (a token is used), else the seconds until it may."""
        now = self.clock()
        tokens, last = self.buckets.get(key, lambda: (float(self.burst), now))
        tokens = min(float(self.burst), tokens + (now - last) * self.rate)
        if tokens >= 1:
            self.buckets.put(key, (tokens - 1, now))
            return 0.0
        self.buckets.put(key, (tokens, now))
        return (1 - tokens) / self.rate if self.rate else float("inf")
