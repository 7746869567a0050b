"""Markdown articles: YAML front matter as metadata, and the body as plain text, so that no
`#`, `**` or link markup is chunked, embedded or quoted."""

from __future__ import annotations

import re

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
FENCE = re.compile(r"^\s*(?:```|~~~)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.*?)(?:\s+#+)?\s*$")
SETEXT_UNDERLINE = re.compile(r"^\s{0,3}(?:=+|-+)\s*$")
RULE = re.compile(r"^\s{0,3}(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,})$")
REFERENCE = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+")
QUOTE = re.compile(r"^\s{0,3}(?:>\s?)+")
ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d+[.)])\s+")
INLINE = (
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),  # images: their alt text is a caption
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),  # [text](url "title")
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # autolinks
    (re.compile(r"</?[A-Za-z][^>]*>"), ""),  # inline HTML
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # strong
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), r"\1"),  # emphasis
    (re.compile(r"(?<!\w)_(?=\S)(.+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"~~(.+?)~~"), r"\1"),
    (re.compile(r"`([^`]+)`"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!>])"), r"\1"),  # backslash escapes
)


def split_front_matter(text: str) -> tuple[dict, str, str | None]:
    """(metadata, the rest of the text, a note when the front matter is not a YAML mapping)."""
    import yaml

    match = FRONT_MATTER.match(text)
    if not match:
        return {}, text, None
    rest = text[match.end() :]
    try:
        meta = yaml.safe_load(match["yaml"])
    except yaml.YAMLError as exc:
        problem = getattr(exc, "problem", None) or "not valid YAML"
        return {}, rest, f"front matter ignored: {problem}"
    if not isinstance(meta, dict):
        return {}, rest, "front matter ignored: not a mapping of names to values"
    return meta, rest, None


def plain_text(markdown: str) -> str:
    """The text of a markdown body, markup removed: one line per paragraph, heading, list item
    or quote, since markdown wraps a paragraph over lines that the cleaner would read as many."""
    blocks: list[str] = []
    current: list[str] = []
    kind = None

    def flush() -> None:
        if current:
            blocks.append(inline_text(" ".join(current)))
            current.clear()

    for line in markdown.splitlines():
        if not line.strip() or FENCE.match(line) or RULE.match(line) or REFERENCE.match(line):
            flush()
            continue
        if SETEXT_UNDERLINE.match(line) and current:  # the paragraph above is a heading
            flush()
            continue
        if heading := HEADING.match(line):
            flush()
            blocks.append(inline_text(heading["text"]))
            continue
        starts = "quote" if QUOTE.match(line) else "item" if ITEM.match(line) else None
        if starts is None and kind == "item" and current and line[:1].isspace():
            current.append(line.strip())  # an item's continuation line
            continue
        if starts == "item" or (starts or "text") != (kind or "text"):
            flush()
        kind = starts or (kind if current else None)
        current.append(ITEM.sub("", QUOTE.sub("", line)).strip())
    flush()
    return "\n".join(block for block in blocks if block)


def inline_text(text: str) -> str:
    for pattern, replacement in INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()
