"""`make train`: fit the reader's ranker (`bot/answering/ranker.json`) on labelled questions.

Every question is retrieved once; its sentences and answer candidates get the features the
reader computes at run time. The models are fitted with grouped k-fold by article, so no article
is in the fold that scores it: the prescreen first (the sentences it would not have had
embedded lose what the embedder gave them, `limit_compared`), then the sentence models (the
sentence order's out-of-fold scores choose the sentences read for spans), then the candidate
models on those, and the trees that order the spans of each sentence. The refusal thresholds
and the span threshold are those that answer the most questions right (a refusal of an
unanswerable question counts as right) on the out-of-fold scores (`choose_thresholds`). The
figures printed are those out-of-fold figures, per set, with a bootstrap 95% interval.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bot.answering.conversation import Conversation
from bot.answering.question import Question
from bot.answering.ranker import LinearModel, Ranker, Tree, TreeModel, feature_matrix
from bot.answering.reader import (
    EMBEDDED_FEATURES,
    MAX_COMPARED,
    Candidate,
    Evidence,
    Sentence,
    add_best_span,
    answer_spans,
    choose,
    opening_span,
    runner_up,
    shown_bounds,
    span_candidates,
    top_sentences,
)
from bot.answering.service import AnswerService
from bot.answering.syntax import FEATURES as PARSE_FEATURES
from bot.evaluation.harness import QAItem, contains_answer
from retrieval.sentences import sentence_spans
from retrieval.terms import words

log = logging.getLogger(__name__)
FOLDS = 5
TOP_SENTENCES = (4, 6, 8, 12)
BOOTSTRAP = 2000
# A user who is refused an answer the articles hold is failed; the threshold keeps that rare.
MAX_FALSE_REFUSALS = 0.05
# How many span thresholds `choose_thresholds` tries, evenly spaced over the spans' scores.
SPAN_THRESHOLDS = 40
# Inverse L2 strength of the logistic models (scikit-learn C), on standardised features.
REGULARISATION = 0.5
# The sentence order's trees: few and small, chosen when ~560 questions were fitted (LightGBM's
# lambdarank, pairs of sentences of one question or spans of one sentence; only the top 10
# places count). The spans' trees take the same settings.
ORDER_PARAMETERS = {
    "objective": "lambdarank",
    "n_estimators": 100,
    "num_leaves": 7,
    "learning_rate": 0.05,
    "min_child_samples": 20,
    "subsample": 0.8,
    "subsample_freq": 1,
    "colsample_bytree": 0.8,
    "lambdarank_truncation_level": 10,
    "deterministic": True,
    "force_row_wise": True,
    "random_state": 0,
    "verbose": -1,
}


@dataclass
class Example:
    """One labelled question as the reader saw it."""

    set_name: str
    item: QAItem
    group: str
    analysis: Question
    sentences: list[Sentence]
    bodies: dict[str, str]
    allowed: set[str]
    slot: object = None  # the question's slot vector (`Evidence.slot`)
    candidates: list[Candidate] = field(default_factory=list)


def sentence_label(example: Example, sentence: Sentence) -> int:
    """A sentence is right when it holds a gold answer."""
    return int(example.item.answerable and contains_answer(sentence.text, example.item.answers))


def quoted_right(example: Example, answer: Candidate) -> bool:
    """The answer's sentence, or the second sentence quoted after it, holds a gold answer."""
    second = runner_up(example.candidates, answer)
    return bool(
        sentence_label(example, answer.sentence)
        or (second is not None and sentence_label(example, second.sentence))
    )


def span_label(example: Example, candidate: Candidate) -> int:
    """A span is right when it holds a gold answer, or a gold answer holds it."""
    item = example.item
    if not item.answerable:
        return 0
    span = candidate.span.text
    return int(
        contains_answer(span, item.answers)
        or any(contains_answer(a, [span]) for a in item.answers if len(span) >= 3)
    )


def collect(service: AnswerService, sets: dict[str, list[QAItem]]) -> list[Example]:
    """Retrieve and featurise every question. A conversation's later turn is asked as the
    service asks a follow-up, after the earlier turn was answered right: with the sentence of
    its source that holds its answer."""
    return [
        featurise(service, set_name, item, conversation_before(service, item))
        for set_name, items in sets.items()
        for item in items
    ]


def conversation_before(service: AnswerService, item: QAItem) -> Conversation:
    """The conversation a question is asked in: its earlier turns, each answered right."""
    conversation = Conversation()
    for turn in item.earlier:
        conversation.add(turn["question"], turn["question"], answer_sentence(service, turn))
    return conversation


def answer_sentence(service: AnswerService, turn: dict) -> str:
    """The first sentence of a turn's sources that holds one of its answers ("" if none)."""
    catalog = service.index.catalog
    for source in turn.get("sources") or []:
        record = catalog.document(catalog.canonical(source))
        if record is None:
            continue
        for start, end in sentence_spans(record.body):
            if contains_answer(record.body[start:end], turn.get("answers") or []):
                return record.body[start:end]
    return ""


def article_group(sources: list[str], retrieved: list[str], item: QAItem) -> str:
    """The article a question is about, which keeps it in one fold: its first source, or for an
    unanswerable question the first article retrieved."""
    return sources[0] if sources else (retrieved[0] if retrieved else item.id)


def featurise(
    service: AnswerService, set_name: str, item: QAItem, conversation: Conversation
) -> Example:
    analysis, query = service.follow_up(item.question, conversation)
    hits, evidence, _, allowed, _ = service.gather(analysis, query, service.settings.top_k, None)
    catalog = service.index.catalog
    sources = [catalog.canonical(s) for s in item.sources]
    group = article_group(sources, [h.chunk.doc_id for h in hits], item)
    return Example(
        set_name, item, group, analysis, evidence.sentences, evidence.bodies, allowed, evidence.slot
    )


def folds(groups: list[str]) -> list[int]:
    """A fold per article group, spread evenly (GroupKFold)."""
    from sklearn.model_selection import GroupKFold

    fold_of = [0] * len(groups)
    splits = min(FOLDS, len(set(groups)))  # a small corpus has fewer articles than folds
    for fold, (_, test) in enumerate(GroupKFold(splits).split(groups, groups=groups)):
        for i in test:
            fold_of[i] = fold
    return fold_of


def fit_linear(rows: list[dict[str, float]], labels: list[int]) -> LinearModel:
    from sklearn.linear_model import LogisticRegression

    names = sorted({name for row in rows for name in row})
    x = feature_matrix(names, rows)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    fitted = LogisticRegression(C=REGULARISATION, max_iter=2000).fit((x - mean) / scale, labels)
    return LinearModel(names, mean, scale, fitted.coef_[0], float(fitted.intercept_[0]))


def fit_order(rows: list[dict[str, float]], labels: list[int], questions: list[int]) -> TreeModel:
    """Trees ranking the rows of each group (a question's sentences, a sentence's spans)."""
    import lightgbm

    names = sorted({name for row in rows for name in row})
    _, sizes = np.unique(np.asarray(questions), return_counts=True)
    order = np.argsort(questions, kind="stable")
    x, y = feature_matrix(names, rows)[order], np.asarray(labels)[order]
    fitted = lightgbm.LGBMRanker(**ORDER_PARAMETERS).fit(x, y, group=sizes)
    return TreeModel(
        names, [tree_of(t["tree_structure"]) for t in fitted.booster_.dump_model()["tree_info"]]
    )


def tree_of(root: dict) -> Tree:
    """A LightGBM tree (`dump_model`'s nested nodes) as arrays. The features have no missing
    values (a missing feature is 0), so every split is `value <= threshold`."""
    feature, threshold, left, right, value = [], [], [], [], []

    def visit(node: dict) -> int:
        if "leaf_value" in node:
            value.append(node["leaf_value"])
            return ~(len(value) - 1)
        if node["decision_type"] != "<=":
            raise ValueError(f"unexpected split {node['decision_type']}")
        index = len(feature)
        feature.append(node["split_feature"])
        threshold.append(node["threshold"])
        left.append(0)
        right.append(0)
        left[index] = visit(node["left_child"])
        right[index] = visit(node["right_child"])
        return index

    if "leaf_value" in root:
        value.append(root["leaf_value"])
    else:
        visit(root)
    return Tree(*(np.asarray(a) for a in (feature, threshold, left, right)), np.asarray(value))


def out_of_fold(
    rows: list[tuple[int, object, dict, int]], fold_of: list[int], ranked: bool = False
) -> list[float]:
    """Out-of-fold scores for (group index, item, features, label) rows, `fold_of` giving each
    group's fold: probabilities of the logistic model, or (`ranked`) the order of the trees
    ranking the rows of each group."""
    scores = [0.0] * len(rows)
    for fold in range(max(fold_of, default=0) + 1):
        train = [(i, f, y) for i, _, f, y in rows if fold_of[i] != fold]
        test = [n for n, (i, *_rest) in enumerate(rows) if fold_of[i] == fold]
        if not test:
            continue
        rows_in = [f for _, f, _ in train]
        labels = [y for *_, y in train]
        if ranked:
            predicted = fit_order(rows_in, labels, [i for i, *_ in train]).predict(
                [rows[n][2] for n in test]
            )
        else:
            predicted = fit_linear(rows_in, labels).probability([rows[n][2] for n in test])
        for n, p in zip(test, predicted, strict=True):
            scores[n] = float(p)
    return scores


def span_rows(examples: list[Example], fold_of: list[int]) -> tuple[list[tuple], list[int]]:
    """The span rows grouped by sentence, as `out_of_fold` takes them with `ranked`, and each
    sentence's fold (its question's)."""
    group: dict[tuple[int, int], int] = {}
    rows = []
    for i, e in enumerate(examples):
        for c in e.candidates:
            if c.span is not None:
                key = group.setdefault((i, id(c.sentence)), len(group))
                rows.append((key, c, c.features, span_label(e, c)))
    folds_of_groups = [fold_of[i] for i, _ in group]
    return rows, folds_of_groups


def before_embedding(features: dict[str, float]) -> dict[str, float]:
    """The sentence features the prescreen model sees: those known before embedding."""
    return {name: value for name, value in features.items() if name not in EMBEDDED_FEATURES}


def limit_compared(examples: list[Example], fold_of: list[int]) -> None:
    """Collected without a ranker, every sentence worth comparing was embedded; at run time
    only the MAX_COMPARED of them the prescreen model ranks first are. The others lose what the
    embedder gave them, by the prescreen's out-of-fold scores."""
    rows = [
        (i, s, before_embedding(s.features), sentence_label(e, s))
        for i, e in enumerate(examples)
        for s in e.sentences
    ]
    compared: dict[int, list[tuple[float, Sentence]]] = {}
    for (i, s, _, _), p in zip(rows, out_of_fold(rows, fold_of), strict=True):
        if s.features.get("compared"):
            compared.setdefault(i, []).append((p, s))
    for scored in compared.values():
        for _, s in sorted(scored, key=lambda pair: -pair[0])[MAX_COMPARED:]:
            s.features = before_embedding(s.features)
            s.pieces = None


def cross_validate(examples: list[Example], fold_of: list[int], top_n: int) -> None:
    """Out-of-fold scores on every sentence and candidate: the sentence model's scores choose
    which sentences are read for spans, as at run time."""
    rows = [
        (i, s, s.features, sentence_label(e, s))
        for i, e in enumerate(examples)
        for s in e.sentences
    ]
    for (_, s, _, _), p, o in zip(
        rows, out_of_fold(rows, fold_of), out_of_fold(rows, fold_of, ranked=True), strict=True
    ):
        s.score, s.order = p, o
    for e in examples:
        evidence = Evidence(e.sentences, e.bodies, e.slot)
        best = top_sentences(evidence, e.allowed, top_n)
        e.candidates = span_candidates(e.analysis, best, evidence, answer_spans(e.analysis, best))
    for answers in (False, True):  # spans first: a sentence's best span is an answer feature
        if answers:
            for e in examples:
                add_best_span(e.candidates)
        labelled = candidate_rows(examples, answers)
        for (_, c, _, _), p in zip(labelled, out_of_fold(labelled, fold_of), strict=True):
            c.score = p
    grouped, sentence_folds = span_rows(examples, fold_of)
    for (_, c, _, _), o in zip(
        grouped, out_of_fold(grouped, sentence_folds, ranked=True), strict=True
    ):
        c.order = o


def candidate_rows(examples: list[Example], answers: bool) -> list[tuple]:
    """(example index, candidate, features, label) of the sentence answers or of the spans. The
    spans' logistic model, whose scores decide whether a short answer is shown (and so which
    refusal threshold an answer faces), does not see the parse features (`syntax.FEATURES`):
    only the trees that put a sentence's spans in order do."""
    return [
        (
            i,
            c,
            c.features if answers else without_parse(c.features),
            sentence_label(e, c.sentence) if answers else span_label(e, c),
        )
        for i, e in enumerate(examples)
        for c in e.candidates
        if (c.span is None) == answers
    ]


def without_parse(features: dict[str, float]) -> dict[str, float]:
    return {name: value for name, value in features.items() if name not in PARSE_FEATURES}


def outcome(example: Example, ranker: Ranker) -> dict:
    """What the reader does with the example: whether it answers, answers right, and shows a
    (right) short answer."""
    answer, short = choose(example.candidates, ranker.span_threshold)
    wants_span = example.analysis.answer_type.wants_span
    answered = answer is not None and answer.score >= ranker.needed(wants_span, short is not None)
    item = example.item
    correct = (answered and quoted_right(example, answer)) if item.answerable else not answered
    second = runner_up(example.candidates, answer) if answered else None
    opening = opening_span(example.candidates, short, second, ranker.span_threshold)
    opening = opening if answered else None
    asked = set(words(example.analysis.text))
    shown = opening.sentence.text[slice(*shown_bounds(opening, asked))] if opening else ""
    return {
        "answered": answered,
        "correct": bool(correct),
        "shown": bool(shown),
        "short": bool(shown) and contains_answer(shown, item.answers),
    }


def choose_thresholds(examples: list[Example], top_n: int) -> Ranker:
    """The span threshold and the pair of refusal thresholds that together answer the most
    questions right (refusing an unanswerable question is right), among those refusing at most
    MAX_FALSE_REFUSALS of the answerable. The span threshold decides which refusal threshold a
    question meets: one showing no short answer where one was wanted needs the higher. It was
    once chosen alone, for the best F1 of the short answers shown; that choice swung from 0.00 to
    0.15 between tree seeds and folds, and chosen with the refusals (each choice made on the other
    folds, tree seeds 0-2) the 558 training questions gained +5.3 [+0.7, +10.0] answered right,
    short answers -0.3 [-4.3, +3.3] (docs/evaluation-log.md)."""
    spans = sorted({round(c.score, 3) for e in examples for c in e.candidates if c.span})
    best, best_right = None, -1
    for span_threshold in [0.0, *spans[:: max(1, len(spans) // SPAN_THRESHOLDS)]]:
        ranker, right = refusal_thresholds(examples, span_threshold, top_n)
        if right > best_right:
            best, best_right = ranker, right
    return best


def refusal_thresholds(
    examples: list[Example], span_threshold: float, top_n: int
) -> tuple[Ranker, int]:
    """With this span threshold, the pair of refusal thresholds (with a short answer or for a
    phrase question, and for a quote alone where a span was wanted) that answers the most
    questions right among the pairs refusing at most MAX_FALSE_REFUSALS of the answerable; and
    how many it answers right."""
    score, quote_only, right, can_answer = [], [], [], []
    for e in examples:
        answer, short = choose(e.candidates, span_threshold)
        score.append(answer.score if answer else -1.0)
        quote_only.append(e.analysis.answer_type.wants_span and short is None)
        right.append(answer is not None and quoted_right(e, answer))
        can_answer.append(e.item.answerable)
    score, quote_only = np.array(score), np.array(quote_only)
    right, can_answer = np.array(right, dtype=bool), np.array(can_answer, dtype=bool)
    grid = np.unique(np.quantile(score[score >= 0], np.linspace(0, 1, 81)))
    grid = np.concatenate([[0.0], grid])
    best, best_right = (0.0, 0.0), -1
    for threshold in grid:
        for quote_threshold in grid[grid >= threshold]:
            answered = score >= np.where(quote_only, quote_threshold, threshold)
            refused_wrongly = np.sum(~answered & can_answer) / max(can_answer.sum(), 1)
            total = np.sum(answered & right) + np.sum(~answered & ~can_answer)
            if refused_wrongly <= MAX_FALSE_REFUSALS and total > best_right:
                best, best_right = (float(threshold), float(quote_threshold)), total
    return Ranker({}, best[0], best[1], span_threshold, top_n), int(best_right)


def interval(values: list[float], rng: random.Random) -> tuple[float, float, float]:
    if not values:
        return 0.0, 0.0, 0.0
    means = sorted(sum(rng.choices(values, k=len(values))) / len(values) for _ in range(BOOTSTRAP))
    return (
        sum(values) / len(values),
        means[int(0.025 * BOOTSTRAP)],
        means[int(0.975 * BOOTSTRAP) - 1],
    )


def figures(examples: list[Example], ranker: Ranker) -> dict:
    """Per set: answer accuracy, short-answer accuracy, false refusals, unanswerable refused
    (each a mean with its bootstrap 95% interval; a set without such questions has none)."""
    rng = random.Random(0)
    report = {}
    for set_name in dict.fromkeys(e.set_name for e in examples):
        mine = [e for e in examples if e.set_name == set_name]
        answerable = [outcome(e, ranker) for e in mine if e.item.answerable]
        unanswerable = [outcome(e, ranker) for e in mine if not e.item.answerable]
        row: dict = {"questions": len(mine)}
        if answerable:
            row["answer_accuracy"] = interval([float(o["correct"]) for o in answerable], rng)
            row["short_answer_accuracy"] = interval([float(o["short"]) for o in answerable], rng)
            row["false_refusal_rate"] = interval(
                [float(not o["answered"]) for o in answerable], rng
            )
        if unanswerable:
            row["unanswerable_refused"] = interval([float(o["correct"]) for o in unanswerable], rng)
        report[set_name] = row
    return report


def train(examples: list[Example]) -> tuple[Ranker, dict]:
    """Cross-validate each number of span-read sentences, keep the fewest within the noise of
    the best (`fewest_within_noise`), refit on all."""
    fold_of = folds([e.group for e in examples])
    limit_compared(examples, fold_of)
    right_by_n = {}
    for top_n in TOP_SENTENCES:
        cross_validate(examples, fold_of, top_n)
        chosen = choose_thresholds(examples, top_n)
        right_by_n[top_n] = [float(outcome(e, chosen)["correct"]) for e in examples]
        log.info("top %d sentences: %.3f right", top_n, float(np.mean(right_by_n[top_n])))
    top_n = fewest_within_noise(right_by_n)
    results = {n: float(np.mean(right)) for n, right in right_by_n.items()}
    cross_validate(examples, fold_of, top_n)
    ranker = choose_thresholds(examples, top_n)
    report = figures(examples, ranker)
    sentences = [(i, e, s) for i, e in enumerate(examples) for s in e.sentences]
    rows = [s.features for *_, s in sentences]
    labels = [sentence_label(e, s) for _, e, s in sentences]
    ranker.models["sentence"] = fit_linear(rows, labels)
    ranker.models["prescreen"] = fit_linear([before_embedding(r) for r in rows], labels)
    ranker.order = fit_order(rows, labels, [i for i, *_ in sentences])
    for name, answers in (("span", False), ("answer", True)):
        rows = candidate_rows(examples, answers)
        ranker.models[name] = fit_linear([f for _, _, f, _ in rows], [y for *_, y in rows])
    grouped, _ = span_rows(examples, fold_of)
    ranker.span_order = fit_order(
        [f for _, _, f, _ in grouped], [y for *_, y in grouped], [g for g, *_ in grouped]
    )
    report["_choice"] = {
        "top_sentences": top_n,
        "threshold": ranker.threshold,
        "quote_threshold": ranker.quote_threshold,
        "span_threshold": ranker.span_threshold,
        "right_by_top_sentences": {str(n): round(r, 4) for n, r in results.items()},
    }
    return ranker, report


def fewest_within_noise(right_by_n: dict[int, list[float]]) -> int:
    """The fewest sentences read whose questions answered right, out of fold, fall short of the
    best number's by no more than one standard error of the paired difference (the one-SE rule).
    Each sentence read costs the recogniser's time in every answer, and the counts differ by
    noise: two refits one stop apart (the vectors' last bits and a few candidate spans changed)
    chose 4 and 12 sentences, the second 11 questions of 558 lower at 4 than the first."""
    best = max(right_by_n, key=lambda n: (np.mean(right_by_n[n]), -n))
    for n in sorted(right_by_n):
        gap = np.asarray(right_by_n[best]) - np.asarray(right_by_n[n])
        noise = gap.std(ddof=1) / np.sqrt(len(gap)) if len(gap) > 1 else 0.0
        if gap.mean() <= noise:
            return n
    return best


def write(ranker: Ranker, report: dict, path: Path, sources: list[str]) -> None:
    provenance = {
        "trained_on": sources,
        "folds": FOLDS,
        "grouped_by": "article",
        "cross_validated": {k: v for k, v in report.items() if not k.startswith("_")},
    }
    path.write_text(json.dumps(ranker.to_json(provenance), indent=1) + "\n")
