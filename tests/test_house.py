"""The defects a new engineer found on 2026-12-02: a hang at exit after an error, tracebacks for
bad settings, catch-alls that blamed the index for bugs, unbounded Discord memory and JSONL
lines dropped without a word."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.frontends.cli import app
from bot.frontends.discord.memory import ExpiringLRU
from bot.frontends.discord.ratelimit import TokenBucket
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from tests.conftest import make_settings

QUESTION = "Which company makes the Tomahawk missiles?"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def damaged_copy(seed_index_dir: Path, tmp_path: Path) -> Path:
    data = tmp_path / "damaged"
    data.mkdir()
    for item in seed_index_dir.iterdir():
        target = data / item.name
        if item.is_dir():
            import shutil

            shutil.copytree(item, target)
        elif not item.name.startswith("catalog.sqlite3-"):
            target.write_bytes(item.read_bytes())
    store = data / "chroma" / "chroma.sqlite3"
    store.write_bytes(store.read_bytes()[:3000])
    return data


def test_a_failed_ask_leaves_no_model_load_running(seed_index_dir, tmp_path, monkeypatch):
    """The exit hang: the interpreter waited at exit on a model load still running after the
    error. Now the load is joined (bounded) before the command returns."""
    monkeypatch.setenv("NEWSQA_DATA_DIR", str(damaged_copy(seed_index_dir, tmp_path)))
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 1
    assert "newsqa ingest --rebuild" in result.output
    assert [t for t in threading.enumerate() if t.name == "warm-up" and t.is_alive()] == []


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NEWSQA_TOP_K", "abc", "valid integer"),
        ("NEWSQA_EMBEDDING", "word2vec", "'minilm-onnx' or 'openai'"),
        ("NEWSQA_LLM_TIMEOUT", "-1", "greater than 0"),
    ],
)
def test_a_bad_setting_is_one_line_naming_it_and_exits_2(monkeypatch, variable, value, expected):
    monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(app, ["ask", QUESTION])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert variable in lines[0] and "the environment" in lines[0] and expected in lines[0]


def test_a_bad_setting_in_dotenv_says_so(tmp_path, monkeypatch):
    (tmp_path / ".env").write_text("NEWSQA_DISCORD_CHANNELS=123\n")
    result = CliRunner().invoke(app, ["discord"])
    assert result.exit_code == 2
    assert "NEWSQA_DISCORD_CHANNELS='123' (set in .env)" in result.output
    assert "Traceback" not in result.output


def test_a_bug_in_the_store_is_not_reported_as_a_damaged_index(seed_index, monkeypatch):
    def buggy_query(*args, **kwargs):
        raise TypeError("a bug of ours")

    monkeypatch.setattr(type(seed_index.store.collection), "query", buggy_query)
    with pytest.raises(TypeError, match="a bug of ours"):
        seed_index.store.search([0.0] * 384, 3)


def test_discord_memory_drops_idle_and_least_recently_used_keys():
    clock = Clock()
    memory: ExpiringLRU[list] = ExpiringLRU(capacity=3, idle_s=60, clock=clock)
    for key in (1, 2, 3):
        memory.get(key, list)
    memory.get(1, list)  # 1 is now the most recently used
    memory.get(4, list)  # over capacity: 2, the least recently used, goes
    assert 2 not in memory and all(key in memory for key in (1, 3, 4))
    clock.now = 61
    memory.get(5, list)
    assert len(memory) == 1 and 5 in memory


def test_rate_limit_buckets_do_not_grow_without_bound():
    clock = Clock()
    limiter = TokenBucket(per_minute=60, burst=2, capacity=100, clock=clock)
    for user in range(10_000):
        limiter.take(user)
    assert len(limiter.buckets) <= 100
    clock.now = 10  # every bucket has refilled: all are forgotten
    limiter.take(0)
    assert len(limiter.buckets) == 1


def test_rate_limit_still_limits_a_busy_user():
    clock = Clock()
    limiter = TokenBucket(per_minute=60, burst=2, capacity=100, clock=clock)
    assert [limiter.take(7) == 0 for _ in range(3)] == [True, True, False]


def test_bad_jsonl_lines_are_reported_not_dropped(empty_index, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        '{"title": "Bridge", "text": "The bridge opened on Monday after two years of work."}\n'
        "{not json\n"
        '["a list"]\n'
        '{"title": "Port", "text": "The port reopened on Friday after the storm passed."}\n'
    )
    with empty_index.writing():
        report = ingest(empty_index, [feed])
    assert report.added == 2
    notes = [note for name, note in report.notes if name == "feed.jsonl"]
    assert any(note.startswith("line 2 skipped: invalid JSON") for note in notes)
    assert any(note.startswith("line 3 skipped:") for note in notes)


def test_ingest_report_lines_are_the_same_everywhere(empty_index, tmp_path):
    from bot.frontends.render import report_lines

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "empty.txt").write_text("")
    (folder / "good.txt").write_text("Good title\n\nA good story about a bridge opening.")
    with empty_index.writing():
        report = ingest(empty_index, [folder])
    lines = report_lines(report)
    assert lines[0] == "skipped empty.txt: empty file"
    assert lines[-1].startswith("1 added")


def test_stats_line_is_shared(seed_index_dir, monkeypatch):
    monkeypatch.setenv("NEWSQA_DATA_DIR", str(seed_index_dir))
    result = CliRunner().invoke(app, ["stats"])
    index = NewsIndex(make_settings(seed_index_dir))
    try:
        assert result.output.strip() == index.describe()
    finally:
        index.close()
    assert "5 documents" in result.output and "chunks" in result.output
