"""What a URL serves (feed, page, JSON, nothing) and which feeds a page advertises."""

from __future__ import annotations

from urllib.parse import urljoin

from selectolax.lexbor import LexborHTMLParser

from newsreader.extract import decode_html

FEED_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/feed+json",
    # Old sites label RSS as plain XML. Not application/json: WordPress advertises its REST API with it.
    "application/xml",
    "text/xml",
}
FEED_ROOTS = {b"rss", b"feed", b"rdf:rdf", b"rdf"}
HTML_ROOTS = {b"html", b"head", b"body"}
SNIFF_BYTES = 4096


def find_feeds(html: str | bytes, url: str, content_type: str | None = None) -> list[tuple[str, str]]:
    """Feeds a page advertises with <link rel="alternate" type=...>, as (absolute URL, title), in page order."""
    tree = LexborHTMLParser(decode_html(html, content_type))  # the HTTP charset counts, as for any page
    found: list[tuple[str, str]] = []
    for link in tree.css("link[rel][href]"):
        rels = (link.attributes.get("rel") or "").lower().split()
        kind = (link.attributes.get("type") or "").lower().split(";")[0].strip()
        if "alternate" not in rels or kind not in FEED_TYPES:
            continue
        href = urljoin(url, (link.attributes.get("href") or "").strip())
        if href.startswith(("http://", "https://")) and all(href != seen for seen, _ in found):
            found.append((href, " ".join((link.attributes.get("title") or "").split())))
    return found


def _first_element(head: bytes) -> bytes:
    """The lower-case name of the first element, past XML declarations, comments and DOCTYPEs ("" if none)."""
    pos = 0
    while True:
        start = head.find(b"<", pos)
        if start < 0:
            return b""
        if head.startswith(b"<!--", start):
            end = head.find(b"-->", start + 4)
            pos = end + 3 if end >= 0 else len(head)
            continue
        if head.startswith(b"<!doctype", start):
            if head.startswith(b"<!doctype html", start):
                return b"html"
            pos = start + 2
            continue
        if head.startswith((b"<?", b"<!"), start):
            pos = start + 2
            continue
        end = start + 1
        while end < len(head) and head[end : end + 1] not in b" \t\r\n/>":
            end += 1
        return head[start + 1 : end]


def is_feed(data: bytes) -> bool:
    """Whether the bytes are recognisably a feed: an RSS, Atom or RDF root element, or a JSON Feed's version."""
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if head.startswith(b"{"):
        return b"jsonfeed.org/version" in head
    return head.startswith(b"<") and _first_element(head) in FEED_ROOTS


def sniff(data: bytes, content_type: str | None = None) -> str:
    """ "feed", "html", "json" or "empty": by what the bytes begin with, then by the Content-Type.

    Servers mislabel (RSS as text/html, pages as text/xml), so a recognisable root element wins over the label.
    XML of some other shape, and junk, count as "feed": the feed parser then says clearly what is wrong.
    """
    head = data[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf \t\r\n\f").lower()
    if not head:
        return "empty"
    if head.startswith((b"{", b"[")):
        return "json"
    root = _first_element(head) if head.startswith(b"<") else b""
    if root in FEED_ROOTS:
        return "feed"
    if root in HTML_ROOTS:
        return "html"
    ctype = (content_type or "").lower().split(";")[0].strip()
    if "html" in ctype:
        return "html"
    if "json" in ctype:
        return "json"
    if root and not ctype.endswith("xml") and root in (b"div", b"p", b"title", b"meta", b"a", b"table", b"h1"):
        return "html"  # a page without <html>, served unlabelled
    return "feed"
