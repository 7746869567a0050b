"""Acronyms an article spells out, read from the text itself."""

from retrieval.acronyms import definitions, lookups


def test_an_acronym_is_defined_only_when_the_words_spell_it():
    text = (
        "The Department of Health (DoH) said so. Ministers (MPs) disagreed. "
        "The UK Internet Forum (UKIF) is worried."
    )
    assert definitions(text) == {"DoH": "Department of Health", "UKIF": "UK Internet Forum"}


def test_a_question_offers_its_acronyms_and_capitalised_runs():
    acronyms, phrases = lookups("What did the UKIF and the Consumer Electronics Association say?")
    assert acronyms == ["UKIF"]
    assert "Consumer Electronics Association" in phrases
    assert not any(p.startswith("the") for p in phrases)
