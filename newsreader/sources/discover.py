"""What a URL serves (feed, page, JSON, nothing) and which feeds a page advertises."""

from __future__ import annotations

from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

FEED_TYPES = {
    "application/rss+xml": 0,
    "application/atom+xml": 0,
    "application/rdf+xml": 1,
    "application/xml": 2,
    "text/xml": 2,
}


def _text(data: str | bytes) -> str:
    return data if isinstance(data, str) else data.decode("utf-8", errors="replace")


def find_feeds(html: str | bytes, url: str) -> list[tuple[str, str]]:
    """Feeds a page advertises with <link rel="alternate">, as (absolute URL, title), RSS/Atom first."""
    tree = LexborHTMLParser(_text(html))
    found: list[tuple[int, int, str, str]] = []
    seen: set[str] = set()
    for i, link in enumerate(tree.css("link[rel][href]")):
        rels = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rels or kind not in FEED_TYPES:
            continue
        href = urljoin(url, (link.attributes.get("href") or "").strip())
        if href in seen or not href.startswith(("http://", "https://")):
            continue
        seen.add(href)
        found.append((FEED_TYPES[kind], i, href, " ".join((link.attributes.get("title") or "").split())))
    return [(href, title) for _, _, href, title in sorted(found)]


def sniff(data: bytes, content_type: str | None = None) -> str:
    """ "feed", "html", "json" or "empty", by content first (servers mislabel), then by Content-Type."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if not head:
        return "empty"
    ctype = (content_type or "").lower()
    if head.startswith((b"{", b"[")):
        return "json"
    if any(tag in head for tag in (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")):
        return "feed"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head or b"<body" in head or b"<head" in head:
        return "html"
    if "html" in ctype:
        return "html"
    if "json" in ctype:
        return "json"
    return "feed"  # XML of some other shape, or plain junk: the feed parser says which, clearly
