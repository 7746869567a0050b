"""Questions as people type them: misspelled names, a mid-sentence "I"."""

from __future__ import annotations

import json

from tests.conftest import TOMAHAWK_DOC


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
