"""Feeds read faithfully (issue #12): each shape through `newsreader headlines URL --json`, served on 127.0.0.1
with the Content-Type the case needs. The fixtures are this project's own, written for each shape."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from newsreader.cli import main
from newsreader.sources.charset import xml_as_utf8
from newsreader.sources.dates import parse_date
from newsreader.sources.feed import fast_path_doubt, parse_feed

RSS_NS = (
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
    'xmlns:content="http://purl.org/rss/1.0/modules/content/"'
)


@pytest.fixture
def server() -> Iterator[HTTPServer]:
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.start()
    try:
        yield srv
    finally:
        srv.clear()
        if srv.is_running():
            srv.stop()


def headlines(
    server: HTTPServer, capsys: pytest.CaptureFixture[str], body: bytes | str, content_type: str, path: str = "/feed"
) -> list[dict[str, Any]]:
    data = body.encode("utf-8") if isinstance(body, str) else body
    server.expect_request(path).respond_with_data(data, headers={"Content-Type": content_type})
    code = main(["headlines", server.url_for(path), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    got = json.loads(out)
    assert isinstance(got, list) and got, out
    return got


def rss(items: str, ns: str = RSS_NS) -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0" {ns}><channel><title>T</title>{items}</channel></rss>'


def atom(entries: str, extra: str = "") -> str:
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" {extra}><title>T</title>{entries}</feed>'


def item(inner: str) -> str:
    return f"<item><title>Story</title><link>http://news.test/1</link>{inner}</item>"


# --- escaped text -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("description", ["Tom &amp; Jerry", "<![CDATA[Tom & Jerry]]>"], ids=["amp", "cdata"])
def test_an_ampersand_in_a_description_is_one(server: HTTPServer, capsys: Any, description: str) -> None:
    (story,) = headlines(server, capsys, rss(item(f"<description>{description}</description>")), "application/rss+xml")
    assert story["summary"] == "Tom & Jerry"


# --- dates ----------------------------------------------------------------------------------------------------

# (date string as feeds write it, the instant it names)
DATES = [
    ("2024-03-01 10:00:00 -05:00", "2024-03-01T15:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 +01:00", "2024-03-01T09:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 +0100", "2024-03-01T09:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 +05:30", "2024-03-01T04:30:00+00:00"),
    ("2024-03-01T10:00:00+05:30", "2024-03-01T04:30:00+00:00"),
    ("Friday, 01 March 2024 10:00:00 GMT", "2024-03-01T10:00:00+00:00"),
    ("1 September 2024 08:15 UTC", "2024-09-01T08:15:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 CET", "2024-03-01T09:00:00+00:00"),
    ("Mon, 01 Jul 2024 10:00:00 CEST", "2024-07-01T08:00:00+00:00"),
    ("Mon, 01 Jul 2024 10:00:00 BST", "2024-07-01T09:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 JST", "2024-03-01T01:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 AEST", "2024-03-01T00:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 EST", "2024-03-01T15:00:00+00:00"),
    ("Fri, 01 Mar 2024 10:00:00 PT", "2024-03-01T18:00:00+00:00"),
    ("Fri Mar  1 10:00:00 2024", "2024-03-01T10:00:00+00:00"),
    ("Fri Mar 01 2024 10:00:00 +0200", "2024-03-01T08:00:00+00:00"),
    ("Fri, 01 Mar 2024", "2024-03-01T00:00:00+00:00"),
    ("2024-03-01", "2024-03-01T00:00:00+00:00"),
    ("March 1, 2024 10:00 PM EST", "2024-03-02T03:00:00+00:00"),
    ("Fri, 01 Mar 2024 12:30 am GMT", "2024-03-01T00:30:00+00:00"),
]


@pytest.mark.parametrize(("text", "instant"), DATES)
@pytest.mark.parametrize("place", ["rss", "atom"])
def test_dates_name_the_right_instant(server: HTTPServer, capsys: Any, text: str, instant: str, place: str) -> None:
    if place == "rss":
        body, ctype = rss(item(f"<pubDate>{text}</pubDate>")), "application/rss+xml"
    else:
        body = atom(
            f"<entry><title>S</title><id>urn:s</id><link href='http://news.test/1'/><published>{text}</published></entry>"
        )
        ctype = "application/atom+xml"
    (story,) = headlines(server, capsys, body, ctype)
    assert story["published"] == instant


@pytest.mark.parametrize(
    "text", ["Fri, 01 Mar 2024 25:00:00 GMT", "2024-03-01T10:61:00Z", "Fri, 01 Mar 2024 10:00 +2500", "soon"]
)
def test_an_impossible_date_is_no_date(text: str) -> None:
    assert parse_date(text) is None


def test_an_unknown_zone_name_is_utc_as_in_feedparser() -> None:
    when = parse_date("Fri, 01 Mar 2024 10:00:00 XYZT")
    assert when is not None and when.isoformat() == "2024-03-01T10:00:00+00:00"


def test_dcterms_issued_and_modified_are_read(server: HTTPServer, capsys: Any) -> None:
    dated = item(
        "<dcterms:issued>2024-03-01T10:00:00+01:00</dcterms:issued><dcterms:modified>2024-03-02T10:00:00Z</dcterms:modified>"
    )
    (story,) = headlines(server, capsys, rss(dated), "application/rss+xml")
    assert story["published"] == "2024-03-01T09:00:00+00:00"
    (parsed,) = parse_feed(rss(dated).encode(), "http://news.test/feed").stories
    assert parsed.updated is not None and parsed.updated.isoformat() == "2024-03-02T10:00:00+00:00"


# --- bylines --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "element",
    [
        "<dc:creator>Aigerim Sadykova</dc:creator>",
        "<dc:author>Aigerim Sadykova</dc:author>",
        "<author>aigerim@news.test (Aigerim Sadykova)</author>",
        "<author>Aigerim Sadykova (aigerim@news.test)</author>",
    ],
    ids=["dc-creator", "dc-author", "email-name", "name-email"],
)
def test_bylines_are_names(server: HTTPServer, capsys: Any, element: str) -> None:
    (story,) = headlines(server, capsys, rss(item(element)), "application/rss+xml")
    assert story["author"] == "Aigerim Sadykova"


# --- charset --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("declaration", ["", '<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-8"?>'])
def test_the_http_charset_is_honoured(server: HTTPServer, capsys: Any, declaration: str) -> None:
    body = f'{declaration}<rss version="2.0"><channel><title>T</title>{item("<description>Crème brûlée</description>")}</channel></rss>'
    (story,) = headlines(server, capsys, body.encode("iso-8859-1"), "application/rss+xml; charset=ISO-8859-1")
    assert story["summary"] == "Crème brûlée"


def test_a_byte_order_mark_outranks_the_http_charset(server: HTTPServer, capsys: Any) -> None:
    body = rss(item("<description>Crème brûlée</description>"), ns="")
    (story,) = headlines(server, capsys, b"\xef\xbb\xbf" + body.encode("utf-8"), "text/xml; charset=iso-8859-1")
    assert story["summary"] == "Crème brûlée"


def test_the_declaration_counts_when_http_names_no_charset(server: HTTPServer, capsys: Any) -> None:
    body = f'<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>T</title>{item("<description>“Crème”</description>")}</channel></rss>'
    (story,) = headlines(server, capsys, body.encode("cp1252"), "application/xml")
    assert story["summary"] == "“Crème”"


def test_charset_decision_order() -> None:
    latin = '<?xml version="1.0" encoding="iso-8859-1"?><a>é</a>'.encode("iso-8859-1")
    assert xml_as_utf8(latin, "")[1] == "iso8859-1"
    assert xml_as_utf8(latin, "text/xml; charset=windows-1252")[1] == "cp1252"  # external information first
    doc, name = xml_as_utf8("<a>é</a>".encode(), "text/xml; charset=utf-8")
    assert name == "utf-8" and doc == "<a>é</a>".encode()  # the common case is not copied
    # A label the bytes contradict does not lose them: the next candidate reads them.
    assert xml_as_utf8('<?xml version="1.0" encoding="utf-8"?><a>é</a>'.encode("cp1252"), "")[1] == "cp1252"
    # UTF-8 with one bad byte stays UTF-8: only that byte is replaced.
    doc, name = xml_as_utf8("<a>Crème</a>".encode() + b"\xff", "")
    assert name == "utf-8" and "Crème".encode() in doc and "\ufffd".encode() in doc


@pytest.mark.parametrize(
    ("description", "want"),
    [("don&#146;t", "don’t"), ("&#147;Caf&#233;&#148;", "“Café”"), ("&#226;&#128;&#166;", "…")],
    ids=["cp1252-ref", "cp1252-quotes", "double-encoded"],
)
def test_cp1252_and_double_encoded_text_is_repaired(
    server: HTTPServer, capsys: Any, description: str, want: str
) -> None:
    (story,) = headlines(server, capsys, rss(item(f"<description>{description}</description>")), "application/rss+xml")
    assert story["summary"] == want


# --- relative links -------------------------------------------------------------------------------------------


def test_relative_links_in_content_resolve_against_the_feed_url(server: HTTPServer, capsys: Any) -> None:
    body = rss(item('<description>&lt;a href="/a/2"&gt;more&lt;/a&gt; &lt;img src="pic.jpg"&gt;</description>'))
    (story,) = headlines(server, capsys, body, "application/rss+xml", path="/news/feed")
    assert f'href="{server.url_for("/a/2")}"' in story["summary"]
    assert f'src="{server.url_for("/news/pic.jpg")}"' in story["summary"]


def test_xml_base_decides_relative_links_and_the_entry_link(server: HTTPServer, capsys: Any) -> None:
    entry = (
        '<entry xml:base="http://other.test/section/"><title>S</title><id>urn:s</id><link href="story.html"/>'
        '<content type="html">&lt;a href="more.html"&gt;more&lt;/a&gt;</content></entry>'
    )
    (story,) = headlines(server, capsys, atom(entry, 'xml:base="http://other.test/"'), "application/atom+xml")
    assert story["url"] == "http://other.test/section/story.html"
    assert 'href="http://other.test/section/more.html"' in story["summary"]


# --- body shapes ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("inner", "ns"),
    [
        ('<xhtml:body xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>Whole story</xhtml:p></xhtml:body>', ""),
        ("<fullitem>&lt;p&gt;Whole story&lt;/p&gt;</fullitem>", ""),
    ],
    ids=["xhtml-body", "fullitem"],
)
def test_xhtml_body_and_fullitem_bodies(server: HTTPServer, capsys: Any, inner: str, ns: str) -> None:
    (story,) = headlines(server, capsys, rss(item(inner), ns=ns), "application/rss+xml")
    assert "Whole story" in story["summary"]


def test_base64_atom_content(server: HTTPServer, capsys: Any) -> None:
    encoded = base64.b64encode(b"<p>Decoded story</p>").decode()
    entry = f'<entry><id>urn:b</id><link href="http://news.test/b"/><summary type="application/octet-stream">{encoded}</summary></entry>'
    (story,) = headlines(server, capsys, atom(entry), "application/atom+xml")
    assert "Decoded story" in story["summary"]
    assert story["title"] == "Decoded story"


def test_atom_link_with_the_url_as_text(server: HTTPServer, capsys: Any) -> None:
    entry = "<entry><title>S</title><id>urn:l</id><link rel='alternate' type='text/html'>http://news.test/text-link</link></entry>"
    (story,) = headlines(server, capsys, atom(entry), "application/atom+xml")
    assert story["url"] == "http://news.test/text-link"


def test_a_prefixed_root(server: HTTPServer, capsys: Any) -> None:
    body = (
        '<r:rss version="2.0" xmlns:r="http://backend.userland.com/rss2"><r:channel><r:title>T</r:title>'
        "<r:item><r:title>Prefixed story</r:title><r:link>http://news.test/p</r:link></r:item></r:channel></r:rss>"
    )
    (story,) = headlines(server, capsys, body, "application/rss+xml")
    assert (story["title"], story["url"]) == ("Prefixed story", "http://news.test/p")


def test_an_extension_element_named_description_is_not_the_description(server: HTTPServer, capsys: Any) -> None:
    body = rss(
        item("<description>the real one</description><x:description>an extension's</x:description>"),
        ns='xmlns:x="http://ext.test/desc"',
    )
    (story,) = headlines(server, capsys, body, "application/rss+xml")
    assert story["summary"] == "the real one"


def test_ordinary_feeds_stay_on_the_fast_path() -> None:
    """The screen must not send the feeds of the benchmark corpus (or WordPress-shaped ones) to feedparser."""
    from bench.corpus import feed_xml

    for index in range(4):
        assert fast_path_doubt(feed_xml(index, 20, "http://127.0.0.1:1").encode()) == ""
    wordpress = rss(
        item("<dc:creator><![CDATA[Editor]]></dc:creator><content:encoded><![CDATA[<p>x</p>]]></content:encoded>"),
        ns=RSS_NS.replace('xmlns:dcterms="http://purl.org/dc/terms/" ', "")
        + ' xmlns:atom="http://www.w3.org/2005/Atom"',
    ).replace("<channel>", '<channel><atom:link href="http://news.test/feed" rel="self" type="application/rss+xml"/>')
    assert fast_path_doubt(wordpress.encode()) == ""


# --- JSON Feed ------------------------------------------------------------------------------------------------


def test_json_feed_items(server: HTTPServer, capsys: Any) -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1",
        "title": "J",
        "items": [
            {"id": 7, "content_text": "A story told in plain text", "external_url": "http://elsewhere.test/7"},
            {
                "id": "b",
                "title": "Titled",
                "url": "http://news.test/b",
                "summary": "Tom & Jerry",
                "content_html": "<p>x</p>",
            },
        ],
    }
    first, second = headlines(server, capsys, json.dumps(feed), "application/feed+json")
    assert first["title"] == "A story told in plain text"
    assert first["url"] == "http://elsewhere.test/7"
    assert second["summary"] == "Tom & Jerry"
    parsed = parse_feed(json.dumps(feed).encode(), "http://news.test/feed.json")
    assert parsed.stories[0].key == "7"  # a numeric id is the item's identity, not dropped
    assert parsed.stories[0].content == "<p>A story told in plain text</p>"


def test_json_feed_plain_text_stays_text() -> None:
    feed = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Tom & Jerry",
        "items": [{"id": "1", "title": "A & B <3", "content_text": "x < y & z\n\nsecond"}],
    }
    parsed = parse_feed(json.dumps(feed).encode(), "http://news.test/feed.json")
    assert parsed.title == "Tom & Jerry"
    (story,) = parsed.stories
    assert story.title == "A & B <3"
    assert story.content == "<p>x &lt; y &amp; z</p><p>second</p>"


# --- pages: the HTTP charset counts there too --------------------------------------------------------------------


def test_a_page_charset_given_only_by_http(server: HTTPServer, capsys: Any) -> None:
    page = (
        "<!DOCTYPE html><html><head><title>Cuisine</title></head><body><main><h2>Latest</h2><ul class='news-list'>"
        "<li><a href='/2025/11/01/creme-brulee-festival'>Crème brûlée festival opens in the old town</a></li>"
        "<li><a href='/2025/11/02/cafe-prices'>Café prices rise for the third month running</a></li>"
        "<li><a href='/2025/11/03/bakery-award'>Bakery on the corner wins the regional award</a></li>"
        "</ul></main></body></html>"
    )
    stories = headlines(server, capsys, page.encode("iso-8859-1"), "text/html; charset=ISO-8859-1", path="/food/")
    titles = [s["title"] for s in stories]
    assert "Crème brûlée festival opens in the old town" in titles
    assert "Café prices rise for the third month running" in titles


def test_a_known_namespace_under_an_unusual_prefix(server: HTTPServer, capsys: Any) -> None:
    body = rss(
        item("<c:encoded><![CDATA[<p>The whole story</p>]]></c:encoded><d:creator>Aigerim Sadykova</d:creator>"),
        ns='xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:d="http://purl.org/dc/elements/1.1/"',
    )
    (story,) = headlines(server, capsys, body, "application/rss+xml")
    assert story["author"] == "Aigerim Sadykova"
    (parsed,) = parse_feed(body.encode(), "http://news.test/feed").stories
    assert "The whole story" in parsed.content


def test_markup_inside_noscript_stays_markup(server: HTTPServer, capsys: Any) -> None:
    """Lazy-loading plugins wrap the real image in <noscript>; it must stay an image, not show as "<img …>"."""
    body = rss(
        item(
            '<description><![CDATA[<p>Lead</p><noscript><img src="/a.jpg" alt="A &amp; B"></noscript>]]></description>'
        )
    )
    (story,) = headlines(server, capsys, body, "application/rss+xml", path="/news/feed")
    assert "&lt;img" not in story["summary"]
    assert f'src="{server.url_for("/a.jpg")}"' in story["summary"]


def test_only_url_attributes_are_resolved() -> None:
    body = rss(
        item(
            "<description><![CDATA[<a href='/x' title='/not-a-url'>x</a> <img src='p.png' href='/no'>]]></description>"
        )
    )
    (story,) = parse_feed(body.encode(), "http://news.test/dir/feed").stories
    assert 'href="http://news.test/x"' in story.summary and 'title="/not-a-url"' in story.summary
    assert 'src="http://news.test/dir/p.png"' in story.summary and 'href="/no"' in story.summary


@pytest.mark.parametrize("extra", ["", 'xml:base="http://news.test/"'], ids=["fast-path", "xml-base"])
def test_an_atom_entry_without_author_has_the_feeds(extra: str) -> None:
    body = atom(
        "<author><name>Desk</name></author><entry><title>S</title><id>urn:s</id><link href='http://news.test/s'/></entry>",
        extra,
    )
    (story,) = parse_feed(body.encode(), "http://news.test/feed").stories
    assert story.authors == ["Desk"]
    atom03 = (
        '<feed version="0.3" xmlns="http://purl.org/atom/ns#"><title>T</title><author><name>Desk</name></author>'
        "<entry><title>S</title><id>urn:s</id><link rel='alternate' href='http://news.test/s'/></entry></feed>"
    )
    (story,) = parse_feed(atom03.encode(), "http://news.test/feed").stories  # read by feedparser
    assert story.authors == ["Desk"]


def test_atom_elements_in_rss_items(server: HTTPServer, capsys: Any) -> None:
    body = rss(
        "<item><title>S</title><atom:link href='http://news.test/atom-link' rel='alternate'/>"
        "<atom:author><atom:name>Aigerim Sadykova</atom:name></atom:author></item>",
        ns='xmlns:atom="http://www.w3.org/2005/Atom"',
    )
    (story,) = headlines(server, capsys, body, "application/rss+xml")
    assert (story["url"], story["author"]) == ("http://news.test/atom-link", "Aigerim Sadykova")
