"""The embedding model gives a text the same vector whatever it is batched with."""

import numpy as np


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
