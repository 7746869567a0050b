"""Citations that read well: a section heading is never quoted as the answer, a stand-in title
is never cut inside a name, and quotes wrapped in a narrow terminal keep their indent."""

from __future__ import annotations

import io

from rich.console import Console

from bot.answering.answer import Answer, Quote, Source
from bot.answering.service import AnswerService
from bot.frontends.render import print_sources
from retrieval.documents import read_file
from retrieval.ingest import ingest
from tests.conftest import SEEDS

ARTICLE = """Council names the head of its new transport authority

The city council on Monday named the people who will run the transport authority it set up
last year, after months of delay over the budget.

Who will lead the new transport authority

Amina Diallo, a former rail engineer, will lead the authority from January, the mayor said at
a press conference in the town hall.

What happens next?

The authority takes over the bus and tram contracts in the spring, and its first budget goes
to the council in March.
"""


def test_a_section_heading_is_never_quoted_as_the_answer(empty_index, tmp_path):
    (tmp_path / "authority.txt").write_text(ARTICLE)
    ingest(empty_index, [tmp_path])
    answer = AnswerService(empty_index).ask("Who will lead the new transport authority?")
    assert not answer.refused, answer.text
    (source,) = answer.sources
    assert source.quote.startswith("Amina Diallo, a former rail engineer, will lead")
    assert "Who will lead" not in answer.text


def test_a_stand_in_title_is_whole_clauses_never_half_a_name():
    name = "002_37c46e8199f88752.txt"  # a page with no headline: its first line is the title
    title = read_file(SEEDS / name, name, 10_000_000).articles[0].title
    assert title == (
        "US President Donald Trump is expected to speak with Russian counterpart Vladimir Putin "
        "this week, an American envoy said Sunday…"
    )


def test_quotes_wrapped_in_a_narrow_terminal_keep_their_indent():
    long_quote = "The authority takes over the bus and tram contracts in the spring. " * 3
    source = Source(
        number=1, doc_id="authority.txt", title="Transport", quote=long_quote, start=0, end=204
    )
    source.quotes.append(Quote("Its first budget goes to the council in March.", 300, 346))
    answer = Answer(question="q", standalone_question="q", text="x [1]", sources=[source])
    out = io.StringIO()
    print_sources(Console(file=out, width=50, force_terminal=True, color_system=None), answer)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("[1] Transport")
    assert len(lines) > 5 and all(line.startswith("    ") for line in lines[1:])
    assert sum("characters" in line for line in lines) == 2  # one per quote
