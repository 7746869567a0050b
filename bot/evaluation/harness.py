"""`newsqa eval`: retrieval and answer quality on QA files (schema: ../shared/eval/README.md),
newsqa side by side with the peers, written as a markdown report, per-question JSON,
`summary.json` and plots."""

from __future__ import annotations

import json
import re
import statistics
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.answering.answer import MARKER
from bot.answering.conversation import Conversation
from bot.answering.question import Question, analyse
from bot.answering.service import AnswerService
from bot.evaluation.peers import PeerIndex
from retrieval.errors import BadInputError
from retrieval.terms import words

SYSTEMS = ("newsqa", "langchain-default", "bm25")
ANSWER_METRICS = (
    "answer_accuracy",
    "short_answer_accuracy",
    "short_answer_f1",
    "token_f1",
    "citation_precision",
    "alce_citation_recall",
    "alce_citation_precision",
    "refusal_accuracy",
    "false_refusal_rate",
    "latency_p50_ms",
    "latency_p95_ms",
)


@dataclass
class QAItem:
    id: str
    question: str
    answers: list[str]
    sources: list[str]
    kind: str
    # A conversation's earlier turns (question, answers, sources), asked first in the same
    # conversation.
    earlier: list[dict] = field(default_factory=list)

    @property
    def before(self) -> list[str]:
        return [turn["question"] for turn in self.earlier]

    @property
    def answerable(self) -> bool:
        return self.kind != "unanswerable"


def load_qa(path: Path) -> list[QAItem]:
    """Read a QA file; a bad line is a clear error naming the file and line."""
    items = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadInputError(f"cannot read the QA file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise BadInputError(f"the QA file {path} is not UTF-8 ({exc.reason})") from exc
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            if record.get("kind") == "conversation":
                items += conversation_items(record)
                continue
            items.append(
                QAItem(
                    id=str(record.get("id", f"{path.stem}-{number}")),
                    question=record["question"],
                    answers=list(record.get("answers") or []),
                    sources=list(record.get("sources") or []),
                    kind=record.get("kind")
                    or ("factoid" if record.get("answers") else "unanswerable"),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise BadInputError(f"{path}:{number}: not a QA record ({exc})") from exc
    if not items:
        raise BadInputError(f"{path} holds no questions")
    return items


def conversation_items(record: dict) -> list[QAItem]:
    """Each later turn of a conversation, scored like a factoid, asked after the turns before
    it in the same conversation."""
    turns = record["turns"]
    return [
        QAItem(
            id=f"{record['id']}#{n + 1}",
            question=turn["question"],
            answers=list(turn.get("answers") or []),
            sources=list(turn.get("sources") or []),
            kind="factoid" if turn.get("answers") else "unanswerable",
            earlier=turns[:n],
        )
        for n, turn in enumerate(turns)
        if n
    ]


def searched_as(item: QAItem) -> str:
    """What a turn is searched with when the service condenses it without an LLM: a follow-up
    ("and how old is he?") together with the question it follows, as condensed in its turn."""
    history = Conversation()
    for question in item.before:
        history.add(question, history.condense_without_llm(question), "")
    return history.condense_without_llm(item.question)


def contains_answer(text: str, answers: list[str]) -> bool:
    """A gold answer appears in `text`: case-insensitive, on word boundaries."""
    lowered = text.lower()
    return any(re.search(rf"(?<!\w){re.escape(a.lower())}(?!\w)", lowered) for a in answers)


def token_f1(prediction: str, answers: list[str]) -> float:
    """SQuAD-style token F1 against the best-matching gold answer."""
    predicted = Counter(words(prediction))
    best = 0.0
    for answer in answers:
        gold = Counter(words(answer))
        common = sum((predicted & gold).values())
        if common:
            precision, recall = common / sum(predicted.values()), common / sum(gold.values())
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Evaluation:
    """Runs every system on every question of the QA files."""

    def __init__(
        self,
        service: AnswerService,
        peers: PeerIndex | None,
        ks: list[int],
        mode: str = "extractive",
    ) -> None:
        self.service = service
        self.peers = peers
        self.ks = sorted(set(ks))
        self.mode = mode

    def retrieve(
        self, system: str, query: str, analysis: Question | None = None
    ) -> tuple[list[tuple[str, str]], float]:
        """What `system` retrieves for `query`; newsqa reads it with `analysis` (a follow-up's
        carries the earlier answer's names), by default the query's own."""
        depth = max(self.ks)
        started = time.perf_counter()
        if system == "newsqa":
            with self.service.reader.sentence_vectors.set_aside():
                hits = self.service.gather(analysis or analyse(query), query, depth, None)[0]
            found = [(h.chunk.doc_id, h.chunk.text) for h in hits]
        elif system == "langchain-default":
            found = [(h.doc_id, h.text) for h in self.peers.langchain_default(query, depth)]
        else:
            found = [(h.doc_id, h.text) for h in self.peers.bm25(query, depth)]
        return found, (time.perf_counter() - started) * 1000

    def same_story(self, doc_id: str) -> set[str]:
        """A document and the duplicates kept as its aliases: retrieving the kept copy finds a
        gold source that ingest recorded as an alias of it."""
        return {doc_id, *self.service.index.catalog.aliases_of(doc_id)}

    def run_set(self, items: list[QAItem]) -> tuple[dict, list[dict]]:
        systems = SYSTEMS if self.peers else ("newsqa",)
        records = []
        for item in items:
            for system in systems:
                records.append(self.evaluate(system, item))
        return self.summarise(records, systems), records

    def evaluate(self, system: str, item: QAItem) -> dict:
        """A later turn of a conversation is retrieved as the service searches it, with the
        question it follows (`searched_as`), by every system; newsqa answers it after the
        earlier turns were asked in the same conversation."""
        conversation = Conversation()
        analysis = None
        if system == "newsqa":
            for earlier in item.before:
                self.service.ask(earlier, mode=self.mode, conversation=conversation)
            analysis, query = self.service.follow_up(item.question, conversation)
        else:
            query = searched_as(item)
        found, retrieval_ms = self.retrieve(system, query, analysis)
        record = {
            "id": item.id,
            "system": system,
            "question": item.question,
            "searched": query,
            "kind": item.kind,
            "gold_answers": item.answers,
            "gold_sources": item.sources,
            "retrieved": [
                {"doc_id": d, "has_answer": contains_answer(t, item.answers), "text": t[:300]}
                for d, t in found
            ],
            "retrieval_ms": retrieval_ms,
        }
        record["answer_rank"] = next(
            (i + 1 for i, r in enumerate(record["retrieved"]) if r["has_answer"]), None
        )
        record["source_rank"] = next(
            (i + 1 for i, (d, _) in enumerate(found) if self.same_story(d) & set(item.sources)),
            None,
        )
        if system == "newsqa":
            started = time.perf_counter()
            answer = self.service.ask(item.question, mode=self.mode, conversation=conversation)
            record["latency_ms"] = (time.perf_counter() - started) * 1000
            record.update(self.judge_answer(answer, item))
        return record

    def judge_answer(self, answer, item: QAItem) -> dict:
        text = MARKER.sub("", answer.text)
        citations = []
        for source in answer.sources:
            record = self.service.index.catalog.document(source.doc_id)
            verbatim = bool(record) and record.body[source.start : source.end] == source.quote
            citations.append(
                {
                    "doc_id": source.doc_id,
                    "quote": source.quote,
                    "verbatim": verbatim,
                    "supports_gold": verbatim and contains_answer(source.quote, item.answers),
                }
            )
        short = answer.short_answer.text if answer.short_answer else ""
        return {
            "answer": answer.text,
            "refused": answer.refused,
            "mode": answer.mode,
            "notice": answer.notice,
            "correct": contains_answer(text, item.answers),
            "f1": token_f1(text, item.answers),
            "citations": citations,
            "short_answer": short,
            "short_correct": bool(short) and contains_answer(short, item.answers),
            "short_f1": token_f1(short, item.answers),
            "citation_audit": asdict(answer.citation_audit) if answer.citation_audit else None,
        }

    def summarise(self, records: list[dict], systems) -> dict:
        summary = {}
        for system in systems:
            mine = [r for r in records if r["system"] == system]
            answerable = [r for r in mine if r["kind"] != "unanswerable"]
            n = max(len(answerable), 1)
            metrics = {}
            for k in self.ks:
                metrics[f"answer@{k}"] = (
                    sum(bool(r["answer_rank"] and r["answer_rank"] <= k) for r in answerable) / n
                )
                metrics[f"source@{k}"] = (
                    sum(bool(r["source_rank"] and r["source_rank"] <= k) for r in answerable) / n
                )
            metrics["mrr"] = sum(1 / r["source_rank"] for r in answerable if r["source_rank"]) / n
            metrics["retrieval_p50_ms"] = percentile([r["retrieval_ms"] for r in mine], 0.5)
            if system == "newsqa":
                metrics.update(self.answer_metrics(mine, answerable))
            summary[system] = metrics
        return summary

    @staticmethod
    def answer_metrics(mine: list[dict], answerable: list[dict]) -> dict:
        unanswerable = [r for r in mine if r["kind"] == "unanswerable"]
        citations = [c for r in answerable for c in r["citations"]]
        latencies = [r["latency_ms"] for r in mine]
        return {
            "answer_accuracy": sum(r["correct"] for r in answerable) / max(len(answerable), 1),
            "short_answer_accuracy": sum(r["short_correct"] for r in answerable)
            / max(len(answerable), 1),
            "short_answer_f1": statistics.fmean([r["short_f1"] for r in answerable])
            if answerable
            else 0.0,
            "token_f1": statistics.fmean([r["f1"] for r in answerable]) if answerable else 0.0,
            "citation_precision": (
                sum(c["supports_gold"] for c in citations) / len(citations) if citations else 0.0
            ),
            **alce_metrics([r["citation_audit"] for r in mine if r.get("citation_audit")]),
            # A set without unanswerable questions has no refusal accuracy, not a perfect one.
            **(
                {"refusal_accuracy": sum(r["refused"] for r in unanswerable) / len(unanswerable)}
                if unanswerable
                else {}
            ),
            "false_refusal_rate": sum(r["refused"] for r in answerable) / max(len(answerable), 1),
            "latency_p50_ms": percentile(latencies, 0.5),
            "latency_p95_ms": percentile(latencies, 0.95),
        }


def alce_metrics(audits: list[dict]) -> dict:
    """Citation recall (claims their citations support) and precision (citations needed) over
    the model's answers as written, before the checker removed anything; LLM mode only."""
    if not audits:
        return {}
    claims = sum(a["claims"] for a in audits)
    citations = sum(a["citations"] for a in audits)
    return {
        "alce_citation_recall": sum(a["supported"] for a in audits) / max(claims, 1),
        "alce_citation_precision": sum(a["needed"] for a in audits) / max(citations, 1),
    }


def write_report(
    out: Path,
    summaries: dict[str, dict],
    records: dict[str, list[dict]],
    ks: list[int],
    context: str,
) -> None:
    """report.md, results.json, summary.json and the plots."""
    out.mkdir(parents=True, exist_ok=True)
    systems = {
        s: {stem: summaries[stem][s] for stem in summaries if s in summaries[stem]} for s in SYSTEMS
    }
    systems = {s: v for s, v in systems.items() if v}
    (out / "summary.json").write_text(json.dumps({"systems": systems}, indent=2))
    (out / "results.json").write_text(json.dumps(records, indent=2, ensure_ascii=False))
    lines = ["# newsqa evaluation", "", context, ""]
    for stem, summary in summaries.items():
        n = sum(1 for r in records[stem] if r["system"] == "newsqa")
        lines += [f"## {stem} ({n} questions)", "", "### Retrieval", ""]
        columns = (
            [f"answer@{k}" for k in ks] + [f"source@{k}" for k in ks] + ["mrr", "retrieval_p50_ms"]
        )
        lines += ["| system | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
        for system, metrics in summary.items():
            cells = [
                f"{metrics[c]:.1f}" if c.endswith("_ms") else f"{metrics[c]:.3f}" for c in columns
            ]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
        mine = summary["newsqa"]
        lines += ["", "### Answers (newsqa)", "", "| metric | value |", "|---|---|"]
        lines += [
            f"| {m} | {mine[m]:.0f} |" if m.endswith("_ms") else f"| {m} | {mine[m]:.3f} |"
            for m in ANSWER_METRICS
            if m in mine
        ]
        misses = [
            r
            for r in records[stem]
            if r["system"] == "newsqa"
            and (
                (r["kind"] != "unanswerable" and not r["correct"])
                or (r["kind"] == "unanswerable" and not r["refused"])
            )
        ]
        if misses:
            lines += ["", "### Misses", ""]
            lines += [f"- `{r['id']}` {r['question']} → {r['answer'][:160]!r}" for r in misses]
        lines.append("")
    (out / "report.md").write_text("\n".join(lines))
    plot(out, summaries, records, ks)


def plot(
    out: Path, summaries: dict[str, dict], records: dict[str, list[dict]], ks: list[int]
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for stem, summary in summaries.items():
        metrics = [f"answer@{k}" for k in ks] + ["mrr"]
        fig, ax = plt.subplots(figsize=(8, 4))
        width = 0.8 / len(summary)
        for i, (system, values) in enumerate(summary.items()):
            ax.bar(
                [x + i * width for x in range(len(metrics))],
                [values[m] for m in metrics],
                width,
                label=system,
            )
        ax.set_xticks([x + width * (len(summary) - 1) / 2 for x in range(len(metrics))], metrics)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"Retrieval on {stem}")
        ax.legend()
        fig.tight_layout()
        fig.savefig(out / f"metrics_{stem}.png", dpi=100)
        plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 4))
    latencies = [r["latency_ms"] for rs in records.values() for r in rs if r["system"] == "newsqa"]
    ax.hist(latencies, bins=20)
    ax.set_xlabel("answer latency (ms)")
    ax.set_ylabel("questions")
    ax.set_title("newsqa answer latency")
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=100)
    plt.close(fig)
