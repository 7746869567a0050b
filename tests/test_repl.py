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
    )
    cli_env.pop("NO_COLOR", None)
    return cli_env


@pytest.fixture
def chat(chat_env):
    command = newsqa_command()
    child = pexpect.spawn(
        command[0],
        [*command[1:], "chat"],
        env=chat_env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )
    child.expect_exact("newsqa — 5 articles")
    child.expect_exact("Type /help for commands")
    child.expect(PROMPT)
    yield child
    child.close(force=True)


def ask(child, line: str, *expected: str) -> str:
    child.sendline(line)
    for text in expected:
        child.expect_exact(text)
    child.expect(PROMPT)
    return child.before


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
    ask(chat, "Which news agency reported on the Tuesday Oval Office meeting?", "Anadolu")
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
