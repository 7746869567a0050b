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

from bot.answering.answer import Answer
from bot.answering.conversation import Conversation
from bot.answering.settings import LLMSettings
from bot.frontends.render import (
    print_answer,
    print_latest,
    print_report,
    print_retrieved,
    print_sources,
)
from retrieval.errors import NewsQAError
from retrieval.search import SearchFilter
from retrieval.settings import RetrievalSettings

log = logging.getLogger(__name__)
COMMANDS = {
    "/help": "this list",
    "/sources": "the last answer's sources with their quoted spans",
    "/why": "the retrieved chunks, their scores and which retriever found them",
    "/k": "/k N — how many chunks to retrieve",
    "/filter": "/filter source=… outlet=… since=YYYY-MM-DD until=… undated=include; "
    "/filter alone clears it",
    "/new": "forget the conversation",
    "/mode": "/mode extractive|llm",
    "/ingest": "/ingest PATH|URL — add articles, a page or a feed",
    "/latest": "/latest [TOPIC] — the newest articles, with date, outlet and link",
    "/stats": "documents, chunks, model, store location",
    "/quit": "leave (Ctrl-D works too)",
}


@dataclass
class Session:
    """What one chat remembers between questions."""

    k: int
    where: SearchFilter = field(default_factory=SearchFilter)
    mode: str = "extractive"
    last: Answer | None = None
    conversation: Conversation = field(default_factory=Conversation)


class Repl:
    """Commands and questions in, rendered answers out."""

    def __init__(
        self,
        settings: RetrievalSettings,
        llm_settings: LLMSettings,
        console: Console,
        debug: bool = False,
        stream: bool = True,
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
            k=settings.top_k, mode="llm" if llm_settings.configured else "extractive"
        )

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
            mode = "extractive answers (no LLM configured)"
        return f"newsqa — {corpus}; {mode}. Type /help for commands, Ctrl-D to quit."

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
        """Load the models and open the store, so the first answer does not wait."""
        from bot.answering.language import load_in_background

        load_in_background()
        try:
            self.index.embeddings.embed_query("warm up")
            self.index.store.count()
        except Exception:  # reported properly when the user asks a question
            log.debug("warm-up failed", exc_info=True)

    def answer(self, question: str) -> None:
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
        self.session.last = answer
        print_answer(self.console, answer, markdown=True)

    def command(self, line: str) -> bool:
        name, _, arg = line.partition(" ")
        arg = arg.strip()
        if name in {"/quit", "/exit"}:
            return False
        if name == "/help":
            for command, text in COMMANDS.items():
                self.console.print(f"[bold]{command}[/bold]  {text}", highlight=False)
        elif name == "/sources":
            print_sources(self.console, self.session.last)
        elif name == "/why":
            print_retrieved(self.console, self.session.last)
        elif name == "/k":
            if not arg.isdigit() or not 1 <= int(arg) <= 50:
                raise NewsQAError("usage: /k N, with N from 1 to 50")
            self.session.k = int(arg)
            self.console.print(f"retrieving {arg} chunks per question")
        elif name == "/filter":
            where = SearchFilter.parse(arg)
            note = self.service.retriever.scope(where).note()  # fails when nothing matches
            self.session.where = where
            self.console.print(f"filter: {where.describe()}", highlight=False)
            if note:
                self.console.print(f"note: {note}", highlight=False)
        elif name == "/new":
            self.session.conversation.clear()
            self.session.last = None
            self.console.print("conversation forgotten")
        elif name == "/mode":
            self.set_mode(arg)
        elif name == "/ingest":
            self.ingest(arg)
        elif name == "/latest":
            from retrieval.recency import latest

            print_latest(self.console, latest(self.index, arg or None), arg or None)
        elif name == "/stats":
            self.console.print(self.index.describe(), highlight=False)
        else:
            raise NewsQAError(f"unknown command {name}; /help lists them")
        return True

    def set_mode(self, mode: str) -> None:
        if mode not in {"extractive", "llm"}:
            raise NewsQAError("usage: /mode extractive|llm")
        if mode == "llm" and not self.llm_settings.configured:
            raise NewsQAError("no LLM configured: set OPENAI_BASE_URL or OPENAI_API_KEY")
        self.session.mode = mode
        self.console.print(f"mode: {mode}")

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


def run_repl(settings: RetrievalSettings, llm_settings: LLMSettings, debug: bool = False) -> None:
    """Interactive with a TTY; with piped stdin, answer each line and stop at EOF."""
    console = Console(highlight=False)
    if not sys.stdin.isatty():
        repl = Repl(settings, llm_settings, console, debug, stream=False)
        for line in sys.stdin:
            if not repl.handle(line):
                break
        return
    repl = Repl(settings, llm_settings, console, debug)
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
    from bot.answering.language import finish_background_load

    finish_background_load()


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
