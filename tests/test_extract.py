"""Extraction and scraping on the sample site and on pages shaped differently (no JSON-LD, bylines in spans,
captions in paragraphs, headlines in lists, non-UTF-8 pages, junk)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from newsreader.extract import decode_html, extract_article, html_to_markdown
from newsreader.model import ScrapeRule
from newsreader.sources.discover import find_feeds, sniff
from newsreader.sources.scrape import rule_for, scrape_headlines
from tests.site_server import KZ_SITE

SEED = "news/toqayev-to-meet-putin-in-moscow.html"
EXPECTED = json.loads((KZ_SITE / "EXPECTED.json").read_text(encoding="utf-8"))
BASE = "http://news.example"


def test_seed_story_matches_expected() -> None:
    e = EXPECTED[SEED]
    a = extract_article((KZ_SITE / SEED).read_bytes(), f"{BASE}/{SEED}", "text/html; charset=utf-8")
    paras = a.text.split("\n\n")
    assert (a.title, a.authors, a.site, a.section) == (e["title"], e["authors"], e["site"], e["section"])
    assert a.published == datetime.fromisoformat(e["published"])
    assert sorted(a.tags) == sorted(e["tags"])
    assert (
        a.image is not None
        and a.image.url == BASE + e["image"]["url_path"]
        and a.image.caption == e["image"]["caption"]
    )
    assert (
        len(paras) == e["body_paragraph_count"]
        and paras[0] == e["first_paragraph"]
        and paras[-1] == e["last_paragraph"]
    )
    assert not [w for w in e["body_must_not_include"] if w.lower() in a.text.lower()]
    assert len(a.related) == e["related_count"]
    assert [r.title for r in a.related[:3]] == e["related_first_titles"]
    assert a.related[0].url == f"{BASE}/news/damaged-baikonur-launch-pad-facility-restored-after-2025-col.html"


@pytest.mark.parametrize("page", sorted(p.name for p in (KZ_SITE / "news").glob("*.html")))
def test_every_sample_page_has_a_photo_caption_and_a_clean_body(page: str) -> None:
    a = extract_article((KZ_SITE / "news" / page).read_bytes(), f"{BASE}/news/{page}")
    assert a.image is not None and a.image.caption.startswith("Photo:")
    assert a.authors and a.title and len(a.text) > 100
    assert "Original Author" not in a.text and "cookie" not in a.text.lower() and "Latest news" not in a.text


def test_listing_page_headlines() -> None:
    exp = EXPECTED["index.html"]
    stories = scrape_headlines((KZ_SITE / "index.html").read_bytes(), f"{BASE}/index.html")
    titles = [s.title for s in stories]
    assert len(titles) == exp["headline_count"] and titles[:5] == exp["first_titles"]
    assert not set(exp["must_not_include"]) & set(titles)
    assert stories[0].url == f"{BASE}/{SEED}" and stories[0].key == stories[0].url


NO_JSON_LD = """<html><head><title>Bridge opens over the Irtysh | Pavlodar Daily</title>
<meta property="og:site_name" content="Pavlodar Daily"></head><body>
<nav><a href="/">Home</a><a href="/city/">City</a></nav>
<div class="content"><h1>Bridge opens over the Irtysh</h1>
<div class="meta">By <span class="byline">Aliya Serikbayeva</span> · <time datetime="2025-10-02T08:15:00+06:00">2 Oct</time></div>
<div class="pic"><img src="/img/bridge.jpg" alt="The new bridge"><p class="caption">Photo: city press office</p></div>
<p>The new bridge over the Irtysh opened to traffic on Thursday morning, cutting the drive between the two banks
of the city by twenty minutes, officials said at the opening ceremony.</p>
<p>Construction took three years and cost more than the original estimate, according to the
<a href="https://pavlodar.example/budget">city budget report</a>. Residents had complained about the delays.</p>
<p>A second bridge is planned further north, but no date has been set for the start of its construction works.</p>
</div>
<div class="share-buttons"><a href="#">Share on Facebook</a></div>
<footer>© Pavlodar Daily</footer></body></html>"""


def test_page_without_json_ld_byline_in_a_span_caption_in_a_paragraph() -> None:
    a = extract_article(NO_JSON_LD, "https://pavlodar.example/city/bridge.html")
    assert a.title == "Bridge opens over the Irtysh"
    assert a.authors == ["Aliya Serikbayeva"]
    assert a.site == "Pavlodar Daily"
    assert a.published == datetime(2025, 10, 2, 2, 15, tzinfo=UTC)
    assert a.image is not None and a.image.url == "https://pavlodar.example/img/bridge.jpg"
    assert a.image.caption == "Photo: city press office"
    paras = a.text.split("\n\n")
    assert len(paras) == 3 and paras[0].startswith("The new bridge over the Irtysh opened")
    assert "[city budget report](https://pavlodar.example/budget)" in paras[1]
    assert a.links == ["https://pavlodar.example/budget"]
    assert "Facebook" not in a.text and "Photo:" not in a.text and "Bridge opens" not in a.text


CP1251 = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Новости Алматы</title></head><body><article><h1>В Алматы открылась новая библиотека</h1>
<p class="author">Автор: Сауле Тохтарова</p>
<p>В четверг в Алматы открылась новая городская библиотека с детским залом и читальней, сообщили в акимате.</p>
<p>Библиотека будет работать до девяти вечера по будням, а по выходным до шести часов вечера.</p>
<p>В первую неделю там пройдут поэтический вечер и шахматный турнир для школьников города.</p>
</article></body></html>""".encode("cp1251")


def test_non_utf8_page_declaring_its_charset() -> None:
    assert "Новости" in decode_html(CP1251)
    a = extract_article(CP1251, "https://almaty.example/news/1")
    assert a.title == "В Алматы открылась новая библиотека"
    assert a.authors == ["Сауле Тохтарова"]
    assert a.text.split("\n\n")[0].startswith("В четверг в Алматы открылась")
    assert "Автор" not in a.text


def test_charset_from_http_header_wins_and_a_lie_falls_back() -> None:
    latin = "<p>Café crème</p>".encode("latin-1")
    assert decode_html(latin, "text/html; charset=iso-8859-1") == "<p>Café crème</p>"
    assert decode_html("<p>Café</p>".encode(), "text/html; charset=ascii") == "<p>Café</p>"  # ascii lies: utf-8 it is
    assert decode_html(b"\xef\xbb\xbf<p>bom</p>") == "<p>bom</p>"


@pytest.mark.parametrize(
    "junk", [b"", b"\x00\x01\x02\xff" * 100, b"<html><body><p>unclosed", "<<<>>>", b"%PDF-1.4 binary"]
)
def test_junk_never_raises(junk: bytes | str) -> None:
    a = extract_article(junk, "https://x.test/a")
    assert a.url == "https://x.test/a" and isinstance(a.text, str)


LIST_PAGE = """<html><body><header><a href="/">Logo</a><a href="/about/">About us</a></header>
<main><h2>Latest</h2><ul class="news-list">
<li><a href="/2025/11/01/wheat-harvest-beats-estimate">Wheat harvest in the north beats the estimate</a>
<time datetime="2025-11-01T10:00:00Z">Nov 1</time><p>Farmers in the north gathered more grain than the ministry expected this year.</p></li>
<li><a href="/2025/11/02/tram-project-design-phase">Shymkent tram project enters the design phase</a></li>
<li><a href="/2025/11/03/ferry-schedule-extended">Caspian ferry schedule extended into winter</a></li>
<li><a href="/2025/11/03/ferry-schedule-extended">Caspian ferry schedule extended into winter</a></li>
</ul><div class="tags"><a href="/tag/economy/">Economy and business news</a></div></main>
<aside class="popular"><a href="/2025/01/01/old-popular-story-here">An old popular story from January</a></aside>
<footer><a href="/privacy/">Privacy policy</a></footer></body></html>"""


def test_headlines_in_a_list_in_page_order_deduplicated() -> None:
    stories = scrape_headlines(LIST_PAGE, "https://daily.example/")
    assert [s.title for s in stories] == [
        "Wheat harvest in the north beats the estimate",
        "Shymkent tram project enters the design phase",
        "Caspian ferry schedule extended into winter",
    ]
    assert stories[0].url == "https://daily.example/2025/11/01/wheat-harvest-beats-estimate"
    assert stories[0].published == datetime(2025, 11, 1, 10, tzinfo=UTC)
    assert stories[0].summary.startswith("Farmers in the north")


def test_a_site_rule_overrides_the_heuristic() -> None:
    rule = ScrapeRule(match="daily.example", item="aside.popular", link="a")
    assert rule_for("https://www.daily.example/", [rule]) is rule
    assert rule_for("https://other.example/", [rule]) is None
    stories = scrape_headlines(LIST_PAGE, "https://www.daily.example/", rule)
    assert [s.title for s in stories] == ["An old popular story from January"]


def test_feed_discovery_and_sniffing() -> None:
    page = (KZ_SITE / "index.html").read_bytes()
    assert find_feeds(page, f"{BASE}/index.html") == [(f"{BASE}/rss.xml", "Steppe Ledger")]
    assert sniff(page, "text/html") == "html"
    assert sniff((KZ_SITE / "rss.xml").read_bytes(), "text/html") == "feed"  # content wins over a wrong label
    assert sniff(b"  \n", None) == "empty" and sniff(b'{"a": 1}', "text/plain") == "json"


def test_feed_html_to_markdown_keeps_links_and_drops_scripts() -> None:
    md = html_to_markdown(
        '<p>See <a href="/x">this</a> <b>now</b><script>alert(1)</script></p><ul><li>one</li></ul>', "https://a.test/b/"
    )
    assert md == "See [this](https://a.test/x) **now**\n\n- one"
    assert html_to_markdown("plain\n\nparagraphs", "") == "plain\n\nparagraphs"
