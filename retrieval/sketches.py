"""Shingle sketches of article bodies, to find near-duplicates without comparing every pair.

A sketch is a fixed sample of a body's five-word shingles (those whose hash is divisible by
SAMPLE); two bodies' sketches estimate their Jaccard resemblance, and the catalog's inverted
table of sketch hashes finds the candidates. Exact duplicates are caught earlier by a hash of the
normalised body; this catches the same story edited. Measured over the BBC corpus: after exact
duplicates, 16 pairs resemble each other at 0.9 or more, each a re-worded headline or one edited
phrase ("BBC Two" for "BBC2", a clause dropped), while the closest pair below (0.84) already
quotes different people. Hence NEAR_DUPLICATE = 0.9.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from retrieval.terms import words

SHINGLE_WORDS = 5
SAMPLE = 4
NEAR_DUPLICATE = 0.9


@lru_cache(maxsize=1024)  # an ingest sketches a body to find its duplicates, then to store it
def sketch(body: str) -> frozenset[int]:
    """The sampled shingle hashes of `body`, as signed 64-bit integers (SQLite's INTEGER)."""
    tokens = words(body)
    hashes = set()
    for start in range(len(tokens) - SHINGLE_WORDS + 1):
        shingle = " ".join(tokens[start : start + SHINGLE_WORDS]).encode("utf-8")
        value = int.from_bytes(hashlib.blake2b(shingle, digest_size=8).digest(), "big", signed=True)
        if value % SAMPLE == 0:
            hashes.add(value)
    return frozenset(hashes)


def resemblance(shared: int, size_a: int, size_b: int) -> float:
    """Estimated Jaccard resemblance of two bodies from their sketches' sizes and overlap."""
    union = size_a + size_b - shared
    return shared / union if union else 0.0
