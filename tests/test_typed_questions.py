"""Questions as people type them: misspelled names, a mid-sentence "I", several parts."""

from __future__ import annotations

import json

import pytest

from tests.conftest import NSC_QUESTION, TOMAHAWK_DOC


def test_a_misspelled_name_is_read_as_the_one_the_articles_spell(seeded_newsqa):
    shown = seeded_newsqa("ask", "Which weapons does Raythoen make?")
    assert shown.returncode == 0
    assert shown.stdout.startswith("note: read 'Raythoen' as 'Raytheon'")
    assert TOMAHAWK_DOC in shown.stdout
    answer = json.loads(seeded_newsqa("ask", "--json", "Which weapons does Raythoen make?").stdout)
    assert answer["question"] == "Which weapons does Raythoen make?"
    assert answer["spellings"] == [{"typed": "Raythoen", "read_as": "Raytheon", "suggestions": []}]


def test_a_name_the_articles_spell_is_never_corrected(seeded_newsqa):
    answer = json.loads(seeded_newsqa("ask", "--json", "Which weapons does Raytheon make?").stdout)
    assert answer["spellings"] == [] and answer["notice"] is None


def test_a_name_far_from_every_word_of_the_articles_is_still_refused(seeded_newsqa):
    answer = json.loads(seeded_newsqa("ask", "--json", "What did Qzxwvbn announce?").stdout)
    assert answer["refusal_reason"] == "terms_not_found" and answer["spellings"] == []


def test_a_mid_sentence_i_is_not_a_name(seeded_newsqa):
    question = "Could you tell me who presented the plan, which I have read about?"
    answer = json.loads(seeded_newsqa("ask", "--json", question).stdout)
    assert "never mention I" not in answer["text"]
    assert not answer["refused"]


@pytest.mark.parametrize(
    "question, parts",
    [
        (
            "Where will Trump meet Putin, and Xi?",
            ["Where will Trump meet Putin?", "Where will Trump meet Xi?"],
        ),
        (
            "Who makes the Tomahawks, and what range do they have?",
            ["Who makes the Tomahawks?", "What range do they have?"],
        ),
        (
            "When will Trump meet Xi, and where?",
            ["When will Trump meet Xi?", "Where will Trump meet Xi?"],
        ),
        ("Where did Trump and Putin meet?", ["Where did Trump and Putin meet?"]),  # one meeting
        (NSC_QUESTION, [NSC_QUESTION]),
    ],
)
def test_a_question_is_read_as_the_questions_it_is_made_of(question, parts):
    from bot.answering.parts import parts_of

    assert parts_of(question) == parts


def test_each_part_is_answered_and_one_article_is_cited_once(seeded_newsqa):
    question = "Who makes the Tomahawks, and what range do they have?"
    answer = json.loads(seeded_newsqa("ask", "--json", question).stdout)
    first, second = answer["text"].split("\n\n")
    assert first.startswith("Who makes the Tomahawks? ") and first.endswith("[1]")
    assert "Raytheon, the US manufacturer of the Tomahawks" in first
    assert second.startswith("What range do they have? 1,000-mile") and second.endswith("[1]")
    (source,) = answer["sources"]
    assert source["doc_id"] == TOMAHAWK_DOC and len(source["quotes"]) == 2


def test_a_part_the_articles_do_not_cover_is_named(seeded_newsqa):
    question = "Who makes the Tomahawks, and what did the Dalai Lama say?"
    result = seeded_newsqa("ask", question)
    assert result.returncode == 0
    (tomahawks,) = [p for p in result.stdout.split("\n\n") if p.startswith("Who makes")]
    assert "Raytheon, the US manufacturer of the Tomahawks" in tomahawks
    assert (
        "What did the Dalai Lama say? I cannot find this in the articles. (the articles never "
        "mention Dalai"
    ) in result.stdout


@pytest.mark.parametrize(
    "question, wanted",
    [
        (
            "Of the 146 people who responded to the consultation, how many thought it was wrong?",
            "CARDINAL",
        ),
        ("When Britons upgrade their mobiles, what proportion of the handsets return?", "PERCENT"),
        ("Who scored Italy's only try when Wales ran in six tries in Rome?", "PERSON"),
    ],
)
def test_the_wh_word_of_a_scene_setting_clause_does_not_set_the_answer_type(question, wanted):
    """A short answer has the type the question asks for: "how many", not the "who" of the
    relative clause before it."""
    from bot.answering.question import analyse

    assert wanted in analyse(question).answer_type.labels


@pytest.mark.parametrize(
    "article, covered",
    [
        ("Mr Gammell is a former Scottish international rugby player.", True),
        ("Mr Gammell played rugby alongside Scott Hastings.", False),  # a name, not a people
    ],
)
def test_a_country_asked_about_is_found_as_the_word_for_its_people(article, covered):
    from bot.answering.evidence import coverage
    from bot.answering.question import analyse

    question = analyse("Which sport did Gammell play for Scotland?")
    assert coverage(question, {"cairn": article}).ok is covered


def test_a_country_is_not_found_as_the_people_of_another_that_begins_alike():
    from bot.answering.evidence import coverage
    from bot.answering.question import analyse

    question = analyse("What did the oil minister say about Iraq?")
    assert not coverage(question, {"opec": "The Iranian oil minister said output would rise."}).ok


def test_a_place_the_question_names_by_its_people_is_not_its_short_answer():
    from bot.answering.language import Entity, parse
    from bot.answering.reader import restates

    (indian,) = [
        e for e in parse("In which Indian region is Cairn's site?").ents if e.text == "Indian"
    ]
    assert restates(Entity("India", "GPE", 0, 5), indian)
    assert not restates(Entity("Rajasthan", "GPE", 0, 9), indian)
    assert not restates(Entity("Indian Oil", "ORG", 0, 10), indian)


def test_the_span_that_does_what_the_question_asks_about_is_read_as_such():
    """ "Which firm gave Yahoo its first $2m?" asks for the subject of "gave": Sequoia Capital,
    not Apple Computer, the subject of another verb of the same sentence."""
    from bot.answering.evidence import stem
    from bot.answering.language import entity_cache, parse
    from bot.answering.question import analyse
    from bot.answering.syntax import asked_part, span_syntax

    question = "Which firm gave Yahoo its first $2m of funding?"
    sentence = (
        "Sequoia Capital gave Yahoo its first $2m of funding in 1995, a year before Apple "
        "Computer and Cisco Systems backed Yahoo."
    )
    (parsed,) = entity_cache().parses([sentence])
    content = {stem(w) for w in analyse(question).content}
    asked = [
        i for i, w in enumerate(parsed.words) if stem(sentence[w.start : w.end].lower()) in content
    ]

    def features(name):
        start = sentence.index(name)
        return span_syntax(parsed, start, start + len(name), asked, asked_part(parse(question)))

    giver, other, year = features("Sequoia Capital"), features("Apple Computer"), features("1995")
    assert giver["same_part"] and giver["same_verb"]
    assert other["same_part"] and not other["same_verb"]
    assert year["same_verb"] and not year["same_part"]
    assert giver["parse_near_question"] > other["parse_near_question"]
