"""Articles from the web: a polite HTTP fetcher (httpx), page extraction (trafilatura) and feeds
(RSS 2.0, RSS 1.0 and Atom, read by feedparser).

The fetcher only speaks http(s), bounds time, size and redirects, checks the content type, sends
a clear User-Agent, retries 429 and 5xx with backoff (honouring Retry-After), and asks each host
for at most `PER_HOST` pages at once. Every failure is a `FetchError` whose message is one line
naming the URL and the reason. Conditional requests (ETag, Last-Modified) let a refresh skip
what has not changed.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from retrieval.documents import article_from_html
from retrieval.errors import BadInputError

USER_AGENT = "newsqa/0.1 (news question answering; fetches articles it is given)"
MAX_REDIRECTS = 5
RETRIES = 2
MAX_RETRY_WAIT_S = 30.0
PER_HOST = 2
ITEM_WORKERS = 4
PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)


class FetchError(BadInputError):
    """A URL that could not be read, and why, in one line."""


def is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


@dataclass
class Fetched:
    """A response worth reading, or `not_modified` when the validators sent still hold."""

    url: str  # after redirects
    content_type: str
    text: str
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False


@dataclass
class Validators:
    """What a server said last time, for a conditional request."""

    etag: str | None = None
    last_modified: str | None = None


@dataclass
class Fetcher:
    """One httpx client for a run; thread-safe, with a per-host limit on requests at once."""

    timeout_s: float
    max_bytes: int
    retries: int = RETRIES
    _limits: dict[str, threading.Semaphore] = field(
        default_factory=lambda: defaultdict(lambda: threading.Semaphore(PER_HOST))
    )

    def __post_init__(self) -> None:
        import httpx

        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout_s),
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            headers={"User-Agent": USER_AGENT},
        )

    def close(self) -> None:
        self._client.close()

    def fetch(self, url: str, validators: Validators | None = None) -> Fetched:
        import httpx

        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise FetchError(f"{url}: only http and https URLs can be fetched")
        headers = {}
        if validators and validators.etag:
            headers["If-None-Match"] = validators.etag
        if validators and validators.last_modified:
            headers["If-Modified-Since"] = validators.last_modified
        for attempt in range(self.retries + 1):
            try:
                with (
                    self._limits[parts.netloc],
                    self._client.stream("GET", url, headers=headers) as response,
                ):
                    if response.status_code == 304:
                        return Fetched(str(response.url), "", "", not_modified=True)
                    if response.status_code in {429, 500, 502, 503, 504} and (
                        attempt < self.retries
                    ):
                        wait = retry_wait(response.headers.get("Retry-After"), attempt)
                    else:
                        return self._read(url, response)
            except httpx.TooManyRedirects:
                raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
            except httpx.TimeoutException:
                raise FetchError(f"{url}: no answer within {self.timeout_s:g} s") from None
            except httpx.HTTPError as exc:
                raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
            time.sleep(wait)
        raise AssertionError("unreachable")

    def _read(self, url: str, response) -> Fetched:
        if response.status_code >= 400:
            raise FetchError(f"{url}: HTTP {response.status_code} {response.reason_phrase}")
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if content_type not in PAGE_TYPES + FEED_TYPES:
            raise FetchError(f"{url}: {content_type or 'no content type'} is not a page or feed")
        declared = int(response.headers.get("Content-Length") or 0)
        if declared > self.max_bytes:
            raise FetchError(f"{url}: {declared:,} bytes, over the {self.max_bytes:,}-byte limit")
        body = bytearray()
        for piece in response.iter_bytes():
            body += piece
            if len(body) > self.max_bytes:
                raise FetchError(f"{url}: over the {self.max_bytes:,}-byte limit")
        return Fetched(
            str(response.url),
            content_type,
            bytes(body).decode(response.encoding or "utf-8", errors="replace"),
            response.headers.get("ETag"),
            response.headers.get("Last-Modified"),
        )


def retry_wait(retry_after: str | None, attempt: int) -> float:
    """Seconds to wait: the server's Retry-After (seconds or a date) or exponential backoff."""
    if retry_after:
        try:
            return min(float(retry_after), MAX_RETRY_WAIT_S)
        except ValueError:
            try:
                when = parsedate_to_datetime(retry_after).timestamp()
                return min(max(when - time.time(), 0.0), MAX_RETRY_WAIT_S)
            except (TypeError, ValueError):
                pass
    return min(0.5 * 2**attempt, MAX_RETRY_WAIT_S)


def is_feed(fetched: Fetched) -> bool:
    if fetched.content_type in FEED_TYPES:
        return True
    head = fetched.text.lstrip()[:500].lower()
    return head.startswith("<?xml") and any(tag in head for tag in ("<rss", "<feed", "<rdf:rdf"))


@dataclass
class FeedItem:
    link: str
    title: str | None
    date: str | None
    summary: str | None


def feed_items(fetched: Fetched) -> tuple[str, list[FeedItem]]:
    """The feed's title and its items (those with a link). A feed that does not parse, or has
    no items, is a `FetchError`."""
    import feedparser

    parsed = feedparser.parse(fetched.text)
    items = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        date = time.strftime("%Y-%m-%d", stamp) if stamp else None
        summary = entry.get("summary")
        if summary:
            summary = article_from_html(f"<p>{summary}</p>", link).body or None
        items.append(FeedItem(link, entry.get("title"), date, summary))
    if not items and parsed.bozo:
        reason = type(parsed.get("bozo_exception")).__name__
        raise FetchError(f"{fetched.url}: not a readable RSS or Atom feed ({reason})")
    if not items:
        raise FetchError(f"{fetched.url}: the feed has no items with links")
    return parsed.feed.get("title") or fetched.url, items


def fetch_all(fetch_one, items: list) -> list:
    """`fetch_one(item)` for every item, a few at once (the fetcher limits each host)."""
    with ThreadPoolExecutor(ITEM_WORKERS) as pool:
        return list(pool.map(fetch_one, items))
