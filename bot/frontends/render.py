"""Rendering answers for terminals (rich): the `ask` command and the REPL share it."""

from __future__ import annotations

from rich.console import Console
from rich.text import Text

from bot.answering.answer import MARKER, Answer, Source


def report_lines(report, summary: bool = True) -> list[str]:
    """An ingest report as every front end shows it: each skipped input and each note on its
    own line, then (unless the caller prints it itself) the summary."""
    lines = [f"{kind} {name}: {reason}" for kind, name, reason in report.problems()]
    return [*lines, report.summary()] if summary else lines


def print_report(console: Console, report, summary: bool = True) -> None:
    for line in report_lines(report, summary):
        console.print(Text(line, style="yellow" if not line[:1].isdigit() else ""))


def styled_answer(answer: Answer) -> Text:
    """The answer text with its short answer in bold and its citation markers highlighted."""
    result = Text(answer.text)
    short = answer.short_answer
    if short and answer.text.startswith(short.text):
        result.stylize("bold yellow", 0, len(short.text))
    for match in MARKER.finditer(answer.text):
        result.stylize("bold cyan", match.start(), match.end())
    return result


def source_line(source: Source) -> Text:
    line = Text()
    line.append(f"[{source.number}] ", style="bold cyan")
    line.append(source.label())
    line.append(f"  ({source.doc_id})", style="dim")
    return line


def print_answer(console: Console, answer: Answer, markdown: bool = False) -> None:
    """Any note on how the question was read, the answer, then a compact source list (or the
    closest sources after a refusal)."""
    if answer.notice:
        console.print(Text.assemble(("note: ", "yellow"), answer.notice))
    if markdown and answer.mode == "llm" and console.is_terminal:
        from rich.markdown import Markdown  # markdown-it costs 0.2 s; only LLM answers need it

        console.print(Markdown(MARKER.sub(r"**[\1]**", answer.text)))
    else:
        console.print(styled_answer(answer))
    if answer.sources:
        console.print()
        for source in answer.sources:
            console.print(source_line(source))
    elif answer.closest:
        console.print(Text("Closest articles:", style="dim"))
        for source in answer.closest:
            console.print(source_line(source))


def print_sources(console: Console, answer: Answer | None) -> None:
    """Each source with its exact quoted span, for checking."""
    if answer is None or not (answer.sources or answer.closest):
        console.print("No sources yet: ask a question first.")
        return
    for source in answer.sources or answer.closest:
        console.print(source_line(source))
        for quote in source.quotes:
            for line in quote.text.splitlines():
                if line.strip():
                    console.print(indented(console, f"│ {line}", 4, style="italic"))
            console.print(
                Text(f"    characters {quote.start}-{quote.end} of the article body", style="dim")
            )


def indented(console: Console, text: str, indent: int, style: str = ""):
    """`text` indented, its wrapped lines too; one long line where output is not wrapped
    (a pipe), so a script reads each quote whole."""
    if console.soft_wrap:
        return Text(" " * indent + text, style=style)
    from rich.padding import Padding

    return Padding(Text(text, style=style), (0, 0, 0, indent))


def print_retrieved(console: Console, answer: Answer | None) -> None:
    """The retrieved chunks, their fused scores and which retriever found each."""
    if answer is None:
        console.print("Nothing retrieved yet: ask a question first.")
        return
    for n, chunk in enumerate(answer.retrieved, 1):
        ranks = ", ".join(
            f"{name} #{rank}"
            for name, rank in (("dense", chunk.dense_rank), ("bm25", chunk.lexical_rank))
            if rank
        )
        console.print(Text(f"{n}. {chunk.doc_id} — {chunk.title}", style="bold"))
        console.print(
            Text(f"   score {chunk.score:.4f} · found by {chunk.found_by} ({ranks})", style="dim")
        )
        console.print(
            Text(
                "   " + chunk.text[:300].replace("\n", " ") + ("…" if len(chunk.text) > 300 else "")
            )
        )
    for check in answer.checks:
        mark = "✓" if check.passed else "✗"
        console.print(
            Text(f"{mark} {check.name}: {check.detail}", style="green" if check.passed else "red")
        )
    for claim in answer.removed_claims:
        console.print(Text(f"✗ removed: “{claim.text}” ({claim.reason})", style="red"))


def latest_lines(records) -> list[str]:
    """Newest first: date, title and outlet, then the link (or the file it came from)."""
    lines = []
    for record in records:
        outlet = f" — {record.outlet}" if record.outlet else ""
        lines += [
            f"{record.date or 'undated'}  {record.title}{outlet}",
            f"    {record.url or record.doc_id}",
        ]
    return lines


def print_latest(console: Console, records, topic: str | None) -> None:
    if not records:
        console.print(f"no dated articles about {topic}" if topic else "no dated articles yet")
    for line in latest_lines(records):
        console.print(Text(line, style="dim" if line.startswith(" ") else "bold"))


def feed_lines(subscriptions, due: set[str]) -> list[str]:
    """Each subscribed feed, how often it is refreshed, when it last was, and whether it is due."""
    from datetime import datetime

    from retrieval.subscriptions import describe_every

    lines = []
    for url, every_s, refreshed_at in subscriptions:
        last = (
            datetime.fromtimestamp(refreshed_at).isoformat(" ", "minutes")
            if refreshed_at
            else "never"
        )
        note = " (due)" if url in due else ""
        lines.append(f"{url}  every {describe_every(every_s)}, last refreshed {last}{note}")
    return lines
