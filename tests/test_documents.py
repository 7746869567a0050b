"""Reading articles: metadata from scraped pages, site chrome removed, every format, bad input."""

import json
from pathlib import Path

import pytest

from retrieval.documents import read_file
from retrieval.errors import BadInputError
from tests.conftest import SEEDS

LIMIT = 10_000_000


def read_seed(name):
    return read_file(SEEDS / name, name, LIMIT).articles[0]


def test_cnn_page_yields_title_authors_and_outlet():
    article = read_seed("003_eb4ef2e04cf15c9e.txt")
    assert article.title == (
        "Trump administration rushes to emulate Gaza plan in new push for Ukraine Deal"
    )
    assert article.authors == ["Kylie Atwood", "Zachary Cohen", "Jennifer Hansler"]
    assert article.outlet == "CNN"
    assert article.body.startswith("(CNN) — Believing they have a new window")


@pytest.mark.parametrize(
    "chrome",
    [
        "Skip to Content",
        "Jump to comments",
        "BE PART OF THE CONVERSATION",
        "Community Guidelines",
        "All rights reserved",
        "Article Topic Follows",
        "Follow us on Google News",
        "Summary is AI generated",
        "Get the latest crypto insights",
    ],
)
def test_site_chrome_is_stripped(chrome):
    bodies = [read_seed(p.name).body for p in sorted(SEEDS.iterdir())]
    assert not any(chrome.lower() in body.lower() for body in bodies)


def test_repeated_photo_captions_are_removed_but_the_article_text_stays():
    body = read_seed("001_4f7398dcd4859725.txt").body
    assert "Photo:" not in body
    assert "President Trump on Thursday in the Oval Office." not in body
    assert "National Security Council spokesman Brian Hughes" in body


def test_byline_on_its_own_line_and_duplicated_title():
    article = read_seed("004_8bbeadb7ac7fca71.txt")
    assert article.title == "Trump and Netanyahu Meet Again as Gaza Ceasefire Talks Gain Momentum"
    assert article.authors == ["Hanan Zuhry"]
    assert article.title not in article.body
    assert "• Trump and Netanyahu held" not in article.body  # the AI summary bullets


def test_page_without_headline_keeps_its_first_paragraph_in_the_body():
    article = read_seed("002_37c46e8199f88752.txt")
    assert article.body.startswith("US President Donald Trump is expected to speak")
    assert article.title.startswith("US President Donald Trump is expected")


def test_latin1_file_is_decoded_and_reported(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Café owner\n\nThe café in Zürich said it would reopen.".encode("latin-1"))
    parsed = read_file(path, "latin.txt", LIMIT)
    assert parsed.articles[0].title == "Café owner"
    assert "Zürich" in parsed.articles[0].body
    assert parsed.notes and "Latin-1" in parsed.notes[0]


def test_html_keeps_readable_text_only(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(
        "<html><head><title>Site | Story</title><script>var x = 'evil()';</script></head>"
        "<body><nav>Home News Sport</nav><h1>Floods hit the coast</h1>"
        "<p>Heavy rain flooded 300 homes on Tuesday.</p><style>p{}</style>"
        "<footer>© 2025 Site</footer></body></html>"
    )
    article = read_file(path, "page.html", LIMIT).articles[0]
    assert article.title == "Floods hit the coast"
    assert article.body == "Heavy rain flooded 300 homes on Tuesday."


def test_jsonl_records_become_articles_with_their_fields(tmp_path):
    path = tmp_path / "feed.jsonl"
    records = [
        {
            "title": "One",
            "text": "First story text here.",
            "url": "https://x/1",
            "date": "2025-01-02",
        },
        {
            "title": "Two",
            "text": "Second story text here.",
            "url": "https://x/2",
            "date": "Mar 4, 2025",
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\nnot json\n")
    articles = read_file(path, "feed.jsonl", LIMIT).articles
    assert [(a.doc_id, a.title, a.date, a.url) for a in articles] == [
        ("feed.jsonl#0", "One", "2025-01-02", "https://x/1"),
        ("feed.jsonl#1", "Two", "2025-03-04", "https://x/2"),
    ]


def test_json_object_is_one_article(tmp_path):
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"title": "Solo", "text": "A single record.", "url": "u"}))
    assert read_file(path, "story.json", LIMIT).articles[0].body == "A single record."


@pytest.mark.parametrize(
    "content, reason",
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x00\x01\x02binary", "binary"),
    ],
)
def test_bad_files_raise_a_one_line_reason(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(BadInputError, match=reason):
        read_file(path, "bad.txt", LIMIT)


def test_files_over_the_size_limit_are_refused(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("Title\n\n" + "word " * 1000)
    with pytest.raises(BadInputError, match="limit"):
        read_file(path, "huge.txt", 100)


FORMATS = Path(__file__).parent / "formats"  # one real file per input format


def read_format(name):
    return read_file(FORMATS / name, name, LIMIT)


def test_markdown_front_matter_is_metadata_and_markup_is_not_text():
    article = read_format("front-matter.md").articles[0]
    assert article.title == "Libraries extend their opening hours"
    assert article.authors == ["Maya Okafor"]  # "Education Reporter" is her role
    assert (article.outlet, article.date) == ("North Gazette", "2025-10-30")
    assert article.url == "https://northgazette.example/libraries-hours"
    assert "---" not in article.body and "title:" not in article.body
    for markup in ("#", "**", "](", "![", "`", "> ", "* "):
        assert markup not in article.body
    # a paragraph wrapped over lines is one paragraph, its link reduced to the link text
    assert (
        "the council said, after a survey of 4,000 residents asked for later hours." in article.body
    )
    assert '"People told us they cannot reach us after work," said councillor Ruth Adeyemi.' in (
        article.body
    )


def test_markdown_with_broken_front_matter_keeps_its_text_and_says_why(tmp_path):
    page = tmp_path / "broken.md"
    page.write_text("---\ntitle: [unclosed\n---\n# Heading\n\nThe body survives this.\n")
    parsed = read_file(page, "broken.md", LIMIT)
    assert parsed.articles[0].body == "The body survives this."
    assert parsed.notes and parsed.notes[0].startswith("front matter ignored")


def test_html_meta_tags_give_outlet_date_url_and_one_author_with_a_role():
    article = read_format("page.html").articles[0]
    assert article.title == "Night buses return to the city centre"
    assert article.authors == ["Priya Raman"]
    assert (article.outlet, article.date) == ("Metro Herald", "2025-11-04")
    assert article.url == "https://metroherald.example/transport/night-buses"
    assert "Home" not in article.body and "©" not in article.body


def test_html_json_ld_gives_the_authors_publisher_and_date():
    article = read_format("jsonld.html").articles[0]
    assert article.authors == ["Tomas Berg", "Ana Duarte"]
    assert (article.outlet, article.date) == ("Coastal Times", "2025-09-12")


def test_html_time_element_gives_the_date_and_a_byline_the_author():
    article = read_format("time.html").articles[0]
    assert (article.date, article.authors) == ("2025-08-01", ["Omar Haddad"])
    assert article.body.startswith("The towpath along the canal reopened on Friday")


def test_json_records_accept_the_common_field_names():
    (article,) = read_format("newsapi.json").articles  # NewsAPI's shape
    assert article.title == "Port strike ends after wage deal"
    assert article.authors == ["Ed Marsh", "Lena Vogt"]
    assert (article.outlet, article.date) == ("Reuters", "2025-11-18")
    assert article.url == "https://wire.example/port-strike"
    assert article.body.startswith("Dock workers at the port ended a nine-day strike")
    rail, ferry = read_format("aliases.jsonl").articles
    assert (rail.outlet, rail.date, rail.authors) == ("Daily Courier", "2025-11-19", ["Sam Ortiz"])
    assert (ferry.outlet, ferry.date, ferry.authors) == ("Island Post", "2025-11-20", ["Nia Rees"])
    assert ferry.body.startswith("Winter ferry sailings")


@pytest.mark.parametrize(
    "byline, authors, outlet",
    [
        ("By Priya Raman, Transport Correspondent", ["Priya Raman"], None),
        (
            "Kylie Atwood, Zachary Cohen, Jennifer Hansler, CNN",
            ["Kylie Atwood", "Zachary Cohen", "Jennifer Hansler"],
            "CNN",
        ),
        ("Li Wei and Tom O'Neill, Senior Reporters", ["Li Wei", "Tom O'Neill"], None),
    ],
)
def test_a_byline_names_its_authors_without_their_roles(byline, authors, outlet):
    from retrieval.bylines import split_byline

    found, found_outlet = split_byline(byline, None)
    assert (found, found_outlet) == (authors, outlet)
