"""Shared fixtures: real Chroma in tmp dirs, the real embedding model, the real seeds."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.answering.answer import MARKER
from bot.answering.settings import LLMSettings
from bot.frontends.discord.settings import DiscordSettings
from retrieval.embeddings import MiniLMEmbeddings
from retrieval.index import NewsIndex
from retrieval.ingest import ingest
from retrieval.settings import RetrievalSettings

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TOMAHAWK_DOC = "000_819f83673a16a71b.txt"
# The question the plumbing tests ask (chain, Discord, REPL, servers): its answer, Brian Hughes,
# is the first sentence the reader quotes, so they test the plumbing, not the reader.
NSC_QUESTION = "Who is the spokesman for the National Security Council?"
NSC_DOC = "001_4f7398dcd4859725.txt"
# Behaviour the hand-written reader had and the learned one (README, "How it works") does not
# yet: each such test is an expected failure, strict, so it is noticed when it starts passing.
READER_GAP = "learned reader, known gap: "
FOLLOW_UP_GAP = (
    READER_GAP + "follow-ups: the earlier answer's names weigh less than the question's own "
    "words, so 'what did he say' quotes someone else"
)
# Every subprocess a test starts is bounded: a hang fails the test instead of stalling the run.
SUBPROCESS_TIMEOUT_S = 120
ENV_KEYS = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "NEWSQA_MODEL",
    "NEWSQA_CHROMA_URL",
    "DISCORD_TOKEN",
)


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """Every test gets its own data directory and no LLM, unless it configures one."""
    for key in ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("NEWSQA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def embeddings() -> MiniLMEmbeddings:
    return MiniLMEmbeddings()


def make_settings(data_dir: Path, **overrides) -> RetrievalSettings:
    """Retrieval settings; keys of other components in `overrides` are ignored."""
    return RetrievalSettings(NEWSQA_DATA_DIR=data_dir, **overrides)


def make_llm_settings(**overrides) -> LLMSettings:
    return LLMSettings(**overrides)


def make_discord_settings(**overrides) -> DiscordSettings:
    return DiscordSettings(**overrides)


@pytest.fixture
def empty_index(tmp_path, embeddings) -> NewsIndex:
    index = NewsIndex(make_settings(tmp_path / "index"), embeddings)
    yield index
    index.close()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, embeddings) -> Path:
    """The seeds, ingested once per test session."""
    data_dir = tmp_path_factory.mktemp("seed-index")
    index = NewsIndex(make_settings(data_dir), embeddings)
    with index.writing():
        report = ingest(index, [SEEDS])
    index.close()
    assert report.added == 5
    return data_dir


@pytest.fixture
def seed_index(seed_index_dir, embeddings) -> NewsIndex:
    index = NewsIndex(make_settings(seed_index_dir), embeddings)
    yield index
    index.close()


@pytest.fixture
def seed_copy(tmp_path) -> Path:
    """A writable copy of the seeds folder."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


def cited_numbers(answer) -> list[int]:
    """The [n] markers of an answer's text, in order."""
    return [int(n) for n in MARKER.findall(answer.text)]


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def newsqa_command() -> list[str]:
    """The installed console script, next to the running interpreter."""
    script = Path(sys.executable).parent / "newsqa"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def run_newsqa(
    *args: str, env: dict[str, str], timeout: float = SUBPROCESS_TIMEOUT_S, stdin: str | None = None
):
    """Run the `newsqa` command in a subprocess, bounded in time, capturing its text output;
    `stdin` is piped in (else it reads nothing)."""
    return subprocess.run(
        [*newsqa_command(), *args],
        env=env,
        input=stdin or "",
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@dataclass(frozen=True)
class Run:
    """What a `newsqa` command run in-process printed and returned, as a subprocess has it."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def newsqa(cli_env):
    """Run a `newsqa` command in this process through typer's CliRunner, in the environment of
    `cli_env` (read at each call). `run_newsqa` stays for what needs a real process: signals,
    kill -9, the exit itself."""
    from typer.testing import CliRunner

    from bot.frontends.cli import app

    runner = CliRunner()

    def invoke(*args: str) -> Run:
        result = runner.invoke(app, list(args), env=cli_env, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def cli_env(tmp_path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_KEYS}
    env.update(
        NEWSQA_DATA_DIR=str(tmp_path / "cli-data"), HF_HUB_OFFLINE="1", COLUMNS="200", NO_COLOR="1"
    )
    return env


@pytest.fixture
def seeded_env(cli_env, seed_index_dir) -> dict[str, str]:
    """`cli_env` over the session's seed index, for commands that only read it."""
    return {**cli_env, "NEWSQA_DATA_DIR": str(seed_index_dir)}


@pytest.fixture
def seeded_newsqa(newsqa, cli_env, seeded_env):
    """`newsqa` over the session's seed index."""
    cli_env.update(seeded_env)
    return newsqa


@pytest.fixture
def site():
    """The news site of `tests/news_server.py`, on loopback for one test."""
    from tests.news_server import NewsServer

    server = NewsServer().start()
    yield server
    server.stop()
