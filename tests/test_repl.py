"""The real `newsqa chat` in a pseudo-terminal (pexpect), and with piped stdin."""

import shutil
import subprocess

import pexpect
import pytest

from tests.conftest import (
    FOLLOW_UP_GAP,
    NSC_QUESTION,
    SUBPROCESS_TIMEOUT_S,
    newsqa_command,
)
from tests.scripted_llm import ScriptedLLM

PROMPT = "›"


@pytest.fixture
def chat_env(cli_env, seed_index_dir, tmp_path):
    """A private copy of the seed index, so the REPL's history file lands in a tmp dir."""
    data = tmp_path / "chat-data"
    shutil.copytree(seed_index_dir, data)
    cli_env.update(
        NEWSQA_DATA_DIR=str(data),
        TERM="xterm",
        COLUMNS="120",
        LINES="40",
        PROMPT_TOOLKIT_NO_CPR="1",
        PYTHONFAULTHANDLER="1",  # a crash in a native library prints where it happened
    )
    cli_env.pop("NO_COLOR", None)
    return cli_env


def spawn_chat(env, *options: str):
    """`newsqa chat` in a pseudo-terminal, once its first prompt is up."""
    command = newsqa_command()
    child = pexpect.spawn(
        command[0],
        [*command[1:], "chat", *options],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    try:
        child.expect_exact("newsqa — 5 articles")
    except pexpect.EOF:
        child.close()
        pytest.fail(
            f"newsqa chat ended before its banner (exit {child.exitstatus}, "
            f"signal {child.signalstatus}): {child.before!r}"
        )
    child.expect_exact("Type /help for commands")
    child.expect(PROMPT)
    child.banner_tail = child.before  # what the banner says after its first line
    return child


@pytest.fixture
def chat(chat_env):
    child = spawn_chat(chat_env)
    yield child
    child.close(force=True)


def quit_chat(child) -> None:
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def ask(child, line: str, *expected: str) -> str:
    """Send `line`, wait for each of `expected` in order and then the prompt; everything the
    chat printed in between."""
    child.sendline(line)
    output = ""
    for text in expected:
        child.expect_exact(text)
        output += child.before + child.after
    child.expect(PROMPT)
    return output + child.before


def test_a_ten_step_session(chat):
    """Banner, answer with citation, /sources, /why, /filter, /k, history recall, /new,
    Ctrl-C during an answer, Ctrl-D."""
    ask(
        chat,
        NSC_QUESTION,
        "Brian Hughes",
        "[1]",
        "001_4f7398dcd4859725.txt",
    )
    ask(chat, "/sources", "│", "spokesman Brian Hughes", "of the article body")
    ask(chat, "/why", "found by", "salient terms")
    ask(chat, "/filter source=004_*", "filter: source=004_*")
    # The filter's article answers: its White House sentence first, then the one naming the
    # agency, which the reader scores close behind and quotes too.
    ask(
        chat,
        "Which news agency reported on the Tuesday Oval Office meeting?",
        "Anadolu",
        "[1]",
        "004_8bbeadb7ac7fca71.txt",
    )
    ask(chat, "/filter", "filter: none")
    ask(chat, "/k 3", "retrieving 3 chunks per question")
    chat.send("\x1b[A")  # up arrow recalls "/k 3" from the history
    chat.expect_exact("/k 3")
    chat.send("\r")
    chat.expect_exact("retrieving 3 chunks per question")
    chat.expect(PROMPT)
    ask(chat, "/new", "conversation forgotten")
    chat.sendline("Who is the spokesman for the National Security Council?")
    chat.sendcontrol("c")
    chat.expect(PROMPT)
    ask(chat, "/help", "/sources", "/quit")
    chat.sendcontrol("d")
    chat.expect_exact("bye")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0


def test_errors_print_one_line_and_the_repl_keeps_going(chat):
    output = ask(chat, "/filter since=yesterday", "bad date")
    assert "Traceback" not in output
    ask(chat, "/k zero", "usage: /k N")
    ask(chat, "/filter outlet=Nobody", "no article matches outlet=Nobody (outlets: CNN)")
    ask(chat, "/filter", "filter: none")  # the bad filter was not kept
    ask(chat, "/frobnicate", "unknown command /frobnicate")
    ask(chat, "/mode llm", "no LLM configured")
    ask(chat, "Who is the spokesman for the National Security Council?", "Brian Hughes")


@pytest.mark.xfail(
    strict=True,
    reason=FOLLOW_UP_GAP,
)
def test_follow_up_question_uses_the_conversation(chat):
    ask(chat, "Who is the spokesman for the National Security Council?", "Brian Hughes")
    ask(chat, "And what did he say about Russia?", "Hughes added that Russia didn’t invade")
    ask(chat, "/new", "conversation forgotten")
    alone = ask(chat, "And what did he say about Russia?")
    assert "Hughes added" not in alone


def test_piped_stdin_answers_each_line_without_prompt_noise(chat_env):
    command = newsqa_command()
    result = subprocess.run(
        timeout=SUBPROCESS_TIMEOUT_S,
        args=[*command, "chat"],
        env={**chat_env, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        input="Who is the spokesman for the National Security Council?\n/k 2\n"
        "What is the capital of Australia?\n",
    )
    assert result.returncode == 0, result.stderr
    assert "Brian Hughes" in result.stdout and "[1]" in result.stdout
    assert "retrieving 2 chunks per question" in result.stdout
    assert "I cannot find this in the articles" in result.stdout
    assert PROMPT not in result.stdout and "Type /help" not in result.stdout


def test_copy_export_history_and_settings_shown_without_an_argument(chat, chat_env, tmp_path):
    bin_dir = tmp_path / "bin"  # an xclip that keeps what it is given, as the clipboard would
    bin_dir.mkdir()
    clipboard = tmp_path / "clipboard.txt"
    (bin_dir / "xclip").write_text(f"#!/bin/sh\ncat > {clipboard}\n")
    (bin_dir / "xclip").chmod(0o755)
    chat.close(force=True)
    chat = spawn_chat({**chat_env, "PATH": f"{bin_dir}:{chat_env['PATH']}", "DISPLAY": ":0"})
    ask(chat, "/copy", "no answer yet")
    ask(chat, NSC_QUESTION, "Brian Hughes")
    ask(chat, "Who makes the Tomahawks?", "Raytheon")
    ask(chat, "/copy", "copied the last answer (xclip)")
    copied = clipboard.read_text()
    answer, sources = copied.split("\n\n", 1)
    assert "Raytheon, the US manufacturer" in answer and answer.endswith("[1]")
    assert sources.startswith("[1] Trump seeks to build on momentum")
    history = ask(chat, "/history", "2. Who makes the Tomahawks?")
    assert "1. " + NSC_QUESTION in history
    export = tmp_path / "chat.md"
    ask(chat, f"/export {export}", f"wrote 2 answers to {export}")
    written = export.read_text()
    assert written.count("\n## ") == 2 and f"## {NSC_QUESTION}" in written
    assert "   > " in written and "(`001_4f7398dcd4859725.txt`)" in written
    ask(chat, "/k", "retrieving 6 chunks per question")
    ask(chat, "/mode", "mode: extractive")
    ask(chat, "/retry", "/retry asks the LLM again")
    quit_chat(chat)


def test_copy_without_a_clipboard_prints_the_answer_plain(chat):
    ask(chat, NSC_QUESTION, "Brian Hughes")
    output = ask(chat, "/copy", "no clipboard here", "(001_4f7398dcd4859725.txt)")
    plain = output.split("no clipboard here", 1)[1].split("(001_4f7398dcd4859725.txt)")[0]
    assert "Brian Hughes" in plain and "[1] Trump Strong-Arms Leaders" in plain
    assert "\x1b[" not in plain  # no colour codes to paste


def test_chat_options_and_continue_resume_the_last_chat(chat_env):
    child = spawn_chat(chat_env, "-k", "3", "--filter", "outlet=CNN", "--mode", "extractive")
    ask(child, "/k", "retrieving 3 chunks per question")
    ask(child, "Who makes the Tomahawks?", "Raytheon")
    quit_chat(child)
    child = spawn_chat(chat_env, "--continue")
    assert "resumed the chat of 1 question" in child.banner_tail
    assert "filter: outlet=CNN" in child.banner_tail
    ask(child, "/history", "1. Who makes the Tomahawks?")
    ask(child, "/k", "retrieving 3 chunks per question")
    ask(child, "/sources", "Raytheon")  # the last answer came back too
    quit_chat(child)


def test_chat_refuses_bad_options_in_one_line(chat_env, tmp_path):
    result = subprocess.run(
        [*newsqa_command(), "chat", "--filter", "outlet=Nobody"],
        env={**chat_env, "NEWSQA_DATA_DIR": str(tmp_path / "empty-chat")},
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        input="",
    )
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error:") and len(result.stderr.splitlines()) == 1
    resumed = subprocess.run(
        [*newsqa_command(), "chat", "--continue"],
        env=chat_env,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
        input="",
    )
    assert resumed.returncode == 1 and "no saved chat" in resumed.stderr


def test_retry_asks_the_llm_again_and_replaces_the_answer(chat_env):
    server = ScriptedLLM().start()
    try:
        server.enqueue("I cannot find this in the articles.", "Brian Hughes is the spokesman [1].")
        env = {**chat_env, "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "test"}
        child = spawn_chat(env, "-k", "1")
        ask(child, NSC_QUESTION, "I cannot find this")
        ask(child, "/retry", "Brian Hughes is the spokesman [1]")
        assert "2. " not in ask(child, "/history", "1. " + NSC_QUESTION)
        quit_chat(child)
        assert len(server.requests) == 2
        assert server.requests[1]["messages"][-1] == server.requests[0]["messages"][-1]
    finally:
        server.stop()


def test_ingest_of_a_missing_path_is_one_skip(chat):
    output = ask(chat, "/ingest /no/such/article.txt", "1 skipped")
    assert output.count("skipped /no/such/article.txt") == 1
