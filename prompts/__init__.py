"""Prompt templates, kept as files with named placeholders. Imports nothing from newsqa."""

from functools import cache
from importlib.resources import files


@cache
def load(name: str) -> str:
    """The text of `prompts/<name>.md`."""
    return files(__package__).joinpath(f"{name}.md").read_text(encoding="utf-8")
