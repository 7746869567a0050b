"""Per-key memory that cannot grow without bound: least recently used keys beyond `capacity`
and keys idle longer than `idle_s` are dropped. The bot keeps conversations per channel and
rate-limit buckets per user in these."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringLRU(Generic[V]):
    def __init__(
        self, capacity: int, idle_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.idle_s = idle_s
        self.clock = clock
        self._items: OrderedDict[int, tuple[float, V]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: int) -> bool:
        return key in self._items

    def get(self, key: int, default: Callable[[], V]) -> V:
        """The value for `key` (marking it used), or a new `default()` stored under it."""
        now = self.clock()
        self._expire(now)
        value = self._items.pop(key)[1] if key in self._items else default()
        self.put(key, value, now)
        return value

    def put(self, key: int, value: V, now: float | None = None) -> None:
        self._items.pop(key, None)
        self._items[key] = (self.clock() if now is None else now, value)
        while len(self._items) > self.capacity:
            self._items.popitem(last=False)

    def _expire(self, now: float) -> None:
        while self._items:
            key, (used, _) = next(iter(self._items.items()))
            if now - used <= self.idle_s:
                break
            del self._items[key]
