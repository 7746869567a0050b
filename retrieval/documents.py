"""Read article files (txt, md, html, json, jsonl) into clean `Article`s.

The seeds are raw scraped pages, so most of this module is about removing what a site wraps around
an article (navigation, comment blurbs, repeated captions, copyright lines) and lifting the title,
byline, outlet and date out of the text where the page states them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from retrieval.bylines import canonical_outlet, split_byline
from retrieval.errors import BadInputError
from retrieval.markdown import plain_text, split_front_matter
from retrieval.sentences import sentence_spans

SUPPORTED_SUFFIXES = frozenset({".txt", ".md", ".html", ".htm", ".json", ".jsonl"})

# Lines that are site navigation or widgets, never article text.
CHROME_LINE = re.compile(
    r"""^(?:skip\ to\ (?:main\ )?content|jump\ to\ comments.*|follow\ us\ on\ google\ news
    |google\ news\ icon|summary\ is\ ai\ generated.*|quick\ take|follow|comments|share|advertisement
    |author\ profile\ photo|article\ topic\ follows:.*|the-cnn-wire|cnn\ newsource
    |get\ the\ latest\ .*\ insights\ and\ updates\.?|this\ story\ has\ been\ updated.*
    |updated\s+(?:[a-z]{3}\.?\s+\d.*)?et|read\ more:?|[.\u2022•·|-]+)$""",
    re.IGNORECASE | re.VERBOSE,
)
COPYRIGHT_LINE = re.compile(r"(?:©|\(c\)\s*\d{4}|copyright\s+\d{4}|all rights reserved)", re.I)
# Everything after these lines is the comment section or a footer.
FOOTER_START = re.compile(
    r"^(?:be part of the conversation|comments? are closed|related articles|more from)", re.I
)
PHOTO_CREDIT = re.compile(r"\s(?:Photo|Image|Credit)s?:\s[^.]*(?:Getty Images|AP|AFP|Reuters)?.*$")
BYLINE = re.compile(r"^By\s+(?P<names>.+)$")
BARE_BY = re.compile(r"^By$")
DATELINE_OUTLET = re.compile(r"^\((?P<outlet>[A-Z][A-Za-z. ]{1,30})\)\s*[—–-]")
DATE_PATTERNS = (
    re.compile(
        r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},\s+\d{4}\b"
    ),
    re.compile(r"\b\d{4}-\d{2}-\d{2}\b"),
    re.compile(
        r"\b\d{1,2}\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s+\d{4}\b"
    ),
)


MAX_TITLE_CHARS = 160
MIN_TITLE_WORDS = 6


def headline_from(paragraph: str) -> str:
    """A stand-in title for a page without one: its first sentence, or when that is too long
    its first clauses, never cut inside a word or a name ("…Vladimir…" was)."""
    spans = list(sentence_spans(paragraph))
    first = paragraph[spans[0][0] : spans[0][1]] if spans else paragraph
    if len(first) <= MAX_TITLE_CHARS:
        return first.rstrip(".")
    head = first[:MAX_TITLE_CHARS]
    clauses = head.rsplit(",", 1)[0]
    if "," in head and len(clauses.split()) >= MIN_TITLE_WORDS:
        return clauses + "…"
    words = head.split()[:-1]  # the last word may be cut
    while len(words) > MIN_TITLE_WORDS and words[-1][:1].isupper():
        words.pop()  # a name is kept whole or left out
    return " ".join(words) + "…"


@dataclass
class Article:
    """One cleaned news article. `doc_id` is its path relative to the ingested folder."""

    doc_id: str
    title: str
    body: str
    authors: list[str] = field(default_factory=list)
    outlet: str | None = None
    date: str | None = None
    url: str | None = None


@dataclass
class ParsedFile:
    """The articles read from one file, plus notes worth telling the user (e.g. its encoding)."""

    articles: list[Article]
    notes: list[str] = field(default_factory=list)


def decode(raw: bytes) -> tuple[str, str | None]:
    """Decode bytes as UTF-8, falling back to Windows-1252/Latin-1; return (text, note)."""
    if b"\x00" in raw[:8192]:
        raise BadInputError("binary file (contains NUL bytes)")
    try:
        return raw.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "not UTF-8; decoded as Windows-1252/Latin-1"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "not UTF-8; decoded as Latin-1"


def read_file(path: Path, doc_id: str, max_bytes: int) -> ParsedFile:
    """Parse one file into articles. Raises `BadInputError` with a one-line reason."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise BadInputError(f"file is {size:,} bytes, over the {max_bytes:,}-byte limit")
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInputError(f"cannot read: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise BadInputError("empty file")
    text, note = decode(raw)
    notes = [note] if note else []
    suffix = path.suffix.lower()
    if suffix in {".html", ".htm"}:
        articles = [article_from_page(text, None, doc_id=doc_id)]
    elif suffix == ".json":
        articles = articles_from_json(text, doc_id)
    elif suffix == ".jsonl":
        articles = articles_from_jsonl(text, doc_id, notes)
    elif suffix == ".md":
        articles = [article_from_markdown(text, doc_id, notes)]
    else:
        articles = [article_from_text(text, doc_id)]
    articles = [a for a in articles if a.body.strip()]
    if not articles:
        raise BadInputError("; ".join(["no article text found", *notes]))
    return ParsedFile(articles, notes)


def article_from_text(text: str, doc_id: str, title: str | None = None, **meta) -> Article:
    """Clean a scraped plain-text page and lift its title, byline, outlet and date."""
    lines = clean_lines(text)
    authors: list[str] = []
    outlet = meta.pop("outlet", None)
    if title is None and lines and not BYLINE.match(lines[0]):
        # A page with no headline starts straight with a long body paragraph: keep it as body.
        title = lines.pop(0) if len(lines[0]) <= MAX_TITLE_CHARS else headline_from(lines[0])
    body_lines: list[str] = []
    expect_author = False
    for line in lines:
        if expect_author:
            authors, outlet = split_byline(line, outlet)
            expect_author = False
            continue
        if BARE_BY.match(line) and not authors:
            expect_author = True
            continue
        byline = BYLINE.match(line)
        if byline and not authors and len(line) < 120 and not body_lines:
            authors, outlet = split_byline(byline["names"], outlet)
            continue
        if title and line == title:
            continue
        body_lines.append(line)
    if outlet is None and body_lines and (m := DATELINE_OUTLET.match(body_lines[0])):
        outlet = canonical_outlet(m["outlet"])
    date = meta.pop("date", None) or find_date("\n".join(lines[:12]))
    return Article(
        doc_id=doc_id,
        title=(title or Path(doc_id).stem).strip(),
        body="\n\n".join(body_lines),
        authors=meta.pop("authors", None) or authors,
        outlet=outlet,
        date=date,
        url=meta.pop("url", None),
    )


def clean_lines(text: str) -> list[str]:
    """Non-empty, whitespace-trimmed lines with site chrome, captions and duplicates removed."""
    text = re.sub(r"[\u200b\u00ad\ufeff]", "", text)
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", " ", text)
    raw = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    raw = [line for line in raw if line]
    kept: list[str] = []
    seen: set[str] = set()
    in_ai_summary = False
    for i, line in enumerate(raw):
        if FOOTER_START.match(line):
            break
        if re.match(r"^summary is ai generated", line, re.I):
            in_ai_summary = True
            continue
        if in_ai_summary:
            if line.startswith(("•", "·", "-", "*")):
                continue
            in_ai_summary = False
        if CHROME_LINE.match(line) or (COPYRIGHT_LINE.search(line) and len(line) < 200):
            continue
        following = raw[i + 1] if i + 1 < len(raw) else ""
        if is_caption(line, following) or (PHOTO_CREDIT.search(line) and len(line) < 300):
            continue
        if line in seen:
            continue
        seen.add(line)
        kept.append(line)
    return kept


def is_caption(line: str, following: str) -> bool:
    """A photo caption shows up twice: bare, then again with its photo credit appended."""
    return following.startswith(line) and bool(PHOTO_CREDIT.search(following[len(line) - 1 :]))


def find_date(text: str) -> str | None:
    """The first date written out in `text`, as YYYY-MM-DD."""
    for pattern in DATE_PATTERNS:
        if match := pattern.search(text):
            return iso_date(match.group(0))
    return None


def iso_date(value: str) -> str | None:
    """'Oct. 17, 2025', '14 March 2025', '2025-10-17' or '2025-10-17T09:00:00Z' -> '2025-10-17';
    None for anything without a year, or that python-dateutil cannot read."""
    from dateutil import parser

    value = value.strip()
    if re.match(r"^\d{4}-\d{2}-\d{2}", value):
        return value[:10]
    if not re.search(r"\b\d{4}\b", value):
        return None
    try:
        return parser.parse(value, dayfirst=True).date().isoformat()
    except (ValueError, OverflowError):
        return None


class ReadableHTML(HTMLParser):
    """Collect readable text from HTML, skipping scripts, styles and page furniture."""

    SKIP = frozenset(
        {
            "script",
            "style",
            "noscript",
            "nav",
            "header",
            "footer",
            "aside",
            "form",
            "svg",
            "iframe",
            "template",
            "button",
        }
    )
    BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "h1",
            "h2",
            "h3",
            "h4",
            "li",
            "article",
            "section",
            "blockquote",
            "tr",
            "title",
            "figcaption",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._skip_depth = 0
        self._in: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip_depth += 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        self._in.append(tag)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        if tag in self.BLOCK:
            self.parts.append("\n")
        if tag in self._in:
            del self._in[len(self._in) - 1 - self._in[::-1].index(tag) :]

    def handle_data(self, data):
        current = self._in[-1] if self._in else ""
        if current == "title":
            self.title += data
            return
        if self._skip_depth:
            return
        if current == "h1" and not self.h1:
            self.h1 = data.strip()
        self.parts.append(data)


def article_from_html(html: str, doc_id: str) -> Article:
    """The readable text of an HTML page as an article."""
    parser = ReadableHTML()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    title = parser.h1 or parser.title.strip() or None
    return article_from_text(text, doc_id, title=title)


def article_from_page(
    html: str, url: str | None, fallback: dict | None = None, doc_id: str | None = None
) -> Article:
    """The article of a page: main text, title, author, date, outlet (site name) and canonical
    URL by trafilatura; the plain cleaner where it finds no body. A fetched page's id is its
    canonical URL, a file's is `doc_id`. `fallback` (a feed item's title, date and summary)
    fills what the page lacks."""
    import trafilatura

    fallback = fallback or {}
    found = trafilatura.bare_extraction(  # precision: boilerplate would be citable evidence
        html,
        url=url,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        favor_precision=True,
    )
    meta = found.as_dict() if found is not None else {}
    canonical = meta.get("url") or url
    doc_id = doc_id or canonical
    if meta.get("text"):
        # trafilatura joins names with ";" and keeps a byline's role as if it were a name
        authors, _ = split_byline((meta.get("author") or "").replace(";", ","), None)
        article = article_from_text(
            meta["text"],
            doc_id,
            title=meta.get("title") or fallback.get("title"),
            outlet=meta.get("sitename"),
            date=iso_date(meta["date"]) if meta.get("date") else fallback.get("date"),
            authors=authors,
            url=canonical,
        )
    else:
        article = article_from_html(html, doc_id)
        article.url = canonical
    if not article.body.strip() and fallback.get("summary"):
        article.body = fallback["summary"]
    article.date = article.date or fallback.get("date")
    return article


# The fields a JSON record or markdown front matter may give, under each name they go by; the
# first one present wins. The README lists them.
RECORD_FIELDS = {
    "text": ("text", "body", "content", "article", "maintext"),
    "title": ("title", "headline"),
    "url": ("url", "link", "canonical_url"),
    "date": (
        "date",
        "published",
        "published_at",
        "publishedAt",
        "pubDate",
        "date_published",
        "datePublished",
    ),
    "outlet": ("outlet", "source", "source_name", "publisher", "site_name", "sitename"),
    "authors": ("authors", "author", "byline", "creator"),
}


def record_field(record: dict, name: str):
    return next((record[key] for key in RECORD_FIELDS[name] if record.get(key)), None)


def named(value) -> str | None:
    """A string, or the name of an object like `{"name": "Reuters", "id": "reuters"}`."""
    if isinstance(value, dict):
        value = value.get("name")
    return str(value).strip() if value else None


def metadata_of(record: dict) -> dict:
    """The title, url, date, outlet and authors of a record, however it names them. An author
    given as one string is read as a byline ("Ed Marsh and Lena Vogt, Reuters")."""
    authors, byline_outlet = record_field(record, "authors") or [], None
    if isinstance(authors, str):
        authors, byline_outlet = split_byline(authors, None)
    else:
        authors = [
            n for a in (authors if isinstance(authors, list) else [authors]) if (n := named(a))
        ]
    date = record_field(record, "date")
    outlet = named(record_field(record, "outlet"))
    return {
        "title": named(record_field(record, "title")),
        "url": named(record_field(record, "url")),
        "date": iso_date(str(date)) if date else None,
        "outlet": (canonical_outlet(outlet) or outlet) if outlet else byline_outlet,
        "authors": authors,
    }


def article_from_record(record: dict, doc_id: str) -> Article:
    """A JSON record: its text and metadata under any of the names of `RECORD_FIELDS`."""
    if not isinstance(record, dict):
        raise BadInputError("JSON record is not an object")
    text = record_field(record, "text") or ""
    if not isinstance(text, str):
        raise BadInputError("JSON record's text is not a string")
    return article_from_text(text, doc_id, **metadata_of(record))


def article_from_markdown(text: str, doc_id: str, notes: list[str]) -> Article:
    """A markdown file: front matter as metadata (the fields of `RECORD_FIELDS`), the body
    without markup. The first heading is the title when the front matter gives none."""
    meta, body, note = split_front_matter(text)
    if note:
        notes.append(note)
    return article_from_text(plain_text(body), doc_id, **metadata_of(meta))


def articles_from_json(text: str, doc_id: str) -> list[Article]:
    """A JSON file holding one record or a list of records."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadInputError(f"invalid JSON: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(data, dict):
        return [article_from_record(data, doc_id)]
    if isinstance(data, list):
        return [article_from_record(r, f"{doc_id}#{i}") for i, r in enumerate(data)]
    raise BadInputError("JSON is neither an object nor a list")


def articles_from_jsonl(text: str, doc_id: str, notes: list[str]) -> list[Article]:
    """One record per line; the document id of line n (from 0) is `path#n`. A line that is not
    a record is skipped with a note naming its line number (from 1) and why."""
    articles = []
    for i, line in enumerate(text.splitlines()):
        if not line.strip():
            continue
        try:
            articles.append(article_from_record(json.loads(line), f"{doc_id}#{i}"))
        except json.JSONDecodeError as exc:
            notes.append(f"line {i + 1} skipped: invalid JSON ({exc.msg})")
        except BadInputError as exc:
            notes.append(f"line {i + 1} skipped: {exc}")
    return articles
