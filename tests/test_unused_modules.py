"""A cold `newsqa ask` leaves out the modules its libraries import and it never uses (0.6 s of
its start on the 2-core machines), and the libraries still reach them when they are used."""

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent
ASK_THEN_USE = """
import json, sys
from bot.frontends.cli import app
try:
    app(["ask", "Which company makes the Tomahawk missiles?"])
except SystemExit as exc:
    code = exc.code
unused = [
    "spacy.cli",
    "chromadb.utils.embedding_functions",
    "opentelemetry.exporter.otlp.proto.grpc.trace_exporter",
    "openvino.tools.ovc",
    "httpx._main",
]
imported = [name for name in unused if name in sys.modules]

import chromadb.api.collection_configuration as configuration
import openvino.tools.ovc
import spacy
import spacy.cli

print(json.dumps({
    "code": code,
    "imported": imported,
    "spacy_version": spacy.info(silent=True)["spacy_version"],
    "cli_download": callable(spacy.cli.download),
    "default_function": configuration.known_embedding_functions["default"].__name__,
    "converter": callable(openvino.tools.ovc.convert_model),
}))
"""


def test_a_cold_ask_leaves_out_unused_modules_that_still_import_when_used(seeded_env):
    result = subprocess.run(
        [sys.executable, "-c", ASK_THEN_USE],
        env={**seeded_env, "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.splitlines()[-1])
    assert seen["code"] == 0
    assert seen["imported"] == []
    assert seen["spacy_version"].startswith("3.")
    assert seen["cli_download"] and seen["converter"]
    assert seen["default_function"] == "DefaultEmbeddingFunction"
