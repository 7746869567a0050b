"""`newsqa chat`: the terminal REPL. It only parses commands and renders; answers come from the
answer service."""

from __future__ import annotations

import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.text import Text

from bot.answering.answer import Answer
from bot.answering.conversation import Conversation
from bot.answering.settings import LLMSettings
from bot.frontends.chat_log import ChatLog, plain_answer
from bot.frontends.render import (
    print_answer,
    print_latest,
    print_report,
    print_retrieved,
    print_sources,
)
from retrieval.errors import NewsQAError
from retrieval.plurals import counted
from retrieval.search import SearchFilter
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)
COMMANDS = {
    "/help": "this list",
    "/sources": "the last answer's sources with their quoted spans",
    "/why": "the retrieved chunks, their scores and which retriever found them",
    "/copy": "the last answer and its sources to the clipboard (printed plain without one)",
    "/retry": "ask the last question again (LLM mode)",
    "/history": "the questions of this chat",
    "/export": "/export FILE.md — write this chat, with its sources, as markdown",
    "/k": "/k [N] — how many chunks to retrieve",
    "/filter": "/filter source=… outlet=… since=YYYY-MM-DD until=… undated=include; "
    "/filter alone clears it",
    "/mode": "/mode [extractive|llm]",
    "/new": "forget the conversation",
    "/ingest": "/ingest PATH|URL — add articles, a page or a feed",
    "/latest": "/latest [TOPIC] — the newest articles, with date, outlet and link",
    "/stats": "documents, chunks, model, store location",
    "/quit": "leave (Ctrl-D works too)",
}


@dataclass
class Session:
    """What one chat remembers between questions; `log` is saved after every answer."""

    k: int
    log: ChatLog
    where: SearchFilter = field(default_factory=SearchFilter)
    mode: str = "extractive"
    conversation: Conversation = field(default_factory=Conversation)

    @property
    def last(self) -> Answer | None:
        return self.log.answers[-1] if self.log.answers else None

    def save(self) -> None:
        where = "" if self.where.is_empty() else self.where.describe()
        self.log.save(k=self.k, filter=where, mode=self.mode)


class Repl:
    """Commands and questions in, rendered answers out."""

    def __init__(
        self,
        settings: RetrievalSettings,
        llm_settings: LLMSettings,
        console: Console,
        debug: bool = False,
        stream: bool = True,
        log: ChatLog | None = None,
    ) -> None:
        from bot.answering.service import AnswerService
        from retrieval.index import NewsIndex

        self.settings = settings
        self.llm_settings = llm_settings
        self.console = console
        self.debug = debug
        self.stream = stream
        self.index = NewsIndex(settings)
        self.service = AnswerService(self.index, llm_settings)
        self.session = Session(
            k=settings.top_k,
            log=log or ChatLog.new(settings.data_dir),
            mode="llm" if llm_settings.configured else "extractive",
        )

    def configure(self, k: int | None, where: str | None, mode: str | None) -> None:
        """Apply chat options or a resumed chat's settings, checked like the commands are."""
        if k is not None:
            self.session.k = checked_k(str(k))
        if where:
            self.session.where = SearchFilter.parse(where)
            self.service.retriever.scope(self.session.where)  # fails when nothing matches
        if mode:
            self.session.mode = self.checked_mode(mode)

    def resume(self) -> None:
        """Go on with a saved chat: its conversation and its k and filter (and its mode, when
        it can still be used)."""
        for answer in self.session.log.answers:
            self.session.conversation.add(answer.question, answer.standalone_question, answer.text)
        saved = self.session.log.settings
        mode = saved.get("mode")
        usable = mode != "llm" or self.llm_settings.configured
        self.configure(saved.get("k"), saved.get("filter"), mode if usable else None)

    def banner(self) -> str:
        try:
            counts = self.index.catalog.counts()
            corpus = f"{counts['documents']} articles, {counts['chunks']} chunks"
        except NewsQAError as exc:
            corpus = f"no index ({exc})"
        if self.session.mode == "llm":
            llm = self.llm_settings
            mode = f"LLM {llm.model} at {llm.openai_base_url or 'OpenAI'}"
        else:
            mode = "extractive answers" + ("" if self.llm_settings.configured else " (no LLM)")
        lines = [f"newsqa — {corpus}; {mode}. Type /help for commands, Ctrl-D to quit."]
        if answers := self.session.log.answers:
            lines.append(f"resumed the chat of {counted(len(answers), 'question')}; /history")
        if not self.session.where.is_empty():
            lines.append(f"filter: {self.session.where.describe()}")
        return "\n".join(lines)

    def handle(self, line: str) -> bool:
        """Run one input line; False means quit."""
        line = line.strip()
        if not line:
            return True
        try:
            if line.startswith("/"):
                return self.command(line)
            self.answer(line)
        except NewsQAError as exc:
            self.console.print(f"[red]error:[/red] {exc}", highlight=False)
        except KeyboardInterrupt:
            self.console.print("[dim]cancelled[/dim]")
        except Exception as exc:  # the REPL survives anything a question triggers...
            if "PYTEST_CURRENT_TEST" in os.environ:  # ...but a bug must fail the tests
                raise
            if self.debug:
                self.console.print_exception()
            else:
                self.console.print(
                    f"[red]error:[/red] {type(exc).__name__}: {exc}", highlight=False
                )
        return True

    def warm_up(self) -> None:
        """Load the models and open the store, so the first answer does not wait. One after
        another in this one thread: the native libraries (spaCy's, OpenVINO, Chroma's Rust
        bindings) are never initialised side by side while the prompt comes up."""
        from bot.answering.language import pipeline

        try:
            pipeline()
            self.index.embeddings.embed_query("warm up")
            self.index.store.count()
        except Exception:  # reported properly when the user asks a question
            log.debug("warm-up failed", exc_info=True)

    def answer(self, question: str, again: bool = False) -> None:
        """Answer `question`; `again` replaces the last answer instead of adding one."""

        def ask(on_token=None) -> Answer:
            return self.service.ask(
                question,
                k=self.session.k,
                where=self.session.where,
                conversation=self.session.conversation,
                mode=self.session.mode,
                on_token=on_token,
            )

        if self.stream and self.session.mode == "llm":
            answer = stream_answer(self.console, ask)
        else:
            answer = ask()
        if again:
            self.session.log.replace_last(answer)
        else:
            self.session.log.add(answer)
        print_answer(self.console, answer, markdown=True)
        try:
            self.session.save()
        except OSError as exc:  # the answer stands; only --continue loses it
            self.console.print(f"[yellow]note:[/yellow] the chat was not saved: {exc}")

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in {"/quit", "/exit"}:
            return False
        handlers = {
            "/help": self.show_help,
            "/sources": lambda _: print_sources(self.console, self.session.last),
            "/why": lambda _: print_retrieved(self.console, self.session.last),
            "/copy": self.copy,
            "/retry": self.retry,
            "/history": self.history,
            "/export": self.export,
            "/k": self.set_k,
            "/filter": self.set_filter,
            "/new": self.forget,
            "/mode": self.set_mode,
            "/ingest": self.ingest,
            "/latest": self.latest,
            "/stats": lambda _: self.console.print(self.index.describe(), highlight=False),
        }
        if name not in handlers:
            raise NewsQAError(f"unknown command {name}; /help lists them")
        handlers[name](arg)
        return True

    def show_help(self, _: str) -> None:
        for command, text in COMMANDS.items():
            self.console.print(f"[bold]{command}[/bold]  {text}", highlight=False)

    def last_answer(self) -> Answer:
        if self.session.last is None:
            raise NewsQAError("no answer yet: ask a question first")
        return self.session.last

    def copy(self, _: str) -> None:
        from bot.frontends.clipboard import copy

        text = plain_answer(self.last_answer())
        if tool := copy(text):
            self.console.print(f"copied the last answer ({tool})", highlight=False)
        else:
            self.console.print("no clipboard here; the last answer as plain text:")
            self.console.print(Text(text), soft_wrap=True)

    def retry(self, _: str) -> None:
        last = self.last_answer()
        if self.session.mode != "llm":
            raise NewsQAError(
                "/retry asks the LLM again; the extractive answer would not change (/mode llm)"
            )
        self.session.conversation.forget_last()
        self.answer(last.question, again=True)

    def history(self, _: str) -> None:
        if not self.session.log.answers:
            self.console.print("no questions yet")
        for n, answer in enumerate(self.session.log.answers, 1):
            mark = " (not answered)" if answer.refused else ""
            self.console.print(Text(f"{n:>3}. {answer.question.strip()}{mark}"))

    def export(self, arg: str) -> None:
        if not arg:
            raise NewsQAError("usage: /export FILE.md")
        if not self.session.log.answers:
            raise NewsQAError("nothing to export: ask a question first")
        path = Path(arg).expanduser()
        try:
            path.write_text(self.session.log.markdown(), encoding="utf-8")
        except OSError as exc:
            raise NewsQAError(f"cannot write {path}: {exc.strerror or exc}") from exc
        count = len(self.session.log.answers)
        self.console.print(f"wrote {counted(count, 'answer')} to {path}", highlight=False)

    def set_k(self, arg: str) -> None:
        if arg:
            self.session.k = checked_k(arg)
        self.console.print(f"retrieving {self.session.k} chunks per question")

    def set_filter(self, arg: str) -> None:
        where = SearchFilter.parse(arg)
        note = self.service.retriever.scope(where).note()  # fails when nothing matches
        self.session.where = where
        self.console.print(f"filter: {where.describe()}", highlight=False)
        if note:
            self.console.print(f"note: {note}", highlight=False)

    def forget(self, _: str) -> None:
        self.session.conversation.clear()
        self.session.log = ChatLog.new(self.settings.data_dir)
        self.console.print("conversation forgotten")

    def latest(self, topic: str) -> None:
        from retrieval.recency import latest

        print_latest(self.console, latest(self.index, topic or None), topic or None)

    def set_mode(self, mode: str) -> None:
        if mode:
            self.session.mode = self.checked_mode(mode)
        self.console.print(f"mode: {self.session.mode}")

    def checked_mode(self, mode: str) -> str:
        if mode not in {"extractive", "llm"}:
            raise NewsQAError("usage: /mode extractive|llm")
        if mode == "llm" and not self.llm_settings.configured:
            raise NewsQAError("no LLM configured: set OPENAI_BASE_URL or OPENAI_API_KEY")
        return mode

    def ingest(self, arg: str) -> None:
        from retrieval.ingest import ingest
        from retrieval.web import is_url

        if not arg:
            raise NewsQAError("usage: /ingest PATH|URL")
        with self.index.writing():
            if is_url(arg):
                report = ingest(self.index, [], urls=[arg])
            else:
                report = ingest(self.index, [Path(arg).expanduser()])
        print_report(self.console, report)


def stream_answer(console: Console, ask) -> Answer:
    """Show tokens as they arrive (at most ~8 redraws a second), then clear them: the checked
    answer, with its renumbered citations, is printed in their place."""
    from rich.live import Live
    from rich.markdown import Markdown

    text = ""
    with Live(console=console, transient=True, refresh_per_second=8) as live:

        def on_token(token: str) -> None:
            nonlocal text
            text += token
            live.update(Markdown(text))

        return ask(on_token)


def checked_k(arg: str) -> int:
    if not arg.isdigit() or not 1 <= int(arg) <= 50:
        raise NewsQAError("usage: /k N, with N from 1 to 50")
    return int(arg)


def run_repl(
    settings: RetrievalSettings,
    llm_settings: LLMSettings,
    debug: bool = False,
    options: dict | None = None,
    resume: bool = False,
) -> None:
    """Interactive with a TTY; with piped stdin, answer each line and stop at EOF. `options`
    (k, where, mode) win over a resumed chat's settings. Bad options raise `NewsQAError`
    before the chat starts."""
    console = Console(highlight=False, soft_wrap=not sys.stdout.isatty())  # pipes get whole lines
    interactive = sys.stdin.isatty()
    log = ChatLog.latest(settings.data_dir) if resume else None
    repl = Repl(settings, llm_settings, console, debug, stream=interactive, log=log)
    if log:
        repl.resume()
    repl.configure(**(options or {}))
    if not interactive:
        for line in sys.stdin:
            if not repl.handle(line):
                break
        return
    # Not a daemon: a native library killed mid-load at exit aborts the process.
    threading.Thread(target=repl.warm_up, name="warm-up").start()
    session = prompt_session(settings.data_dir)
    console.print(repl.banner(), highlight=False)
    while True:
        try:
            line = session.prompt("› ")
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        if not repl.handle(line):
            break
    console.print("bye")


def prompt_session(data_dir: Path):
    """prompt_toolkit input: persistent history (up/down, Ctrl-R), Esc+Enter for a new line,
    tab completion of commands."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import WordCompleter
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings

    data_dir.mkdir(parents=True, exist_ok=True)
    bindings = KeyBindings()

    @bindings.add("escape", "enter")
    def _newline(event) -> None:
        event.current_buffer.insert_text("\n")

    return PromptSession(
        history=FileHistory(str(data_dir / "chat_history")),
        completer=WordCompleter(list(COMMANDS), sentence=True),
        key_bindings=bindings,
        enable_history_search=False,
    )
