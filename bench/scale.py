"""Query latency and memory of the vector store at growing corpus sizes, next to the
brute-force numpy limit for the same vectors (part of `make bench`; alone: `make bench-scale`,
SCALES=10000,100000,1000000 by default). Results are merged into reports/bench/scale.json by
scale, so a run of one size updates its point and the plot shows every size measured.

The corpus: chunks recombined from three random BBC sentences each, embedded with the real model
(BASE of them). Larger scales reuse those vectors, each further chunk being the normalised mix of
two embedded chunks plus a little noise, so 10^6 chunks do not take hours to embed; the queries
are real embedded questions.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED", ROOT.parent / "shared"))
BASE = int(os.environ.get("BASE", "3000"))
SCALES = [int(s) for s in os.environ.get("SCALES", "10000,100000,1000000").split(",")]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def base_vectors(embeddings) -> np.ndarray:
    from retrieval.documents import read_file
    from retrieval.sentences import sentence_spans

    sentences = []
    for path in sorted((SHARED / "corpora" / "bbc").rglob("*.txt"))[:800]:
        body = read_file(path, path.name, 10**7).articles[0].body
        sentences += [body[s:e] for s, e in sentence_spans(body)]
    rng = random.Random(0)
    texts = [" ".join(rng.sample(sentences, 3)) for _ in range(BASE)]
    return embeddings.embed(texts)


def grow(base: np.ndarray, n: int) -> np.ndarray:
    rng = np.random.default_rng(n)
    if n <= len(base):
        return base[:n]
    a, b = rng.integers(0, len(base), (2, n - len(base)))
    mixed = base[a] + base[b] + rng.normal(0, 0.02, (n - len(base), base.shape[1]))
    mixed /= np.linalg.norm(mixed, axis=1, keepdims=True)
    return np.vstack([base, mixed.astype(np.float32)])


def measure(vectors: np.ndarray, queries: np.ndarray, k: int = 8) -> dict:
    import chromadb

    path = Path(tempfile.mkdtemp(prefix="newsqa-scale-"))
    try:
        client = chromadb.PersistentClient(str(path), chromadb.Settings(anonymized_telemetry=False))
        collection = client.create_collection("scale", configuration={"hnsw": {"space": "cosine"}})
        started = time.perf_counter()
        for first in range(0, len(vectors), 5000):
            batch = vectors[first : first + 5000]
            collection.add(ids=[str(i) for i in range(first, first + len(batch))], embeddings=batch)
        insert_s = time.perf_counter() - started
        chroma_ms = []
        for q in queries:
            started = time.perf_counter()
            collection.query(query_embeddings=[q], n_results=k, include=[])
            chroma_ms.append((time.perf_counter() - started) * 1000)
        numpy_ms = []
        for q in queries:
            started = time.perf_counter()
            scores = vectors @ q
            top = np.argpartition(-scores, k)[:k]
            top[np.argsort(-scores[top])]
            numpy_ms.append((time.perf_counter() - started) * 1000)
        return {
            "chunks": len(vectors),
            "insert_s": insert_s,
            "rss_mb": rss_mb(),
            "disk_mb": sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20,
            "chroma_p50_ms": float(np.percentile(chroma_ms, 50)),
            "chroma_p95_ms": float(np.percentile(chroma_ms, 95)),
            "numpy_p50_ms": float(np.percentile(numpy_ms, 50)),
            "numpy_p95_ms": float(np.percentile(numpy_ms, 95)),
            "numpy_matrix_mb": vectors.nbytes / 2**20,
        }
    finally:
        shutil.rmtree(path, ignore_errors=True)


def main() -> None:
    from retrieval.embeddings import MiniLMEmbeddings

    embeddings = MiniLMEmbeddings()
    questions = [
        json.loads(line)["question"]
        for line in (SHARED / "eval" / "seeds_dev.jsonl").read_text().splitlines()
        if line.strip()
    ]
    queries = embeddings.embed(questions * 2)
    base = base_vectors(embeddings)
    out = ROOT / "reports" / "bench"
    out.mkdir(parents=True, exist_ok=True)
    results = out / "scale.json"
    earlier = json.loads(results.read_text()) if results.exists() else []
    measured = [measure(grow(base, n), queries) for n in SCALES]
    rows = sorted(
        {r["chunks"]: r for r in [*earlier, *measured]}.values(), key=lambda r: r["chunks"]
    )
    results.write_text(json.dumps(rows, indent=2))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    sizes = [r["chunks"] for r in rows]
    for key, label in (
        ("chroma_p50_ms", "Chroma HNSW p50"),
        ("chroma_p95_ms", "Chroma p95"),
        ("numpy_p50_ms", "numpy brute force p50"),
    ):
        ax.plot(sizes, [r[key] for r in rows], marker="o", label=label)
    ax.set_xscale("log")
    ax.set_xlabel("chunks")
    ax.set_ylabel("query latency (ms)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=100)
    print(
        "; ".join(
            f"{r['chunks']:,} chunks: chroma p50 {r['chroma_p50_ms']:.1f} ms / p95 "
            f"{r['chroma_p95_ms']:.1f} ms, numpy p50 {r['numpy_p50_ms']:.1f} ms, "
            f"rss {r['rss_mb']:.0f} MB"
            for r in measured
        )
    )


if __name__ == "__main__":
    main()
