"""Counts in messages: "1 chunk", "2 chunks"."""


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and the noun in the number it takes; `plural` for nouns that do not add an s."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"
