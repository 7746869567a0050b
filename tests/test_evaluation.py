"""`newsqa eval` on the seeds: metrics, peers, report files and the summary.json shape."""

import json
import random
import re
import shutil

import pytest

from bot.evaluation.harness import Evaluation, contains_answer, load_qa, token_f1
from tests.conftest import ROOT, SEEDS

QA = [
    {
        "id": "a1",
        "question": "How long did Trump's trip to the Middle East last?",
        "answers": ["36-hour"],
        "sources": ["000_819f83673a16a71b.txt"],
        "kind": "factoid",
    },
    {
        "id": "a2",
        "question": "Who is the spokesman for the National Security Council?",
        "answers": ["Brian Hughes", "Hughes"],
        "sources": ["001_4f7398dcd4859725.txt"],
        "kind": "factoid",
    },
    {
        "id": "u1",
        "question": "What did Trump say about buying Greenland?",
        "answers": [],
        "sources": [],
        "kind": "unanswerable",
    },
]


def test_answer_matching_is_case_insensitive_on_word_boundaries():
    assert contains_answer("made by RAYTHEON, the maker", ["Raytheon"])
    assert not contains_answer("the Raytheonian empire", ["Raytheon"])
    assert token_f1("Brian Hughes said", ["Brian Hughes"]) == 0.8


def answer_record(kind: str, refused: bool) -> dict:
    return {
        "kind": kind,
        "refused": refused,
        "correct": not refused if kind != "unanswerable" else refused,
        "short_correct": False,
        "short_f1": 0.0,
        "f1": 0.0,
        "citations": [],
        "latency_ms": 10.0,
    }


def test_a_set_without_unanswerable_questions_reports_no_refusal_accuracy():
    answerable = [answer_record("factoid", refused=False), answer_record("factoid", refused=True)]
    metrics = Evaluation.answer_metrics(answerable, answerable)
    assert "refusal_accuracy" not in metrics  # not a perfect 1.00 for refusing nothing
    assert metrics["false_refusal_rate"] == 0.5
    mixed = [*answerable, answer_record("unanswerable", refused=True)]
    assert Evaluation.answer_metrics(mixed, answerable)["refusal_accuracy"] == 1.0


def test_eval_writes_report_results_summary_and_plots(tmp_path, newsqa):
    qa = tmp_path / "mini_qa.jsonl"
    qa.write_text("\n".join(json.dumps(q) for q in QA) + "\n")
    assert len(load_qa(qa)) == 3
    out = tmp_path / "report"
    result = newsqa(
        "eval",
        "--qa",
        str(qa),
        "--corpus",
        str(SEEDS),
        "--cutoffs",
        "1,4",
        "--out",
        str(out),
        "--data-dir",
        str(tmp_path / "eval-index"),
    )
    assert result.returncode == 0, result.stderr
    last_line = result.stdout.strip().splitlines()[-1]
    assert last_line.startswith("mini_qa: answer@1")
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["systems"]) == {"newsqa", "langchain-default", "bm25"}
    mine = summary["systems"]["newsqa"]["mini_qa"]
    for key in (
        "answer@1",
        "answer@4",
        "source@4",
        "mrr",
        "answer_accuracy",
        "citation_precision",
        "refusal_accuracy",
        "false_refusal_rate",
        "latency_p50_ms",
        "latency_p95_ms",
    ):
        assert key in mine
    assert mine["answer_accuracy"] == 1.0 and mine["refusal_accuracy"] == 1.0
    assert "answer@4" in summary["systems"]["bm25"]["mini_qa"]
    results = json.loads((out / "results.json").read_text())["mini_qa"]
    assert {r["system"] for r in results} == {"newsqa", "langchain-default", "bm25"}
    assert all(r["retrieved"] for r in results if r["kind"] == "factoid")
    assert "| newsqa |" in (out / "report.md").read_text()
    assert (out / "metrics_mini_qa.png").stat().st_size > 1000
    assert (out / "latency.png").exists()


def test_eval_rejects_a_file_that_is_not_qa(tmp_path, newsqa):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"no question": 1}\n')
    result = newsqa(
        "eval",
        "--qa",
        str(bad),
        "--corpus",
        str(SEEDS),
        "--no-peers",
        "--data-dir",
        str(tmp_path / "i"),
    )
    assert result.returncode == 1
    assert "not a QA record" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "i").exists()  # refused before the ingest


@pytest.mark.parametrize("missing", ["qa", "corpus"])
def test_eval_names_a_missing_qa_file_or_corpus_in_one_line(tmp_path, newsqa, missing):
    qa = tmp_path / "qa.jsonl"
    if missing != "qa":
        qa.write_text(json.dumps(QA[0]) + "\n")
    corpus = tmp_path / "nowhere" if missing == "corpus" else SEEDS
    result = newsqa(
        "eval",
        "--qa",
        str(qa),
        "--corpus",
        str(corpus),
        "--no-peers",
        "--data-dir",
        str(tmp_path / "i"),
    )
    assert result.returncode == 1
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert (str(qa) if missing == "qa" else str(corpus)) in result.stderr
    assert not (tmp_path / "i").exists()


def test_a_gold_source_kept_as_an_alias_counts_as_found(tmp_path, newsqa):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    tomahawk = (corpus / QA[0]["sources"][0]).read_text()
    (corpus / "zz_reissued.txt").write_text(tomahawk.replace("Raytheon", "US firm Raytheon", 1))
    qa = tmp_path / "alias_qa.jsonl"
    qa.write_text(json.dumps({**QA[0], "sources": ["zz_reissued.txt"]}) + "\n")
    out = tmp_path / "report"
    result = newsqa(
        "eval",
        "--qa",
        str(qa),
        "--corpus",
        str(corpus),
        "--cutoffs",
        "1,4",
        "--no-peers",
        "--out",
        str(out),
        "--data-dir",
        str(tmp_path / "eval-index"),
    )
    assert result.returncode == 0, result.stderr
    mine = json.loads((out / "summary.json").read_text())["systems"]["newsqa"]["alias_qa"]
    assert mine["source@1"] == 1.0 and mine["mrr"] == 1.0


def test_conversations_are_scored_turn_by_turn_with_short_answers(tmp_path, newsqa):
    qa = tmp_path / "talk.jsonl"
    conversation = {
        "id": "c1",
        "kind": "conversation",
        "turns": [
            {
                "question": "Who is the spokesman for the National Security Council?",
                "answers": ["Brian Hughes"],
                "sources": ["001_4f7398dcd4859725.txt"],
            },
            {
                "question": "And what did he say Russia didn't do on Trump's watch?",
                "answers": ["invade a neighbor"],
                "sources": ["001_4f7398dcd4859725.txt"],
            },
        ],
    }
    qa.write_text(json.dumps(conversation) + "\n")
    items = load_qa(qa)
    assert [(i.id, i.before) for i in items] == [("c1#2", [conversation["turns"][0]["question"]])]
    out = tmp_path / "report"
    result = newsqa(
        "eval",
        "--qa",
        str(qa),
        "--corpus",
        str(SEEDS),
        "--out",
        str(out),
        "--data-dir",
        str(tmp_path / "idx"),
        "--no-peers",
    )
    assert result.returncode == 0, result.stderr
    mine = json.loads((out / "summary.json").read_text())["systems"]["newsqa"]["talk"]
    assert {"short_answer_accuracy", "short_answer_f1"} <= set(mine)
    (record,) = json.loads((out / "results.json").read_text())["talk"]
    assert record["id"] == "c1#2" and "short_answer" in record
    # Its retrieval is scored as the service searched it: with the question it follows.
    first, second = (turn["question"] for turn in conversation["turns"])
    assert record["searched"] == f"{second} ({first})"


def test_train_fits_weights_and_prints_cross_validated_figures(tmp_path, newsqa):
    out = tmp_path / "ranker.json"
    result = newsqa(
        "train",
        "--qa",
        str(ROOT / "eval" / "seeds_mine.jsonl"),
        "--corpus",
        str(SEEDS),
        "--out",
        str(out),
        "--report",
        str(tmp_path / "cv.json"),
        "--fusion-out",
        str(tmp_path / "fusion.json"),
    )
    assert result.returncode == 0, result.stderr
    assert re.search(
        r"seeds_mine \(24\): answer_accuracy 0\.\d\d \[0\.\d\d, [01]\.\d\d\]", result.stdout
    ), result.stdout
    assert re.search(
        r"seeds_mine \(20\): answer@1 [01]\.\d\d \[[01]\.\d\d, [01]\.\d\d\]", result.stdout
    )
    weights = json.loads(out.read_text())
    assert set(weights["models"]) == {"prescreen", "sentence", "answer", "span"}
    assert 0 <= weights["threshold"] <= weights["quote_threshold"] <= 1
    assert weights["provenance"]["grouped_by"] == "article"
    fusion = json.loads((tmp_path / "fusion.json").read_text())
    # Both retrievers' scores count: a chunk either ranks higher is likelier to hold the answer.
    assert fusion["weights"]["cosine"] > 0 and fusion["weights"]["lexical"] > 0


def test_llm_eval_reports_citation_recall_and_precision_as_alce_does(tmp_path, cli_env, newsqa):
    from tests.scripted_llm import ScriptedLLM

    qa = tmp_path / "spokesman.jsonl"
    qa.write_text(json.dumps(QA[1]) + "\n")
    server = ScriptedLLM().start()
    server.enqueue(
        "Brian Hughes is the National Security Council spokesman [1][2][3][4]. "
        "Brian Hughes is the State Department spokesman [1]."
    )
    cli_env.update(OPENAI_BASE_URL=server.base_url, NEWSQA_MODEL="scripted")
    out = tmp_path / "report"
    try:
        result = newsqa(
            "eval",
            "--qa",
            str(qa),
            "--corpus",
            str(SEEDS),
            "--mode",
            "llm",
            "--out",
            str(out),
            "--data-dir",
            str(tmp_path / "idx"),
            "--no-peers",
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    (record,) = json.loads((out / "results.json").read_text())["spokesman"]
    assert record["mode"] == "llm"
    audit = record["citation_audit"]
    assert (audit["claims"], audit["supported"], audit["citations"]) == (2, 1, 5)
    mine = json.loads((out / "summary.json").read_text())["systems"]["newsqa"]["spokesman"]
    assert mine["alce_citation_recall"] == 0.5
    assert mine["alce_citation_precision"] == audit["needed"] / 5 and 0 < audit["needed"] < 4


def test_train_reads_the_fewest_sentences_that_answer_as_well_within_noise():
    """Each sentence read costs time in every answer: fewer are kept unless they answer
    clearly fewer questions right (by more than one standard error of the paired difference)."""
    from bot.evaluation.training import fewest_within_noise

    draw = random.Random(5)
    twelve = [float(draw.random() < 0.7) for _ in range(558)]
    right, wrong = (
        [i for i, r in enumerate(twelve) if r],
        [i for i, r in enumerate(twelve) if not r],
    )

    def changed(lost: int, gained: int) -> list[float]:
        flipped = set(right[:lost]) | set(wrong[:gained])
        return [1.0 - r if i in flipped else r for i, r in enumerate(twelve)]

    close, far = changed(lost=10, gained=9), changed(lost=14, gained=6)  # as make train saw
    assert fewest_within_noise({6: close, 12: twelve}) == 6
    assert fewest_within_noise({4: far, 12: twelve}) == 12
    assert fewest_within_noise({4: far, 6: close, 12: twelve}) == 6


def test_train_chooses_the_span_threshold_with_the_refusals():
    """A weakly scored answer that opens with its name needs no quote-alone threshold, so the
    span threshold that lets that name show also lets a near miss, quoted alone, be refused.
    Chosen for the short answers' F1 alone, the threshold hid the name behind four wrong ones
    scored just above it, and the near miss had to be answered for the weak answer to be."""
    from bot.answering.language import Entity
    from bot.answering.question import analyse
    from bot.answering.reader import Candidate, Sentence
    from bot.evaluation.harness import QAItem
    from bot.evaluation.training import Example, choose_thresholds, outcome

    asked = analyse("Who chairs the board?")
    assert asked.answer_type.wants_span

    def example(n: int, sentence_score: float, span: tuple[str, float] | None, answer: str):
        text = f"The board met in Leeds, and Ann Lee{n} and Bob Roe{n} spoke."
        sentence = Sentence(f"{n}.txt", 0, len(text), text, rank=1, index=0)
        found = [Candidate(sentence, None, {}, score=sentence_score)]
        if span is not None:
            name, score = span
            start = text.index(name)
            entity = Entity(name, "PERSON", start, start + len(name))
            found.append(Candidate(sentence, entity, {"showable": 1.0}, score=score, order=1.0))
        kind = "factoid" if answer else "unanswerable"
        item = QAItem(str(n), asked.text, [answer] if answer else [], [], kind)
        return Example("set", item, str(n), asked, [sentence], {}, set(), None, found)

    weak = example(1, 0.3, ("Ann Lee1", 0.05), "Ann Lee1")
    near_miss = example(2, 0.35, None, "")
    sure = [example(n, 0.9, (f"Ann Lee{n}", 0.5), f"Ann Lee{n}") for n in (3, 4)]
    shown_wrong = [example(n, 0.9, (f"Bob Roe{n}", 0.06), f"Ann Lee{n}") for n in (5, 6, 7, 8)]
    examples = [weak, near_miss, *sure, *shown_wrong]

    ranker = choose_thresholds(examples, top_n=4)
    assert ranker.span_threshold <= 0.05
    assert outcome(weak, ranker)["short"] and not outcome(near_miss, ranker)["answered"]
    assert all(outcome(e, ranker)["correct"] for e in examples)
