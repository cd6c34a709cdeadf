"""Feed discovery on a page, and telling feeds, pages, JSON and nothing apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.sources.discover import find_feeds, sniff

FIXTURES = Path(__file__).parent / "fixtures"
SITE = FIXTURES / "kz-news-site"


def test_sample_site_advertises_its_rss() -> None:
    page = (SITE / "index.html").read_bytes()
    assert find_feeds(page, "http://news.example/index.html") == [("http://news.example/rss.xml", "Steppe Ledger")]


def test_feeds_in_page_order_absolute_and_once() -> None:
    page = """<html><head>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/atom+xml" title=" Comments  feed " href="comments.atom">
    <link rel="alternate" type="application/rss+xml" title="All news" href="https://site.example/rss">
    <link rel="alternate" type="application/feed+json" title="JSON" href="/feed.json">
    <link rel="alternate" type="application/rss+xml" title="All news again" href="/rss">
    <link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/12">
    <link rel="alternate" type="application/json+oembed" href="/oembed?url=x">
    <link rel="alternate" hreflang="kk" href="/kk/">
    <link rel="Alternate feed" type="application/rss+xml; charset=utf-8" href="/tag/x/feed">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    </head><body><link rel="alternate" type="text/xml" title="Old RSS" href="/old.xml"></body></html>"""
    assert find_feeds(page, "https://site.example/news/") == [
        ("https://site.example/news/comments.atom", "Comments feed"),
        ("https://site.example/rss", "All news"),
        ("https://site.example/feed.json", "JSON"),
        ("https://site.example/tag/x/feed", ""),
        ("https://site.example/old.xml", "Old RSS"),
    ]


def test_no_feeds_and_junk() -> None:
    assert find_feeds(b"", "https://a.example/") == []
    assert find_feeds(b"\x00\xff<<link", "https://a.example/") == []
    assert find_feeds(FIXTURES.joinpath("pages", "list-headlines.html").read_bytes(), "https://d.example/x") == [
        ("https://d.example/feed.atom", "Daily Steppe (Atom)")
    ]


@pytest.mark.parametrize(
    ("data", "content_type", "kind"),
    [
        (b"", None, "empty"),
        (b" \r\n\t ", "application/rss+xml", "empty"),
        (b"\xef\xbb\xbf  \n", "text/html", "empty"),
        (b'<?xml version="1.0"?>\n<rss version="2.0"><channel/></rss>', "application/rss+xml", "feed"),
        (b'<?xml version="1.0"?><rss version="2.0"><channel/></rss>', "text/html", "feed"),  # mislabelled
        (b'<?xml version="1.0"?><!-- made by hand --><feed xmlns="http://www.w3.org/2005/Atom"/>', None, "feed"),
        (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"></rdf:RDF>', "text/xml", "feed"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><RSS></RSS>", None, "feed"),
        (b"<!DOCTYPE html><html><body>RSS: use <rss> and <feed> tags</body></html>", "text/xml", "html"),
        (b"<!-- page --><HTML><head></head></HTML>", "application/octet-stream", "html"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"></html>', None, "html"),
        (b"<div>a fragment</div>", None, "html"),
        (b"<p>some text</p>", "text/html; charset=utf-8", "html"),
        (b'{"version": "https://jsonfeed.org/version/1.1", "items": []}', "text/plain", "json"),
        (b"  [1, 2]", None, "json"),
        (b"plain words", "application/json", "json"),
        (b"plain words", "text/html", "html"),
        (b'<?xml version="1.0"?><urlset></urlset>', "application/xml", "feed"),  # the feed parser says what it is
        (b"\x89PNG\r\n\x1a\n", "image/png", "feed"),
    ],
)
def test_sniff(data: bytes, content_type: str | None, kind: str) -> None:
    assert sniff(data, content_type) == kind


def test_sniff_sample_site() -> None:
    assert sniff((SITE / "index.html").read_bytes(), "text/html") == "html"
    assert sniff((SITE / "rss.xml").read_bytes(), "text/html") == "feed"
