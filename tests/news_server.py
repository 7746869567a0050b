"""A news site on loopback for the web-ingest tests: article pages with boilerplate, RSS and
Atom feeds with ETag support, and every bad case a fetcher meets (404, a PDF, a redirect loop,
a stall, a 50 MB page, a malformed feed, a feed whose items all fail). It records each request's
path and conditional headers."""

from __future__ import annotations

import contextlib
import time

from tests.loopback import LoopbackServer, QuietHandler

PAGE = """<html><head><title>{title} | Vellmar Post</title>
<meta property="og:site_name" content="Vellmar Post">
<link rel="canonical" href="{base}/news/{slug}">
<meta property="article:published_time" content="{date}T09:00:00Z">
<meta name="author" content="Priya Raman"></head>
<body><nav>Home | World | Sport | Business</nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<article><h1>{title}</h1><p>By Priya Raman, Transport Correspondent</p>{paragraphs}</article>
<aside><h2>Most read</h2><ul><li>Celebrity weds in secret ceremony</li></ul></aside>
<footer>Share on Facebook | Share on X | Copyright Vellmar Post</footer></body></html>"""

STORIES = {
    "toll": (
        "Bridge toll rise angers harbour traders",
        "2025-03-14",
        [
            "Shopkeepers on the Port Vellmar waterfront say a new bridge toll will drive "
            "customers away from the harbour this summer.",
            '"People will simply shop somewhere else," said Ann Okafor, director of the '
            "Harbour Traders Forum, which speaks for 140 shops and cafes.",
            "The council said the toll would pay for repairs the bridge badly needed.",
        ],
    ),
    "ferry": (
        "Ferry line opens a repair depot in Kesterby",
        "2025-03-16",
        [
            "Bellport Ferries will open its new repair depot in the town of Kesterby next "
            "spring, creating 85 jobs.",
            "The company said the depot would service its fleet of six vessels.",
        ],
    ),
    "delay": (
        "Council delays the bridge toll rise",
        "2025-03-20",
        [
            "The council agreed on Thursday to delay the bridge toll rise until October, after "
            "weeks of protests by harbour traders.",
            "Council leader Marek Dunn said reserves would pay for the repairs until then.",
        ],
    ),
    "lighthouse": (
        "Old lighthouse to become a museum",
        "2025-03-18",
        [
            "The disused lighthouse at Vellmar Point will reopen as a maritime museum in June, "
            "the heritage trust said.",
            "The trust raised 2.4 million pounds for the restoration.",
        ],
    ),
}


def rss(base: str, slugs: list[str], extra: list[str] = ()) -> str:
    items = "".join(
        f"<item><title>{STORIES[s][0]}</title><link>{base}/news/{s}</link>"
        f"<pubDate>{STORIES[s][1]}</pubDate><description>{STORIES[s][2][0]}</description></item>"
        for s in slugs
    )
    items += "".join(f"<item><title>{e}</title><link>{base}{e}</link></item>" for e in extra)
    return (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Vellmar Post</title>'
        f"<link>{base}/</link>{items}</channel></rss>"
    )


def atom(base: str, slugs: list[str]) -> str:
    entries = "".join(
        f'<entry><title>{STORIES[s][0]}</title><link href="{base}/news/{s}"/>'
        f"<id>{base}/news/{s}</id><updated>{STORIES[s][1]}T09:00:00Z</updated></entry>"
        for s in slugs
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>Vellmar Post</title><id>{base}/atom.xml</id>"
        f"<updated>2025-03-18T09:00:00Z</updated>{entries}</feed>"
    )


def rdf(base: str, slugs: list[str]) -> str:
    """RSS 1.0 (RDF)."""
    items = "".join(
        f'<item rdf:about="{base}/news/{s}"><title>{STORIES[s][0]}</title>'
        f"<link>{base}/news/{s}</link><dc:date>{STORIES[s][1]}</dc:date></item>"
        for s in slugs
    )
    return (
        '<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<channel rdf:about="{base}/rdf.xml"><title>Vellmar Post</title><link>{base}/</link>'
        f"</channel>{items}</rdf:RDF>"
    )


class NewsServer(LoopbackServer):
    """Serves the site on 127.0.0.1; `feed_slugs` is what /feed.xml lists right now."""

    def __init__(self) -> None:
        self.feed_slugs = ["toll", "ferry"]
        self.requests: list[tuple[str, str | None]] = []  # (path, If-None-Match)
        super().__init__()

    @property
    def base(self) -> str:
        return self.origin

    def handler(self):
        site = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                site.requests.append((self.path, self.headers.get("If-None-Match")))
                base = site.base
                path = self.path
                if path == "/feed.xml":
                    self.conditional(rss(base, site.feed_slugs, ["/missing", "/report.pdf"]))
                elif path == "/rdf.xml":
                    self.conditional(rdf(base, ["delay"]), "application/rdf+xml")
                elif path == "/atom.xml":
                    self.conditional(atom(base, ["lighthouse"]), "application/atom+xml")
                elif path.startswith("/news/") and path[6:] in STORIES:
                    title, date, paragraphs = STORIES[path[6:]]
                    html = PAGE.format(
                        title=title,
                        base=base,
                        slug=path[6:],
                        date=date,
                        paragraphs="".join(f"<p>{p}</p>" for p in paragraphs),
                    )
                    self.conditional(html, "text/html; charset=utf-8")
                elif path == "/busy":  # 429 with Retry-After once, then the page
                    if sum(p == "/busy" for p, _ in site.requests) == 1:
                        self.send_response(429)
                        self.send_header("Retry-After", "1")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    else:
                        title, date, paragraphs = STORIES["ferry"]
                        body = "".join(f"<p>{p}</p>" for p in paragraphs)
                        html = PAGE.format(
                            title=title, base=base, slug="ferry", date=date, paragraphs=body
                        )
                        self.send(200, html.encode(), "text/html")
                elif path == "/report.pdf":
                    self.send(200, b"%PDF-1.4 not a page", "application/pdf")
                elif path == "/loop":
                    self.send_response(302)
                    self.send_header("Location", "/loop")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif path == "/stall":
                    time.sleep(3)
                    self.send(200, b"<html>too late</html>", "text/html")
                elif path == "/huge.html":
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Content-Length", str(50_000_000))
                    self.end_headers()
                    self.wfile.write(b"<html>" + b"x" * 65536)
                elif path == "/broken.xml":
                    self.send(200, b"<rss><channel><item><title>oops", "application/rss+xml")
                elif path == "/allbad.xml":
                    self.send(200, rss(base, [], ["/missing", "/gone"]).encode(), "text/xml")
                else:
                    self.send(404, b"not found", "text/plain")

            def conditional(self, text: str, content_type: str = "application/rss+xml") -> None:
                etag = f'"{abs(hash(text))}"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send(200, text.encode(), content_type, etag)

            def send(self, status: int, body: bytes, content_type: str, etag=None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                if etag:
                    self.send_header("ETag", etag)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)  # a client that gave up (the size limit) is gone

        return Handler
