"""`newsqa ingest URL` against a news site on loopback: feeds and pages become clean articles
with their metadata, a refresh is conditional and incremental, and every bad URL or item is one
line while the rest of the run goes on. Nothing here reaches beyond 127.0.0.1."""

import json
import signal
import subprocess
import time

import pytest

from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import SUBPROCESS_TIMEOUT_S, make_settings, newsqa_command


@pytest.fixture
def web_env(cli_env):
    cli_env.update(NEWSQA_FETCH_TIMEOUT_S="1")
    return cli_env


def test_a_feed_becomes_clean_articles_with_their_metadata(site, tmp_path, embeddings):
    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    with index.writing():
        report = ingest(index, [], urls=[f"{site.base}/feed.xml"])
    assert (report.added, report.unchanged) == (2, 0)
    assert sorted(name for name, _ in report.skipped) == [
        f"{site.base}/missing",
        f"{site.base}/report.pdf",
    ]
    reasons = dict(report.skipped)
    assert reasons[f"{site.base}/missing"] == "HTTP 404 Not Found"
    assert "application/pdf is not a page or feed" in reasons[f"{site.base}/report.pdf"]
    record = index.catalog.document(f"{site.base}/news/toll")
    assert record.title == "Bridge toll rise angers harbour traders"
    assert record.authors == ["Priya Raman"] and record.outlet == "Vellmar Post"
    assert record.date == "2025-03-14" and record.url == f"{site.base}/news/toll"
    assert record.body.startswith("Shopkeepers on the Port Vellmar waterfront")
    for boilerplate in ("cookies", "Most read", "Share on", "Home | World", "Transport Corr"):
        assert boilerplate not in record.body
    answer = AnswerService(index).ask("Who is the director of the Harbour Traders Forum?")
    assert "Ann Okafor" in answer.text and answer.sources[0].doc_id == record.url
    index.close()


def test_a_second_run_is_conditional_and_a_new_item_is_picked_up(site, tmp_path, embeddings):
    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    feed = f"{site.base}/feed.xml"
    with index.writing():
        ingest(index, [], urls=[feed])
        site.requests.clear()
        again = ingest(index, [], urls=[feed])
        assert (again.added, again.updated, again.unchanged) == (0, 0, 1)
        assert site.requests == [("/feed.xml", site.requests[0][1])] and site.requests[0][1]
        site.feed_slugs.append("lighthouse")
        site.requests.clear()
        newer = ingest(index, [], urls=[feed])
    assert (newer.added, newer.unchanged) == (1, 2)
    conditional = {path: etag for path, etag in site.requests}
    assert conditional["/news/toll"] and conditional["/news/lighthouse"] is None
    assert index.catalog.document(f"{site.base}/news/lighthouse").date == "2025-03-18"
    index.close()


def test_atom_and_rss_1_feeds_and_a_single_page_are_read(site, tmp_path, embeddings):
    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    urls = [f"{site.base}/atom.xml", f"{site.base}/rdf.xml", f"{site.base}/news/ferry"]
    with index.writing():
        report = ingest(index, [], urls=urls)
    assert report.added == 3 and not report.skipped
    assert index.catalog.document(f"{site.base}/news/delay").date == "2025-03-20"
    assert index.catalog.document(f"{site.base}/news/lighthouse").outlet == "Vellmar Post"
    index.close()


@pytest.mark.parametrize(
    "path, reason",
    [
        ("/loop", "more than 5 redirects"),
        ("/stall", "no answer within 1 s"),
        ("/huge.html", "50,000,000 bytes, over the 5,000,000-byte limit"),
        ("/broken.xml", "not a readable RSS or Atom feed"),
        ("/allbad.xml", "none of its 2 items could be read"),
        ("/nowhere", "HTTP 404 Not Found"),
    ],
)
def test_each_bad_url_is_one_line_and_fails_only_when_nothing_was_ingested(
    site, web_env, path, reason, newsqa
):
    alone = newsqa("ingest", f"{site.base}{path}")
    assert alone.returncode == 1
    assert f"{site.base}{path}" in alone.stderr and reason in alone.stderr, alone.stderr
    assert "Traceback" not in alone.stderr
    mixed = newsqa("ingest", f"{site.base}{path}", f"{site.base}/news/toll")
    assert mixed.returncode == 0, mixed.stderr
    assert "1 added" in mixed.stdout


def test_only_http_urls_are_fetched(web_env, tmp_path, newsqa):
    result = newsqa("ingest", "file:///etc/passwd")
    assert result.returncode == 1 and "no such file or directory" in result.stderr


def test_json_answers_cite_the_web_article_by_its_url(site, web_env, newsqa):
    assert newsqa("ingest", f"{site.base}/feed.xml").returncode == 0
    result = newsqa("ask", "--json", "Where will Bellport Ferries open its repair depot?")
    answer = json.loads(result.stdout)
    assert answer["sources"][0]["doc_id"] == f"{site.base}/news/ferry"
    assert "Kesterby" in answer["text"]


def test_feeds_are_subscribed_listed_refreshed_and_removed(site, web_env, newsqa):
    feed = f"{site.base}/feed.xml"
    added = newsqa("feeds", "add", feed, "--every", "2h")
    assert added.returncode == 0 and "refreshed every 2h" in added.stdout
    listed = newsqa("feeds", "list")
    assert f"{feed}  every 2h, last refreshed never (due)" in listed.stdout
    first = newsqa("feeds", "refresh")
    assert first.returncode == 0 and "1 feed refreshed: 2 added" in first.stdout, first.stdout
    assert "HTTP 404 Not Found" in first.stderr  # the bad item, in one line
    second = newsqa("feeds", "refresh")
    assert "no feed is due" in second.stdout
    site.feed_slugs.append("lighthouse")
    forced = newsqa("feeds", "refresh", "--all")
    assert "1 added" in forced.stdout and "2 unchanged" in forced.stdout, forced.stdout
    assert "(due)" not in newsqa("feeds", "list").stdout
    assert newsqa("feeds", "remove", feed).returncode == 0
    again = newsqa("feeds", "remove", feed)
    assert again.returncode == 1 and f"not subscribed: {feed}" in again.stderr


@pytest.mark.parametrize("every", ["soon", "0m", "5 weeks"])
def test_a_bad_interval_is_one_line(site, web_env, every, newsqa):
    result = newsqa("feeds", "add", f"{site.base}/feed.xml", "--every", every)
    assert result.returncode == 1 and "expected a number and a unit" in result.stderr


def test_watch_refreshes_on_schedule_until_interrupted(site, web_env, newsqa):
    feed = f"{site.base}/feed.xml"
    assert newsqa("feeds", "add", feed, "--every", "1s").returncode == 0
    watcher = subprocess.Popen(
        [*newsqa_command(), "watch"],
        env=web_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + SUBPROCESS_TIMEOUT_S
        while sum(path == "/feed.xml" for path, _ in site.requests) < 2:
            assert time.monotonic() < deadline and watcher.poll() is None
            time.sleep(0.2)
        watcher.send_signal(signal.SIGINT)
        out, err = watcher.communicate(timeout=SUBPROCESS_TIMEOUT_S)
    finally:
        watcher.kill()
    assert "1 feed refreshed: 2 added" in out
    assert "1 feed refreshed: 0 added, 0 updated, 1 unchanged" in out  # the 304
    assert "Traceback" not in err
    conditional = [etag for path, etag in site.requests if path == "/feed.xml"]
    assert conditional[0] is None and conditional[1]


def test_watch_with_no_feeds_says_so(web_env, newsqa):
    result = newsqa("watch")
    assert result.returncode == 1 and "no feeds to watch" in result.stderr


def test_latest_lists_the_newest_articles_with_date_outlet_and_link(site, web_env, newsqa):
    assert newsqa("ingest", f"{site.base}/feed.xml", f"{site.base}/atom.xml").returncode == 0
    newest = newsqa("latest", "-n", "2")
    assert newest.returncode == 0, newest.stderr
    lines = [line.strip() for line in newest.stdout.splitlines() if line.strip()]
    assert lines == [
        "2025-03-18  Old lighthouse to become a museum — Vellmar Post",
        f"{site.base}/news/lighthouse",
        "2025-03-16  Ferry line opens a repair depot in Kesterby — Vellmar Post",
        f"{site.base}/news/ferry",
    ]
    on_topic = newsqa("latest", "bridge toll", "-n", "1")
    assert "Bridge toll rise angers harbour traders" in on_topic.stdout


def test_a_question_for_the_latest_news_answers_from_the_newest_article(site, tmp_path, embeddings):
    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    with index.writing():
        ingest(index, [], urls=[f"{site.base}/feed.xml", f"{site.base}/news/delay"])
    service = AnswerService(index)
    latest = service.ask("What is the latest on the bridge toll?")
    assert latest.sources[0].doc_id == f"{site.base}/news/delay", latest.text
    assert latest.sources[0].date == "2025-03-20"
    index.close()


@pytest.mark.parametrize(
    "question, start, end",
    [
        ("What happened today?", "2025-03-20", "2025-03-20"),
        ("What did the council say yesterday?", "2025-03-19", "2025-03-19"),
        ("Any news about the harbour this week?", "2025-03-14", "2025-03-20"),
        ("What happened last month?", "2025-02-01", "2025-02-28"),
        ("What did the trust announce in November?", "2024-11-01", "2024-11-30"),
        ("What did the council decide in March 2025?", "2025-03-01", "2025-03-31"),
        ("Who won the election in 2024?", "2024-01-01", "2024-12-31"),
    ],
)
def test_dates_a_question_asks_for_are_measured_from_the_newest_article(question, start, end):
    from datetime import date

    from retrieval.recency import recency_of

    asked = recency_of(question, date(2025, 3, 20))
    assert (asked.start.isoformat(), asked.end.isoformat()) == (start, end)
    assert recency_of("Who is the director of the forum?", date(2025, 3, 20)) is None
    assert recency_of("What is the latest on the toll?", date(2025, 3, 20)).newest_first


def test_a_date_in_the_question_drops_only_articles_dated_outside_it():
    """Most archived articles carry no date: "the profit in the final quarter of 2004" must
    still be read from an undated article, while one dated in another year is left out."""
    from datetime import date

    from retrieval.catalog import StoredChunk
    from retrieval.recency import by_recency, recency_of
    from retrieval.search import Hit

    def hit(doc_id: str, day: str | None) -> Hit:
        return Hit(StoredChunk(f"{doc_id}::0", doc_id, 0, 10, "text", doc_id, None, day), 1.0)

    hits = [hit("old", "1920-04-05"), hit("undated", None), hit("dated", "2004-12-31")]
    asked = recency_of(
        "How much profit did Ask Jeeves make in the final quarter of 2004?", date(2025, 3, 20)
    )
    assert [h.chunk.doc_id for h in by_recency(hits, asked)] == ["undated", "dated"]
    # With nothing dated inside the window, nothing is dropped.
    assert by_recency(hits[:2], asked) == hits[:2]


def test_a_changed_article_replaces_its_chunks(site, tmp_path, embeddings):
    from tests.news_server import STORIES

    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    page = f"{site.base}/news/ferry"
    with index.writing():
        ingest(index, [], urls=[page])
        title, day, paragraphs = STORIES["ferry"]
        STORIES["ferry"] = (title, day, [*paragraphs, "The depot will also build two new boats."])
        try:
            changed = ingest(index, [], urls=[page])
        finally:
            STORIES["ferry"] = (title, day, paragraphs)
    assert (changed.added, changed.updated) == (0, 1)
    assert "two new boats" in index.catalog.document(page).body
    index.close()


def test_a_busy_server_is_asked_again_after_its_retry_after(site, tmp_path, embeddings):
    index = NewsIndex(make_settings(tmp_path / "idx"), embeddings)
    started = time.monotonic()
    with index.writing():
        report = ingest(index, [], urls=[f"{site.base}/busy"])
    assert report.added == 1 and not report.skipped
    assert [p for p, _ in site.requests] == ["/busy", "/busy"]
    assert time.monotonic() - started >= 1.0
    index.close()
