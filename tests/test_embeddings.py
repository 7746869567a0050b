"""The embedding model gives a text the same vector whatever it is batched with, and the
reader embeds a sentence once however many questions read it, and few sentences per question."""

import itertools
import random

import numpy as np

from bot.answering.reader import MAX_COMPARED
from bot.answering.sentence_vectors import SentenceVectors
from bot.answering.service import AnswerService
from retrieval.embeddings import BATCH_SIZE, MiniLMEmbeddings, batched
from retrieval.index import NewsIndex
from tests.conftest import make_settings


def test_vector_does_not_depend_on_batch_or_padding(embeddings):
    question = "Which company makes the Tomahawk missiles?"
    longer = [
        "Raytheon, the US manufacturer of the Tomahawks, met Ukrainian officials this week "
        "to discuss long-range weapons, air defence and the battlefield momentum. " * 3,
        "The central bank held interest rates at 4.75% for the third month running.",
    ] * 5
    alone = embeddings.embed([question])[0]
    batched = embeddings.embed([*longer, question])
    assert float(alone @ batched[-1]) > 0.999
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-4)
    # and the vectors still mean something: the answer is nearer than the rates story
    assert float(alone @ batched[0]) > float(alone @ batched[1]) + 0.1


def padded_size(batch, lengths) -> int:
    return len(batch) * max(lengths[i] for i in batch)


def test_a_questions_sentences_run_as_one_batch_per_stream_of_even_size():
    """An answer waits for the slowest batch, so a few texts are cut into one batch per stream
    whose largest padded size (texts times longest) no other cut of the sorted texts beats."""
    draw = random.Random(7)
    for _ in range(100):
        lengths = [draw.randint(3, 90) for _ in range(draw.randint(2, 16))]
        streams = draw.choice([2, 3, 4])
        batches = batched(lengths, streams)
        assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
        assert len(batches) <= streams
        ascending = sorted(lengths)
        best = min(
            max(len(ascending[a:b]) * ascending[b - 1] for a, b in itertools.pairwise(edges))
            for count in range(min(streams, len(lengths)))
            for cuts in itertools.combinations(range(1, len(lengths)), count)
            for edges in [(0, *cuts, len(lengths))]
        )
        assert max(padded_size(b, lengths) for b in batches) == best


def test_many_texts_run_in_batches_that_keep_every_stream_busy():
    draw = random.Random(3)
    lengths = [draw.randint(5, 200) for _ in range(500)]
    batches = batched(lengths, 2)
    assert [len(b) for b in batches] == [BATCH_SIZE] * (500 // BATCH_SIZE) + [500 % BATCH_SIZE]
    sizes = [lengths[i] for b in batches for i in b]
    assert sizes == sorted(sizes)  # texts of similar length share a batch


class CountingEmbeddings(MiniLMEmbeddings):
    """The real model, counting the texts it is given."""

    def __init__(self) -> None:
        super().__init__()
        self.texts = 0

    def embed_with_tokens(self, texts):
        self.texts += len(texts)
        return super().embed_with_tokens(texts)


def test_sentences_are_embedded_once_across_questions():
    """The second question about the same article embeds only itself, and reads the same
    vectors for the sentences as the first did."""
    model = CountingEmbeddings()
    remembered = SentenceVectors(model, capacity=10)
    sentences = [
        "Brian Welch, the guitarist with US rock band Korn, has quit the group.",
        "He said he had found God and would not play the band's music again.",
    ]
    first, first_pieces = remembered.embed_with_tokens("Who left Korn?", sentences)
    assert model.texts == 3
    second, second_pieces = remembered.embed_with_tokens("Why did he leave?", sentences[::-1])
    assert model.texts == 4
    assert np.allclose(first[1:], second[:0:-1])
    assert np.array_equal(first_pieces[1].vectors, second_pieces[2].vectors)
    assert first_pieces[1].vectors.shape[1] == model.dimension
    fresh = model.embed([sentences[0]])[0]
    assert float(fresh @ first[1]) > 0.999
    assert float(first[0] @ first[1]) > float(first[0] @ first[2])  # the question still reads


def test_the_least_recently_used_sentence_is_forgotten_first():
    model = CountingEmbeddings()
    remembered = SentenceVectors(model, capacity=2)
    remembered.embed_with_tokens("q", ["one sentence here.", "two sentences here."])
    remembered.embed_with_tokens("q", ["one sentence here.", "three sentences here."])
    model.texts = 0
    remembered.embed_with_tokens("q", ["one sentence here.", "three sentences here."])
    assert model.texts == 1  # only the question: "two" went, the two used last stayed


def test_a_pass_set_aside_leaves_the_memory_as_it_was():
    """The evaluation's retrieval pass embeds a question's sentences without warming the memory
    for the answer it times next."""
    model = CountingEmbeddings()
    remembered = SentenceVectors(model)
    remembered.embed_with_tokens("q", ["an earlier answer's sentence."])
    with remembered.set_aside():
        remembered.embed_with_tokens("q", ["a sentence of the next question."])
    model.texts = 0
    remembered.embed_with_tokens(
        "q", ["an earlier answer's sentence.", "a sentence of the next question."]
    )
    assert model.texts == 2  # the question and the sentence embedded while set aside


def test_a_question_embeds_only_the_sentences_the_prescreen_ranks_first(seed_index_dir):
    """Embedding is most of an answer's time. A question whose retrieved chunks hold many
    sentences sharing its words has only MAX_COMPARED of them compared by embedding (with the
    sentence before, for those that lean on it), and is still answered."""
    model = CountingEmbeddings()
    index = NewsIndex(make_settings(seed_index_dir), model)
    try:
        answer = AnswerService(index).ask("What did Trump say about the ceasefire in Gaza?")
    finally:
        index.close()
    assert not answer.refused
    assert 1 + MAX_COMPARED <= model.texts <= 1 + 2 * MAX_COMPARED
