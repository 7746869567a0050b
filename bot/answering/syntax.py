"""Where a candidate short answer stands in its sentence's dependency parse, against the question.

Three features of a span: how close it is, along the parse tree, to the question's words in the
sentence; whether it plays the part the wh-word plays in the question; and whether the verb it
hangs from is one of the question's. Asked "Which firm gave Yahoo its first $2m?", the sentence
"Sequoia Capital gave Yahoo its first $2m in 1995, a year before Apple Computer and Cisco Systems
backed Yahoo" has three firms, each the subject of a verb beside "Yahoo"; only Sequoia Capital is
the subject of "gave".

Only the trees that put the spans of a sentence in order see them (`FEATURES`): they decide which
span opens the answer, not whether one is shown. Out of fold on the 558 training questions (tree
seeds 0-2), short answers +6.0 [+1.7, +10.7], the questions answered and refused unchanged; in the
logistic span model too, short answers +8.3 out of fold but +2 [-10, +14] on the locked sets,
whose false refusals rose from 0.051 to 0.069 (docs/evaluation-log.md).
"""

from __future__ import annotations

from bot.answering.language import Parsed, Word

FEATURES = ("parse_near_question", "same_part", "same_verb")
SUBJECT = frozenset({"nsubj", "nsubjpass", "csubj", "agent"})
OBJECT = frozenset({"dobj", "attr", "oprd", "dative"})
# A word that only qualifies the noun it hangs from ("*Sequoia* Capital", "its *first* $2m")
# plays that noun's part.
QUALIFIER = frozenset({"compound", "amod", "det", "poss", "nummod", "appos", "conj", "flat"})
VERB_TAGS = frozenset({"VERB", "AUX"})
WH_TAGS = frozenset({"WDT", "WP", "WP$", "WRB"})


def part(words: tuple[Word, ...], index: int) -> str:
    """The part a word plays in its clause: subject, object, object of a preposition, other."""
    while words[index].dep in QUALIFIER and words[index].head != index:
        index = words[index].head
    dep = words[index].dep
    if dep in SUBJECT:
        return "subject"
    if dep in OBJECT:
        return "object"
    return "prepositional" if dep == "pobj" else "other"


def ancestors(words: tuple[Word, ...], index: int) -> list[int]:
    """The word and the words above it, up to the root."""
    chain = [index]
    while words[index].head != index and len(chain) <= len(words):
        index = words[index].head
        chain.append(index)
    return chain


def tree_distance(words: tuple[Word, ...], a: int, b: int) -> int | None:
    """The number of arcs between two words, None when they are not in one tree."""
    above_b = {w: n for n, w in enumerate(ancestors(words, b))}
    for n, w in enumerate(ancestors(words, a)):
        if w in above_b:
            return n + above_b[w]
    return None


def governing_verb(words: tuple[Word, ...], index: int) -> Word | None:
    """The first verb above a word."""
    for above in ancestors(words, index)[1:]:
        if words[above].pos in VERB_TAGS:
            return words[above]
    return None


def span_root(words: tuple[Word, ...], start: int, end: int) -> int | None:
    """The word of a character span nearest the root of the parse."""
    inside = [i for i, w in enumerate(words) if w.start < end and w.end > start]
    return min(inside, key=lambda i: len(ancestors(words, i)), default=None)


def asked_part(question) -> tuple[str, frozenset[str]]:
    """The part the wh-word plays in a parsed question ("which *firm*": the firm's part) and
    the lemmas of its verbs."""
    wh = next((t for t in question if t.tag_ in WH_TAGS), None)
    wanted = "other"
    if wh is not None:
        words = tuple(
            Word(t.idx, t.idx + len(t.text), t.head.i, t.dep_, t.pos_, t.lemma_) for t in question
        )
        wanted = part(words, wh.i)
    return wanted, frozenset(t.lemma_.lower() for t in question if t.pos_ == "VERB")


def span_syntax(
    parsed: Parsed,
    start: int,
    end: int,
    question_words: list[int],
    wanted: tuple[str, frozenset[str]],
) -> dict[str, float]:
    """The span's parse features: `question_words` are the indices of the sentence's words the
    question has, `wanted` what `asked_part` found in the question."""
    words = parsed.words
    root = span_root(words, start, end)
    if root is None:
        return {"parse_near_question": 0.0, "same_part": 0.0, "same_verb": 0.0}
    outside = [i for i in question_words if not (words[i].start < end and words[i].end > start)]
    distances = [d for i in outside if (d := tree_distance(words, root, i)) is not None]
    verb = governing_verb(words, root)
    role, verbs = wanted
    return {
        "parse_near_question": 1.0 / (1 + min(distances)) if distances else 0.0,
        "same_part": float(part(words, root) == role),
        "same_verb": float(verb is not None and verb.lemma in verbs),
    }
