"""A name the articles never spell that way is read as the nearest one they do: "Raythoen" as
"Raytheon". Only words of the question that no chunk holds are looked up, so a correct
question costs one FTS5 lookup per salient word."""

from __future__ import annotations

import re

from bot.answering.answer import Spelling
from bot.answering.evidence import stem
from bot.answering.question import Question

MIN_LENGTH = 5  # shorter words have too many neighbours one letter away
# rapidfuzz's ratio (0-100) of the stems; one swapped or missing letter in an 8-letter name
# scores 87.5, and "Raythoen" against "Drayton" 80.
MIN_SIMILARITY = 85
# A second spelling this close to the best makes the guess a question for the user.
AMBIGUOUS_WITHIN = 3
WORD = re.compile(r"[\w’'-]+")


class Speller:
    """Spelling of question words against the words of the catalog's chunks."""

    def __init__(self, catalog) -> None:
        self.catalog = catalog
        self._vocabulary: dict[str, int] | None = None

    @property
    def vocabulary(self) -> dict[str, int]:
        if self._vocabulary is None:  # read once per process; ingest adds few new names
            self._vocabulary = self.catalog.vocabulary(MIN_LENGTH)
        return self._vocabulary

    def correct(self, question: str, analysis: Question) -> tuple[str, list[Spelling]]:
        """The question with each unknown salient word replaced by its one close match, and
        what was read or could not be decided."""
        spellings = []
        for term in analysis.salient:
            for typed in WORD.findall(term.text):
                if len(typed) < MIN_LENGTH or not typed.isalpha():
                    continue
                if self.catalog.chunk_frequency(typed):
                    continue
                if spelling := self.nearest(typed):
                    spellings.append(spelling)
                    if spelling.read_as:
                        question = re.sub(rf"\b{re.escape(typed)}\b", spelling.read_as, question)
        return question, spellings

    def nearest(self, typed: str) -> Spelling | None:
        from rapidfuzz import fuzz, process

        found = process.extract(
            stem(typed.lower()),
            list(self.vocabulary),
            scorer=fuzz.ratio,
            limit=3,
            score_cutoff=MIN_SIMILARITY,
        )
        if not found:
            return None
        best_score = found[0][1]
        close = [term for term, score, _ in found if score >= best_score - AMBIGUOUS_WITHIN]
        forms = [form for term in close if (form := self.written_form(term, typed))]
        if not forms:
            return None
        if len(forms) == 1:
            return Spelling(typed, read_as=forms[0])
        return Spelling(typed, suggestions=forms)

    def written_form(self, term: str, typed: str) -> str | None:
        """How the articles write the indexed stem `term`, in the case the user typed."""
        for text in self.catalog.texts_with(term):
            for word in WORD.findall(text):
                if stem(word.lower()) == term and word[:1].isupper() == typed[:1].isupper():
                    return word
        return None
