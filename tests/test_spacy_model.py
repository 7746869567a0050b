"""Loading spaCy leaves torch alone: thinc imports it whenever it is installed, which cost 1.7 s
of a cold `newsqa ask` in a venv that has torch. spaCy's registries still find every installed
entry point (plugins, factories) once newsqa has indexed catalogue's table of them by group,
and the tokenizer read from the model's files alone reads text as the packaged model does."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent
# A stand-in torch that only records that it was imported.
PROBE = "import os, pathlib\npathlib.Path(os.environ['TORCH_PROBE']).touch()\n"
COMPARE = """
from importlib.metadata import entry_points
import catalogue
from retrieval.spacy_model import index_entry_points, load_spacy

nlp = load_spacy()
assert "PERSON" in {e.label_ for e in nlp("Angela Merkel visited Paris on Monday.").ents}
index_entry_points()  # twice is the same as once
installed = entry_points()
if isinstance(installed, dict):  # Python 3.11: a dict of groups
    groups = set(dict.keys(installed))
else:
    groups = {point.group for point in installed}
assert groups, "no entry points installed?"
for group in groups:
    expected = sorted(point.name for point in entry_points(group=group))
    found = sorted(point.name for point in catalogue.AVAILABLE_ENTRY_POINTS.select(group=group))
    assert found == expected, (group, found, expected)
print(len(groups))
"""
LOAD_THEN_IMPORT = """
import json
import os
from bot.answering.language import pipeline
pipeline()("Who makes the Tomahawks?")
print(os.path.exists(os.environ["TORCH_PROBE"]))
import torch
print(os.path.exists(os.environ["TORCH_PROBE"]))
"""


def test_the_language_model_loads_without_importing_an_installed_torch(tmp_path):
    (tmp_path / "site" / "torch").mkdir(parents=True)
    (tmp_path / "site" / "torch" / "__init__.py").write_text(PROBE)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp_path / "site"), str(ROOT)]),
        "TORCH_PROBE": str(tmp_path / "imported"),
    }
    result = subprocess.run(
        [sys.executable, "-c", LOAD_THEN_IMPORT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert result.returncode == 0, result.stderr
    # Not imported while spaCy loaded; a caller that wants torch afterwards still gets it.
    assert result.stdout.split() == ["False", "True"]


def test_spacy_registries_find_every_installed_entry_point_by_group():
    run = subprocess.run(
        [sys.executable, "-c", COMPARE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr
    assert int(run.stdout) > 10


READ_BOTH_WAYS = """
import json, pathlib
from retrieval.spacy_model import SPACY_PACKAGE, load_spacy

ours = load_spacy()
import spacy

packaged = spacy.load(SPACY_PACKAGE)
texts = [p for f in sorted(pathlib.Path("seeds").glob("*.txt")) for p in f.read_text().split("\\n")]
texts = [t for t in texts if t.strip()]


def read(doc):
    return [(t.text, t.tag_, t.dep_, t.head.i, t.lemma_, t.ent_type_, t.ent_iob_) for t in doc]


print(json.dumps([len(texts), [read(d) for d in ours.pipe(texts)] == [
    read(d) for d in packaged.pipe(texts)
]]))
"""


def test_the_model_reads_the_seeds_as_the_packaged_model_does():
    """The tokenizer comes from the model's files alone (`serialized_tokenizer`): every token,
    tag, parse and entity of the seeds is the one `spacy.load` of the package gives."""
    run = subprocess.run(
        [sys.executable, "-c", READ_BOTH_WAYS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT_S,
    )
    assert run.returncode == 0, run.stderr
    paragraphs, same = json.loads(run.stdout)
    assert paragraphs > 50
    assert same
