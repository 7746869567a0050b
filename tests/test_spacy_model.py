"""Loading spaCy leaves torch alone: thinc imports it whenever it is installed, which cost 1.7 s
of a cold `newsqa ask` in a venv that has torch."""

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import SUBPROCESS_TIMEOUT_S

ROOT = Path(__file__).resolve().parent.parent
# A stand-in torch that only records that it was imported.
PROBE = "import os, pathlib\npathlib.Path(os.environ['TORCH_PROBE']).touch()\n"
LOAD_THEN_IMPORT = """
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
