"""A chat saved in the data directory after every answer, so `newsqa chat --continue` resumes
it, `/history` lists it and `/export` writes it as markdown with its sources."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from bot.answering.answer import Answer, Source
from retrieval.errors import BadInputError

CHATS = "chats"  # under the data directory, one JSON file per chat


@dataclass
class ChatLog:
    """The answers of one chat, oldest first, and the settings it was left with."""

    path: Path
    answers: list[Answer] = field(default_factory=list)
    settings: dict = field(default_factory=dict)  # k, filter and mode

    @classmethod
    def new(cls, data_dir: Path) -> ChatLog:
        return cls(data_dir / CHATS / f"{datetime.now():%Y%m%d-%H%M%S-%f}.json")

    @classmethod
    def latest(cls, data_dir: Path) -> ChatLog:
        """The most recently saved chat; bad input when there is none or it cannot be read."""
        from pydantic import TypeAdapter, ValidationError

        saved = sorted((data_dir / CHATS).glob("*.json"), key=lambda p: p.stat().st_mtime)
        if not saved:
            raise BadInputError(f"no saved chat in {data_dir / CHATS} to continue")
        path = saved[-1]
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            answers = TypeAdapter(list[Answer]).validate_python(data["answers"])
        except (OSError, ValueError, KeyError, ValidationError) as exc:
            raise BadInputError(f"cannot resume the chat in {path}: {exc}") from exc
        return cls(path, answers, data.get("settings", {}))

    def add(self, answer: Answer) -> None:
        self.answers.append(answer)

    def replace_last(self, answer: Answer) -> None:
        self.answers[-1] = answer

    def save(self, **settings) -> None:
        """Write the chat atomically: a crash mid-write leaves the previous save."""
        self.settings = settings
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        data = {"settings": settings, "answers": [asdict(a) for a in self.answers]}
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)

    def markdown(self) -> str:
        """The chat as a markdown document: each question, its answer and its sources with
        their quoted spans."""
        parts = [f"# newsqa chat, {datetime.now():%Y-%m-%d %H:%M}\n"]
        for answer in self.answers:
            parts.append(f"## {answer.question.strip()}\n\n{answer.text}\n")
            sources = answer.sources or answer.closest
            if sources:
                heading = "Sources" if answer.sources else "Closest articles"
                parts.append(f"{heading}:\n\n" + "\n".join(map(source_markdown, sources)) + "\n")
        return "\n".join(parts)


def source_markdown(source: Source) -> str:
    label = f"[{source.label()}]({source.url})" if source.url else source.label()
    line = f"{source.number}. {label} (`{source.doc_id}`)"
    for quote in source.quotes:
        line += "\n" + "\n".join(f"   > {q}" for q in quote.text.splitlines() if q.strip())
    return line


def plain_answer(answer: Answer) -> str:
    """The answer and its numbered sources as plain text, for the clipboard."""
    sources = answer.sources or answer.closest
    lines = [answer.text, ""] if sources else [answer.text]
    for source in sources:
        link = f" {source.url}" if source.url else ""
        lines.append(f"[{source.number}] {source.label()} ({source.doc_id}){link}")
    return "\n".join(lines)
