"""Write the generated lines of `eval/claims.jsonl` (every type but the hand-written
paraphrases): `python eval/make_claims.py ../shared/corpora/bbc > claims.generated.jsonl`.

From each sampled article one sentence of each type: `verbatim` (the sentence), `changed` (its
first number changed, or else one name swapped for a name of the same kind from another
article), `negated` (its main verb negated through the parse), `fabricated` (its subject
grafted onto the predicate of a sentence at least three sentences away) and `wrong_article`
(the sentence cited to the chunk of another article in the same section that shares most of its
words). Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

from bot.answering.language import parse
from bot.evaluation.claims import Corpora
from retrieval.sentences import sentence_spans
from retrieval.terms import content_words

SEED = 20261203
ARTICLES_PER_SECTION = 12
NAME_LABELS = ("PERSON", "ORG", "GPE")


def usable(sentence: str) -> bool:
    return 60 <= len(sentence) <= 300 and not sentence.startswith(('"', "“"))


def changed(doc, names: dict[str, list[str]], rng: random.Random) -> tuple[int, int, str] | None:
    """(start, end, replacement) in the sentence: a number made larger, or a name swapped."""
    for ent in doc.ents:
        if ent.label_ in {"MONEY", "PERCENT", "CARDINAL", "QUANTITY"}:
            match = re.search(r"\d[\d,]*", ent.text)
            if match:
                value = int(match.group(0).replace(",", ""))
                new = value * 2 if value < 10 else value + max(1, round(value * 0.5))
                text = f"{new:,}" if "," in match.group(0) else str(new)
                start = ent.start_char + match.start()
                return start, start + len(match.group(0)), text
    for ent in doc.ents:
        others = [n for n in names.get(ent.label_, []) if n.split()[-1] not in ent.text]
        if ent.label_ in NAME_LABELS and others:
            return ent.start_char, ent.end_char, rng.choice(others)
    return None


def negated(doc) -> tuple[int, str] | None:
    """(offset, words to insert) or (offset, replacement of the verb) negating the main verb."""
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None or root.pos_ not in {"VERB", "AUX"}:
        return None
    if any(c.dep_ == "neg" for c in root.children):
        return None
    auxiliaries = [c for c in root.children if c.dep_ in {"aux", "auxpass"} and c.i < root.i]
    if auxiliaries:
        return auxiliaries[0].idx + len(auxiliaries[0].text), " not"
    if root.pos_ == "AUX":
        return root.idx + len(root.text), " not"
    helper = {"VBD": "did", "VBZ": "does", "VBP": "do"}.get(root.tag_)
    if helper is None:
        return None
    return root.idx, f"{helper} not {root.lemma_}|{len(root.text)}"


def grafted(doc_i, doc_j) -> tuple[int, int, int] | None:
    """(subject end in i, predicate start in j, predicate end in j)."""
    subject = next((t for t in doc_i if t.dep_ in {"nsubj", "nsubjpass"}), None)
    root_j = next((t for t in doc_j if t.dep_ == "ROOT"), None)
    if subject is None or root_j is None or root_j.pos_ not in {"VERB", "AUX"}:
        return None
    subject_end = subject.right_edge.idx + len(subject.right_edge.text)
    left = [c for c in root_j.children if c.dep_ in {"aux", "auxpass", "neg"} and c.i < root_j.i]
    start = min([root_j.idx, *[c.idx for c in left]])
    return subject_end, start, len(doc_j.text)


def main(bbc: Path) -> None:
    rng = random.Random(SEED)
    corpora = Corpora({"bbc": bbc, "seeds": Path("seeds")})
    sections = sorted(p.name for p in bbc.iterdir() if p.is_dir())
    paths = {s: sorted(f"bbc/{s}/{f.name}" for f in (bbc / s).glob("*.txt")) for s in sections}
    chosen = {s: rng.sample(paths[s], ARTICLES_PER_SECTION) for s in sections}
    chosen["seeds"] = sorted(f"seeds/{f.name}" for f in Path("seeds").glob("*.txt"))
    names: dict[str, list[str]] = {}
    for section in chosen.values():
        for path in section:
            for ent in parse(corpora.body(path)[:3000]).ents:
                if ent.label_ in NAME_LABELS and len(ent.text) > 3:
                    names.setdefault(ent.label_, []).append(ent.text)
    number = 0

    def emit(kind: str, about: str, pieces: list, cited: str, span: tuple[int, int]) -> None:
        nonlocal number
        number += 1
        line = {"id": f"g{number:03}", "type": kind, "about": about, "claim": pieces}
        line["cited"] = {"source": cited, "span": list(span)}
        print(json.dumps(line, ensure_ascii=False))

    for articles in chosen.values():
        for path in articles:
            body = corpora.body(path)
            spans = [(s, e) for s, e in sentence_spans(body) if usable(body[s:e])]
            if len(spans) < 5:
                continue
            picks = rng.sample(spans, 5)
            (s, e), (cs, ce), (ns, ne), (fs, fe), (ws, we) = picks
            emit("verbatim", path, [[s, e]], path, (s, e))
            doc = parse(body[cs:ce])
            if edit := changed(doc, names, rng):
                a, b, new = edit
                emit("changed", path, [[cs, cs + a], new, [cs + b, ce]], path, (cs, ce))
            doc = parse(body[ns:ne])
            if edit := negated(doc):
                at, words = edit
                if "|" in words:
                    words, length = words.split("|")
                    pieces = [[ns, ns + at], words, [ns + at + int(length), ne]]
                else:
                    pieces = [[ns, ns + at], words, [ns + at, ne]]
                emit("negated", path, pieces, path, (ns, ne))
            far = [sp for sp in spans if abs(spans.index(sp) - spans.index((fs, fe))) >= 3]
            if far:
                js, je = rng.choice(far)
                if graft := grafted(parse(body[fs:fe]), parse(body[js:je])):
                    end_i, start_j, end_j = graft
                    pieces = [[fs, fs + end_i], " ", [js + start_j, js + end_j]]
                    emit("fabricated", path, pieces, path, (fs, fe))
            others = [p for p in articles if p != path]
            words = set(content_words(body[ws:we]))
            best = None
            for other in others:
                other_body = corpora.body(other)
                for os_, oe in sentence_spans(other_body):
                    shared = len(words & set(content_words(other_body[os_:oe])))
                    if best is None or shared > best[0]:
                        best = (shared, other, os_, oe)
            if best:
                emit("wrong_article", path, [[ws, we]], best[1], (best[2], best[3]))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
