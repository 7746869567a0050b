"""The `newsqa` command line. The only module (with the REPL and the Discord bot) that prints."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from bot.answering.answer import SCHEMA_VERSION
from bot.answering.settings import LLMSettings
from retrieval.errors import NewsQAError, SettingsError
from retrieval.settings import RetrievalSettings, load_settings

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    no_args_is_help=True,
    help="Ask questions about news articles; every claim is cited to its source.",
)
# Piped output is never hard-wrapped: a script reading it gets whole lines.
console = Console(soft_wrap=not sys.stdout.isatty())
errors = Console(stderr=True, soft_wrap=True)  # one line per message, however long
state = {"debug": False}
REFUSED_EXIT = 3  # `ask` when the articles do not answer the question
FILTER_HELP = "e.g. 'outlet=CNN since=2025-01-01 undated=include' (the README lists the keys)"
Mode = Literal["extractive", "llm"]
MODE_HELP = "How answers are written; by default the LLM when one is configured."


def print_version(wanted: bool) -> None:
    if wanted:
        from importlib.metadata import version

        console.print(f"newsqa {version('newsqa')}", highlight=False)
        raise typer.Exit()


@app.callback()
def main(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=print_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    state["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


def fail(exc: Exception) -> None:
    """One clean line for an expected failure (a traceback only with --debug). A bad setting
    exits 2, like a bad command-line option; everything else 1."""
    if state["debug"]:
        raise exc
    errors.print(f"[red]error:[/red] {exc}", highlight=False)
    raise typer.Exit(2 if isinstance(exc, SettingsError) else 1)


def settings_of(cls):
    """A component's settings; a bad value ends the command with one line."""
    try:
        return load_settings(cls)
    except SettingsError as exc:
        fail(exc)


def open_index(settings: RetrievalSettings | None = None):
    from retrieval.index import NewsIndex

    return NewsIndex(settings or settings_of(RetrievalSettings))


@contextmanager
def shutdown_requested() -> Iterator[threading.Event]:
    """SIGTERM or Ctrl-C set the event instead of killing the process at once, so the work in
    hand can be written before exiting; a second signal interrupts for real."""
    requested = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}

    def handle(signum, frame) -> None:
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        errors.print("stopping: writing what was read so far (signal again to abort)")

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield requested
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def ingest(
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH|URL...",
            help="Files or folders of articles, or http(s) URLs of pages or feeds.",
        ),
    ],
    prune: Annotated[bool, typer.Option(help="Remove documents whose files are gone.")] = False,
    rebuild: Annotated[bool, typer.Option(help="Drop the index and build it again.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print problems.")] = False,
) -> None:
    """Index articles (.txt, .md, .html, .json, .jsonl files; web pages; RSS and Atom feeds)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from bot.frontends.render import print_report
    from retrieval.ingest import ingest as run_ingest
    from retrieval.ingest import rebuild as drop_index
    from retrieval.web import is_url

    index = open_index()
    try:
        with index.writing():
            if rebuild:
                drop_index(index)
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=errors,
                transient=True,
                disable=quiet,
            ) as bar:
                task = bar.add_task("ingesting", total=None)

                def progress(done: int, total: int, name: str) -> None:
                    bar.update(task, completed=done, total=total, description=name[-40:])

                with shutdown_requested() as stopping:
                    report = run_ingest(
                        index,
                        [Path(p) for p in paths if not is_url(p)],
                        prune=prune,
                        progress=progress,
                        stop=stopping.is_set,
                        urls=[p for p in paths if is_url(p)],
                    )
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
    print_report(errors, report, summary=False)
    if not quiet or report.added or report.updated or report.pruned:
        console.print(f"{report.summary()} → {index.data_dir}", highlight=False)
    if report.stopped_early:
        raise typer.Exit(130)
    if not report.ingested_anything:
        errors.print("[red]error:[/red] nothing could be ingested")
        raise typer.Exit(1)


@app.command()
def search(
    query: Annotated[str, typer.Argument(metavar="QUERY", help="What to look for.")],
    k: Annotated[int, typer.Option("-k", metavar="N", help="How many chunks.", min=1, max=50)] = 5,
    filter_: Annotated[str, typer.Option("--filter", metavar="FILTER", help=FILTER_HELP)] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Show the best-matching chunks with their source, title and score."""
    from retrieval.search import Retriever, SearchFilter

    index = open_index()
    try:
        index.require()
        result = Retriever(index).search(query, k, SearchFilter.parse(filter_))
    except NewsQAError as exc:
        fail(exc)
    if as_json:
        hits = [
            {"rank": n, "score": hit.score, "found_by": hit.found_by, **asdict(hit.chunk)}
            for n, hit in enumerate(result.hits, 1)
        ]
        write_json(
            {"schema_version": SCHEMA_VERSION, "query": query, "note": result.note, "hits": hits}
        )
        return
    if result.note:
        console.print(f"note: {result.note}", highlight=False)
    for n, hit in enumerate(result.hits, 1):
        console.print(
            f"[bold]{n}. {hit.chunk.doc_id}[/bold] — {hit.chunk.title} "
            f"[dim](score {hit.score:.4f}, {hit.found_by})[/dim]",
            highlight=False,
        )
        console.print("   " + hit.chunk.text[:400].replace("\n", " "), highlight=False)


def write_json(value) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2) + "\n")


@app.command()
def ask(
    question: Annotated[
        str, typer.Argument(metavar="QUESTION", help="Your question; - reads it from stdin.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    k: Annotated[
        int | None,
        typer.Option("-k", metavar="N", help="How many chunks to retrieve.", min=1, max=50),
    ] = None,
    filter_: Annotated[str, typer.Option("--filter", metavar="FILTER", help=FILTER_HELP)] = "",
    mode: Annotated[Mode | None, typer.Option(help=MODE_HELP)] = None,
) -> None:
    """Answer one question with cited sources. Exits 0 with an answer, 3 when the articles do
    not answer it, 1 on an error, 2 on a bad option or setting."""
    from bot.answering.language import finish_background_load, load_in_background

    if question == "-":
        question = sys.stdin.read()

    llm_settings = settings_of(LLMSettings)
    if mode == "llm" and not llm_settings.configured:
        fail(SettingsError("--mode llm needs an LLM: set OPENAI_BASE_URL or OPENAI_API_KEY"))
    load_in_background()
    index = open_index()
    index.warm_up_in_background()
    from bot.answering.service import AnswerService
    from bot.frontends.render import print_answer
    from retrieval.search import SearchFilter

    try:
        answer = AnswerService(index, llm_settings).ask(
            question, k=k, where=SearchFilter.parse(filter_), mode=mode
        )
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
        finish_background_load()
    if as_json:
        write_json(asdict(answer))
    else:
        print_answer(console, answer)
    if answer.refused:
        raise typer.Exit(REFUSED_EXIT)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the answer object that `ask --json` writes."""
    from pydantic import TypeAdapter

    from bot.answering.answer import Answer

    write_json(TypeAdapter(Answer).json_schema())


@app.command()
def chat(
    k: Annotated[
        int | None,
        typer.Option("-k", metavar="N", help="How many chunks to retrieve.", min=1, max=50),
    ] = None,
    filter_: Annotated[str, typer.Option("--filter", metavar="FILTER", help=FILTER_HELP)] = "",
    mode: Annotated[Mode | None, typer.Option(help=MODE_HELP)] = None,
    resume: Annotated[
        bool, typer.Option("--continue", help="Resume the last chat saved in the data directory.")
    ] = False,
) -> None:
    """Chat in the terminal: follow-up questions, /sources, /why, /filter, /copy, /export and
    more (/help lists them). Every chat is saved in the data directory."""
    from bot.frontends.repl import run_repl

    settings, llm_settings = settings_of(RetrievalSettings), settings_of(LLMSettings)
    try:
        run_repl(
            settings,
            llm_settings,
            debug=state["debug"],
            options={"k": k, "where": filter_, "mode": mode},
            resume=resume,
        )
    except NewsQAError as exc:
        fail(exc)


@app.command()
def stats() -> None:
    """Documents, chunks, embedding model and where the store lives."""
    index = open_index()
    try:
        index.require()
        console.print(index.describe(), highlight=False)
        if problems := index.disagreements():
            for problem in problems:
                errors.print(
                    f"[yellow]warning:[/yellow] {problem}; run the same `newsqa ingest` again, "
                    "or `newsqa ingest --rebuild`",
                    highlight=False,
                )
            raise typer.Exit(1)
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()


@app.command("eval")
def evaluate(
    qa: Annotated[list[Path], typer.Option("--qa", metavar="FILE", help="QA file(s), JSON lines.")],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", metavar="DIR", help="Folder(s) to ingest.")
    ],
    mode: Annotated[Mode, typer.Option(help="How answers are written.")] = "extractive",
    cutoffs: Annotated[
        str, typer.Option(metavar="K,K,...", help="Cut-offs for answer@k and source@k.")
    ] = "1,4,8",
    out: Annotated[Path, typer.Option(metavar="DIR", help="Where the report goes.")] = Path(
        "reports/eval"
    ),
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Index to build or reuse; by default one per set of corpora."),
    ] = None,
    peers: Annotated[bool, typer.Option(help="Also measure the peer recipes.")] = True,
) -> None:
    """Measure retrieval and answers on QA files, next to the peers."""
    from bot.answering.service import AnswerService
    from bot.evaluation.harness import Evaluation, load_qa, write_report
    from bot.evaluation.peers import PeerIndex

    try:
        ks = [int(x) for x in cutoffs.split(",") if x.strip()]
    except ValueError:
        fail(NewsQAError(f"bad --cutoffs {cutoffs!r}; use e.g. 1,4,8"))
    if missing := [str(c) for c in corpus if not c.is_dir()]:
        fail(NewsQAError(f"no such corpus folder: {', '.join(missing)}"))
    try:  # every QA file is checked before the (long) ingest
        qa_sets = {path.stem: load_qa(path) for path in qa}
    except NewsQAError as exc:
        fail(exc)
    llm_settings = settings_of(LLMSettings)
    index = eval_index(corpus, data_dir)
    try:
        peer_index = PeerIndex(index) if peers else None
        if peer_index:
            peer_index.build()
        evaluation = Evaluation(AnswerService(index, llm_settings), peer_index, ks, mode)
        summaries, records = {}, {}
        for stem, items in qa_sets.items():
            summaries[stem], records[stem] = evaluation.run_set(items)
    except NewsQAError as exc:
        fail(exc)
    counts = index.catalog.counts()
    context = (
        f"Corpora: {', '.join(map(str, corpus))} ({counts['documents']} documents, "
        f"{counts['aliases']} duplicates kept as aliases, {counts['chunks']} chunks). "
        f"Mode: {mode}. Embeddings: {index.store.model_name}."
    )
    write_report(out, summaries, records, ks, context)
    console.print(f"report: {out / 'report.md'}", highlight=False)
    parts = []
    for stem, summary in summaries.items():
        mine = summary["newsqa"]
        refusal = mine.get("refusal_accuracy")  # none for a set without unanswerable questions
        refused = "n/a" if refusal is None else f"{refusal:.2f}"
        line = (
            f"{stem}: answer@1 {mine.get('answer@1', 0):.2f} mrr {mine['mrr']:.2f} "
            f"accuracy {mine['answer_accuracy']:.2f} refusal {refused} "
            f"false-refusal {mine['false_refusal_rate']:.2f} "
            f"short {mine['short_answer_accuracy']:.2f}"
        )
        if "bm25" in summary:
            line += f" (bm25 answer@1 {summary['bm25'].get('answer@1', 0):.2f})"
        parts.append(line)
    console.print("; ".join(parts), highlight=False, soft_wrap=True)


@app.command()
def train(
    qa: Annotated[
        list[Path], typer.Option("--qa", metavar="FILE", help="Labelled QA file(s), JSON lines.")
    ],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", metavar="DIR", help="Folder(s) to ingest.")
    ],
    out: Annotated[Path, typer.Option(help="Where the fitted weights go.")] = Path(
        "bot/answering/ranker.json"
    ),
    report: Annotated[Path, typer.Option(help="Cross-validated figures, as JSON.")] = Path(
        "reports/train.json"
    ),
    fusion_out: Annotated[Path, typer.Option(help="Where retrieval's fusion weights go.")] = Path(
        "retrieval/fusion.json"
    ),
) -> None:
    """Fit retrieval's fusion, then the reader's ranker on what the fitted retrieval finds, with
    grouped k-fold by article; print cross-validated figures."""
    from bot.answering.service import AnswerService
    from bot.evaluation.fusion_training import ranked_lists, train_fusion, write_fusion
    from bot.evaluation.harness import load_qa
    from bot.evaluation.training import collect, write
    from bot.evaluation.training import train as fit

    try:
        sets = {path.stem: load_qa(path) for path in qa}
    except NewsQAError as exc:
        fail(exc)
    index = eval_index(corpus)
    sources = [str(p) for p in qa]
    try:
        service = AnswerService(index, ranker=None)
        fusion, fusion_figures = train_fusion(ranked_lists(service, sets))
        write_fusion(fusion, fusion_figures, fusion_out, sources)
        console.print(f"fusion: {fusion_out}; out of fold, the diverse top 4", highlight=False)
        print_figures(fusion_figures)
        service.retriever.fusion = fusion
        examples = collect(service, sets)
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
    ranker, figures = fit(examples)
    write(ranker, figures, out, sources)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({**figures, "_fusion": fusion_figures}, indent=2))
    choice = figures.pop("_choice")
    console.print(
        f"weights: {out}; {len(examples)} questions, 5 folds grouped by article; "
        f"thresholds {choice['threshold']:.3f} (a quote alone {choice['quote_threshold']:.3f}), "
        f"{choice['top_sentences']} sentences read for spans",
        highlight=False,
    )
    print_figures(figures)


def print_figures(figures: dict) -> None:
    """Per set, each figure with its bootstrap 95% interval."""
    for name, row in figures.items():
        cells = [
            f"{metric} {v[0]:.2f} [{v[1]:.2f}, {v[2]:.2f}]"
            for metric, v in row.items()
            if metric != "questions"
        ]
        console.print(f"{name} ({row['questions']}): " + "; ".join(cells), highlight=False)


@app.command()
def latest(
    topic: Annotated[
        str | None, typer.Argument(metavar="[TOPIC]", help="Only articles about this.")
    ] = None,
    n: Annotated[
        int, typer.Option("-n", metavar="N", help="How many articles.", min=1, max=100)
    ] = 10,
) -> None:
    """The newest articles, on a topic or across all, with date, outlet and link."""
    from bot.frontends.render import print_latest
    from retrieval.recency import latest as newest

    index = open_index()
    try:
        index.require()
        records = newest(index, topic, n)
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
    print_latest(console, records, topic)


feeds_app = typer.Typer(no_args_is_help=True, help="Subscribe to RSS and Atom feeds.")
app.add_typer(feeds_app, name="feeds")


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(metavar="URL", help="The feed's http(s) URL.")],
    every: Annotated[
        str, typer.Option(metavar="EVERY", help="How often to refresh it: 30m, 2h, 1d.")
    ] = "30m",
) -> None:
    """Subscribe to a feed (`feeds refresh` or `watch` fetch it)."""
    from retrieval.subscriptions import describe_every, subscribe

    index = open_index()
    try:
        with index.writing():
            seconds = subscribe(index, url, every)
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
    console.print(
        f"subscribed to {url}, refreshed every {describe_every(seconds)} "
        "(`newsqa feeds refresh` fetches it now)",
        highlight=False,
    )


@feeds_app.command("list")
def feeds_list() -> None:
    """The subscribed feeds, how often each is refreshed and when it last was."""
    from bot.frontends.render import feed_lines
    from retrieval.subscriptions import due

    index = open_index()
    try:
        rows = index.catalog.subscriptions()
        pending = set(due(index, time.time()))
    finally:
        index.close()
    if not rows:
        console.print("no feeds: add one with `newsqa feeds add URL`")
    for line in feed_lines(rows, pending):
        console.print(line, highlight=False)


@feeds_app.command("remove")
def feeds_remove(
    url: Annotated[str, typer.Argument(metavar="URL", help="The feed's URL.")],
) -> None:
    """Unsubscribe from a feed (its articles stay in the index)."""
    index = open_index()
    try:
        with index.writing():
            removed = index.catalog.unsubscribe(url)
    finally:
        index.close()
    if not removed:
        fail(NewsQAError(f"not subscribed: {url}"))
    console.print(f"unsubscribed from {url}", highlight=False)


@feeds_app.command("refresh")
def feeds_refresh(
    everything: Annotated[
        bool, typer.Option("--all", help="Refresh every feed, due or not.")
    ] = False,
) -> None:
    """Fetch every due feed now; print what was added, changed and failed."""
    report = refresh_feeds(everything)
    if report is not None and not report.ingested_anything:
        errors.print("[red]error:[/red] no feed could be read")
        raise typer.Exit(1)


def refresh_feeds(everything: bool, stop=lambda: False, say_idle: bool = True):
    """One refresh of the due feeds, rendered; the report (None when nothing was due)."""
    from bot.frontends.render import print_report
    from retrieval.plurals import counted
    from retrieval.subscriptions import refresh

    index = open_index()
    try:
        subscribed = bool(index.catalog.subscriptions())
        with index.writing():
            feeds, report = refresh(index, everything, stop=stop)
    except NewsQAError as exc:
        fail(exc)
    finally:
        index.close()
    if not feeds:
        if say_idle:
            console.print("no feed is due" if subscribed else "no feeds: add one first")
        return None
    print_report(errors, report, summary=False)
    stamp = time.strftime("%H:%M:%S")
    console.print(
        f"{stamp} {counted(len(feeds), 'feed')} refreshed: {report.summary()}",
        highlight=False,
    )
    return report


@app.command()
def watch() -> None:
    """Refresh the subscribed feeds on their schedule, in the foreground, until Ctrl-C."""
    from retrieval.subscriptions import next_due_in

    with shutdown_requested() as stopping:
        while not stopping.is_set():
            refresh_feeds(False, stop=stopping.is_set, say_idle=False)
            index = open_index()
            try:
                wait = next_due_in(index, time.time())
            finally:
                index.close()
            if wait is None:
                fail(NewsQAError("no feeds to watch: add one with `newsqa feeds add URL`"))
            stopping.wait(min(max(wait, 1.0), 60.0))


@app.command("train-claims")
def train_claims(
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Corpus folders; the set names each by its name.")
    ],
    claims: Annotated[Path, typer.Option(help="The labelled claim set, JSON lines.")] = Path(
        "eval/claims.jsonl"
    ),
    out: Annotated[Path, typer.Option(help="Where the fitted support model goes.")] = Path(
        "bot/answering/llm/support.json"
    ),
) -> None:
    """Fit the citation checker's support model with grouped 5-fold CV by article; print the
    share of each claim type kept, out of fold."""
    from bot.evaluation.claims import Corpora, fit_support, load_claims, measure
    from retrieval.embeddings import make_embeddings

    roots = {path.name: path for path in corpus}
    try:
        labelled = load_claims(claims, Corpora(roots))
    except NewsQAError as exc:
        fail(exc)
    measured = measure(labelled, make_embeddings(settings_of(RetrievalSettings)))
    model, figures = fit_support(measured)
    provenance = {
        "trained_on": str(claims),
        "folds": 5,
        "grouped_by": "article",
        "kept_out_of_fold": {k: [round(x, 3) for x in v[:3]] + [v[3]] for k, v in figures.items()},
    }
    out.write_text(json.dumps(model.to_json(provenance), indent=1) + "\n")
    console.print(
        f"support model: {out}; {len(labelled)} claims, 5 folds grouped by article; "
        f"threshold {model.threshold:.3f}",
        highlight=False,
    )
    for kind, (mean, low, high, count) in figures.items():
        console.print(f"{kind} ({count}): kept {mean:.2f} [{low:.2f}, {high:.2f}]", highlight=False)


def eval_index(corpus: list[Path], data_dir: Path | None = None):
    """The index of these corpora (by default one per set of folders, reused), brought up to
    date."""
    import hashlib

    from retrieval.ingest import ingest as run_ingest

    if missing := [str(c) for c in corpus if not c.is_dir()]:
        fail(NewsQAError(f"no such corpus folder: {', '.join(missing)}"))
    key = hashlib.sha1("|".join(sorted(str(c.resolve()) for c in corpus)).encode()).hexdigest()
    settings = settings_of(RetrievalSettings)
    settings.data_dir = data_dir or settings.data_dir / f"eval-{key[:10]}"
    index = open_index(settings)
    try:
        with index.writing():
            report = run_ingest(index, corpus)
    except NewsQAError as exc:
        index.close()
        fail(exc)
    errors.print(f"index: {report.summary()} ({settings.data_dir})", highlight=False)
    return index


@app.command()
def discord() -> None:
    """Run the Discord bot (token from DISCORD_TOKEN)."""
    import asyncio

    from bot.frontends.discord.bot import run_bot
    from bot.frontends.discord.settings import DiscordSettings

    settings = settings_of(RetrievalSettings)
    llm_settings, discord_settings = settings_of(LLMSettings), settings_of(DiscordSettings)
    try:
        asyncio.run(run_bot(settings, llm_settings, discord_settings))
    except NewsQAError as exc:
        fail(exc)
    except KeyboardInterrupt:
        pass
    except Exception as exc:  # discord.LoginFailure and friends: one line, not a traceback
        if state["debug"]:
            raise
        fail(NewsQAError(f"the Discord bot stopped: {type(exc).__name__}: {exc}"))


# One-shot commands that only read the index: nothing is left for the interpreter's teardown to
# finish once their output is written.
READ_ONLY_COMMANDS = frozenset({"ask", "search"})


def run() -> None:
    """The `newsqa` command. `ask` and `search` end the process as soon as their output is
    written and the catalog closed: tearing down the interpreter (spaCy's, OpenVINO's and
    chromadb's objects and modules) took 0.33-0.43 s of a cold `newsqa ask` of about 2.5 s on
    the 2-core AMD EPYC. A command that writes (`ingest`, `feeds`) exits as usual, so that the
    vector store closes in its own time."""
    if len(sys.argv) < 2 or sys.argv[1] not in READ_ONLY_COMMANDS:
        app()
        return
    code = 0
    try:
        app()
    except SystemExit as exit_:  # None is success; a message (never ours) is a failure
        code = exit_.code if isinstance(exit_.code, int) else int(exit_.code is not None)
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with suppress(OSError):  # a closed pipe (`newsqa ask ... | head -1`) takes nothing
            stream.flush()
    os._exit(code)
