"""A question with several parts, read from its dependency parse: "Who makes the Tomahawks,
and what range do they have?" (two clauses, each with its question word), "Where will Trump
meet Putin, and Xi?" (an object added as an afterthought) and "When will Trump meet Xi, and
where?" (two question words) are each two questions, answered one by one so that no part goes
unanswered silently.

Names joined inside a question stay together: "Where did Trump and Putin meet?" asks about one
meeting, "the cease-fire between Israel and Hamas" is one cease-fire.
"""

from __future__ import annotations

from dataclasses import replace

from bot.answering.answer import MARKER, Answer, Source
from bot.answering.language import parse

OBJECTS = frozenset({"dobj", "pobj", "attr", "dative", "oprd"})
WH_WORDS = frozenset({"what", "who", "whom", "whose", "which", "where", "when", "why", "how"})


def parts_of(question: str) -> list[str]:
    """The questions `question` is made of; just `[question]` when it has one part."""
    doc = parse(question)
    for token in doc:
        if token.dep_ != "conj" or not any(c.dep_ == "cc" for c in doc[: token.i]):
            continue
        cc = next((t for t in reversed(doc[: token.i]) if t.dep_ == "cc"), None)
        if cc is None or cc.head not in (token.head, token.head.head):
            continue
        if cc.lower_ not in {"and", "or"}:
            continue
        if token.pos_ in {"VERB", "AUX"} and token.head.dep_ == "ROOT" and asks(doc, cc):
            return two_clauses(doc, cc)
        if token.lower_ in WH_WORDS and token.head.dep_ == "ROOT":
            return two_question_words(doc, cc, token)
        if afterthought(doc, cc, token) and (target := conjoined_object(token)) is not None:
            return two_objects(doc, cc, token, target)
    return [question]


def afterthought(doc, cc, token) -> bool:
    """Whether the question closes on ", and Xi?": a name or noun after a comma and a
    conjunction, with nothing after it. Objects joined inside the question ("the cease-fire
    between Israel and Hamas", "closing nine embassies and high commissions") are one thing
    asked about; of 30 questions of the labelled sets with joined objects, none asked two."""
    last = max(t.i for t in doc if not t.is_punct)
    return (
        token.pos_ in {"PROPN", "NOUN"}
        and cc.i > 0
        and doc[cc.i - 1].text == ","
        and max(t.i for t in token.subtree if not t.is_punct) == last
    )


def asks(doc, cc) -> bool:
    """Whether what follows the conjunction is a question of its own: it opens with a question
    word or an auxiliary ("and what range…", "and did he…")."""
    following = doc[cc.i + 1] if cc.i + 1 < len(doc) else None
    return following is not None and (following.lower_ in WH_WORDS or following.pos_ == "AUX")


def conjoined_object(token):
    """The object `token` stands in for: the one it is joined to, or the verb's object when
    "and Xi" hangs off the verb after a comma."""
    if token.head.dep_ in OBJECTS:
        return token.head
    if token.head.pos_ in {"VERB", "AUX"}:
        return next((c for c in token.head.children if c.dep_ in OBJECTS and c.i < token.i), None)
    return None


def two_clauses(doc, cc) -> list[str]:
    first = text_of(doc[: cc.i])
    second = text_of(doc[cc.i + 1 :])
    return [as_question(first), as_question(second)]


def two_question_words(doc, cc, wh) -> list[str]:
    first = text_of(doc[: cc.i])
    asked = next(t for t in doc if t.lower_ in WH_WORDS)
    second = text_of(doc[: cc.i]).replace(asked.text, wh.text.capitalize(), 1)
    return [as_question(first), as_question(second)]


def two_objects(doc, cc, other, target) -> list[str]:
    """One question per object: the conjunct's span (and its "and") out, then in the
    object's place."""
    other_span = doc[other.left_edge.i : other.right_edge.i + 1]
    start = cc.i
    if start > 0 and doc[start - 1].text == ",":
        start -= 1
    without = [t for t in doc if not (start <= t.i <= other_span.end - 1)]
    target_span = doc[target.left_edge.i : target.i + 1]
    first = "".join(t.text_with_ws for t in without)
    second = "".join(
        (other_span.text + target_span[-1].whitespace_)
        if t.i == target_span.start
        else t.text_with_ws
        for t in without
        if not (target_span.start < t.i <= target_span.end - 1)
    )
    return [as_question(first), as_question(second)]


def text_of(span) -> str:
    return span.text.strip().rstrip(",;").strip()


def as_question(text: str) -> str:
    text = text.strip().rstrip("?,; ").strip()
    return text[:1].upper() + text[1:] + "?"


def joined_answer(question: str, parts: list[str], answers: list[Answer]) -> Answer:
    """One answer from the answers to the parts: each part asked and answered in turn (or
    plainly not found), every article cited once however many parts quote it."""
    if all(a.refused for a in answers):
        refusal = answers[0]
        refusal.question = refusal.standalone_question = question
        return refusal
    numbers: dict[str, Source] = {}
    paragraphs = []
    for part, answer in zip(parts, answers, strict=True):

        def renumbered(marker, answer=answer) -> str:
            source = answer.sources[int(marker[1]) - 1]
            kept = numbers.get(source.doc_id)
            if kept is None:
                kept = replace(source, number=len(numbers) + 1, quotes=list(source.quotes))
                numbers[source.doc_id] = kept
            else:
                kept.quotes += [q for q in source.quotes if q not in kept.quotes]
            return f"[{kept.number}]"

        paragraphs.append(f"{part} {MARKER.sub(renumbered, answer.text)}")
    retrieved = {r.chunk_id: r for a in answers for r in a.retrieved}
    return Answer(
        question=question,
        standalone_question=question,
        text="\n\n".join(paragraphs),
        sources=list(numbers.values()),
        checks=[
            replace(check, name=f"part {n}: {check.name}")
            for n, answer in enumerate(answers, 1)
            for check in answer.checks
        ],
        retrieved=list(retrieved.values()),
        mode="extractive",
    )
