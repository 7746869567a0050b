"""Feed subscriptions: feeds kept in the catalog with how often to refresh each, and the refresh
that ingests every feed that is due (`newsqa feeds refresh`, `newsqa watch`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from retrieval.errors import BadInputError
from retrieval.index import NewsIndex
from retrieval.ingest import IngestReport, ingest
from retrieval.web import is_url

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DEFAULT_EVERY = "30m"
MIN_EVERY_S = 1


def parse_every(text: str) -> int:
    """ "30m" -> 1800; units s, m, h, d."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text.lower())
    if not match or int(match.group(1)) < MIN_EVERY_S:
        raise BadInputError(f"--every {text!r}: expected a number and a unit, like 30m, 2h or 1d")
    return int(match.group(1)) * UNITS[match.group(2)]


def describe_every(seconds: int) -> str:
    for unit, size in reversed(UNITS.items()):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def subscribe(index: NewsIndex, url: str, every: str = DEFAULT_EVERY) -> int:
    if not is_url(url):
        raise BadInputError(f"{url}: a feed is subscribed by its http(s) URL")
    seconds = parse_every(every)
    index.catalog.subscribe(url, seconds)
    return seconds


def due(index: NewsIndex, now: float, everything: bool = False) -> list[str]:
    """The subscribed feeds whose interval has passed since their last refresh (or all)."""
    return [
        url
        for url, every_s, refreshed_at in index.catalog.subscriptions()
        if everything or refreshed_at is None or now - refreshed_at >= every_s
    ]


def next_due_in(index: NewsIndex, now: float) -> float | None:
    """Seconds until the next feed is due (0 if one is), None with no subscriptions."""
    waits = [
        0.0 if refreshed_at is None else max(refreshed_at + every_s - now, 0.0)
        for _, every_s, refreshed_at in index.catalog.subscriptions()
    ]
    return min(waits, default=None)


def refresh(
    index: NewsIndex,
    everything: bool = False,
    stop: Callable[[], bool] = lambda: False,
    clock: Callable[[], float] = time.time,
) -> tuple[list[str], IngestReport]:
    """Ingest every due feed; (the feeds fetched, the report)."""
    started = clock()
    feeds = due(index, started, everything)
    report = ingest(index, [], urls=feeds, stop=stop) if feeds else IngestReport()
    if not report.stopped_early:
        index.catalog.refreshed(feeds, started)
    return feeds, report
