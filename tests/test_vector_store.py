"""The vector store finds the nearest chunks, the same ones in every process."""

import numpy as np

from retrieval.store import VectorStore
from tests.conftest import make_settings


def test_an_index_built_with_chromas_default_search_finds_the_nearest_chunks(tmp_path):
    # An index as newsqa built it before: Chroma's default HNSW search breadth (100), under
    # which the 40 nearest of a few thousand chunks came back partly wrong, and differently in
    # each process.
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((4000, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"doc{i}.txt::{i}" for i in range(len(vectors))]
    older = VectorStore(make_settings(tmp_path), "minilm")
    older.client.create_collection(
        "newsqa",
        metadata={"embedding_model": "minilm"},
        configuration={"hnsw": {"space": "cosine"}},
    )
    older.upsert(ids, vectors.tolist(), [{"source": i.split("::")[0]} for i in ids])

    store = VectorStore(make_settings(tmp_path), "minilm")
    missed = 0
    for query in rng.standard_normal((20, 384)).astype(np.float32):
        exact = {ids[i] for i in np.argsort(-(vectors @ query))[:40]}
        missed += len(exact - {chunk_id for chunk_id, _ in store.search(query.tolist(), 40)})
    assert missed <= 20, f"{missed} of the 800 nearest chunks were not found"
