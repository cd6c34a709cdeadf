"""Feed bytes -> stories (RSS 0.9x/1.0/2.0, Atom).

feedparser-rs parses first: it gives feedparser's data model 25x faster (1.8 ms against 46 ms for an
85 KB feed, measured on this project's corpus), and speed of parsing is what a large refresh costs. A feed
it finds malformed goes to feedparser, whose loose parser recovers more of a broken document.
"""

from __future__ import annotations

import calendar
import copy
import hashlib
import html
import io
import json
import logging
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin

import feedparser
import feedparser_rs
from lxml import etree

from newsreader.model import Story
from newsreader.sources.charset import BOMS, xml_as_utf8
from newsreader.sources.dates import parse_date

log = logging.getLogger(__name__)
MAX_ENTRIES = 200_000  # a 100,000-item archive feed is real; this is the bound, not a wish
# feedparser's loose parser (sgmllib) and its HTML sanitiser are quadratic on hostile shapes: 0.3 MB of unclosed
# tags took 5 s, 10 MB over two minutes (measured). It only ever sees documents up to this size; larger broken
# ones are repaired by libxml2 (linear, depth-limited) and read by the fast parser.
LOOSE_MAX_BYTES = 128 * 1024
# feedparser-rs is quadratic in the character references of one text: 200,000 "&amp;" took 1.5 s, 2,000,000
# about two minutes. A text with more than this many is rewritten as CDATA (by libxml2) before it parses.
ENTITY_RUN_MAX = 20_000
_SURROGATES = re.compile("[\ud800-\udfff]")
_SURROGATE_REFS = re.compile(
    rb"&#(?:[xX]0*[dD][89a-fA-F][0-9a-fA-F]{2}|0*(?:5529[6-9]|55[3-9][0-9]{2}|56[0-9]{3}|57[0-2][0-9]{2}|573[0-3][0-9]|5734[0-3]));"
)
# A JSON string escape of half a surrogate pair: JSON parsers refuse it, or give a string nothing can encode.
_LONE_SURROGATE_ESCAPES = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F][0-9a-fA-F]{2})|(?<![0-9a-fA-F]{4})\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# A description longer than this (in characters of markup) is taken as the full story, not a teaser.
FULL_TEXT_CHARS = 1500
EARLIEST = datetime(1995, 1, 1, tzinfo=UTC)  # no web feed is older; earlier dates are junk
FUTURE_SLACK = timedelta(days=2)  # clocks and time zones drift; more than this ahead is junk


class FeedError(Exception):
    """The bytes are not a feed we can read; the message says what they are instead."""


@dataclass(slots=True)
class ParsedFeed:
    title: str = ""
    link: str = ""
    stories: list[Story] = field(default_factory=list)
    warning: str = ""  # recoverable trouble: malformed XML that still gave entries
    listed: int = -1  # entries the feed lists (more than len(stories) when a huge one was read keeping the newest)

    def __post_init__(self) -> None:
        if self.listed < 0:
            self.listed = len(self.stories)


def _date(parsed: Any, now: datetime) -> datetime | None:
    if not parsed:
        return None
    try:
        when = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
    except (OverflowError, ValueError, TypeError, OSError):
        return None
    if when < EARLIEST or when > now + FUTURE_SLACK:
        return None
    return when


def _str(value: Any) -> str:
    if not isinstance(value, str):
        return ""
    if not value.isascii() and _SURROGATES.search(value):
        # A JSON feed's "\ud800" or a loose parser's &#55296; gives lone surrogates: SQLite and print() refuse them.
        return _SURROGATES.sub("\ufffd", value)
    return value


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else []


def _field(obj: Any, key: str) -> Any:
    """A field of a feedparser dict or of a feedparser-rs object alike."""
    if isinstance(obj, dict):
        return obj.get(key)
    return getattr(obj, key, None)


_NAME_PAREN = re.compile(r"(?P<a>[^()]*?)\s*\((?P<b>[^()]*)\)")
_NAME_ANGLE = re.compile(r"(?P<a>[^<>]*?)\s*<(?P<b>[^<>]*@[^<>]*)>")


def _person(text: str) -> str:
    """A byline as a person reads it: "me@example.com (Name)", "Name (me@example.com)", "Name <me@…>" -> Name."""
    text = " ".join(text.split())
    if "@" not in text:
        return text
    m = _NAME_PAREN.fullmatch(text) or _NAME_ANGLE.fullmatch(text)
    if m is None:
        return text
    a, b = m["a"].strip(), m["b"].strip()
    if "@" in a and b and "@" not in b:
        return b
    if "@" in b and a:
        return a
    return text


def _authors(entry: Any) -> list[str]:
    names: list[str] = []
    for author in _list(entry.get("authors")):
        name = _person(_str(_field(author, "name")) or _str(_field(author, "email")))
        if name and name not in names:
            names.append(name)
    if not names and _str(entry.get("author")).strip():
        names.append(_person(_str(entry.get("author"))))
    return names


MAX_TAGS = 20  # an entry's categories kept as story tags; a feed that lists hundreds is not tagging
MAX_TAG_CHARS = 100


def _tags(entry: Any) -> list[str]:
    """The entry's categories (RSS <category>, Atom <category term>, JSON Feed tags), once each, whitespace folded."""
    tags: list[str] = []
    for tag in _list(entry.get("tags")):
        term = " ".join((_str(_field(tag, "term")) or _str(_field(tag, "label"))).split())[:MAX_TAG_CHARS]
        if term and term not in tags:
            tags.append(term)
            if len(tags) == MAX_TAGS:
                break
    return tags


def _content(entry: Any) -> str:
    best = ""
    for part in _list(entry.get("content")):
        value = _str(_field(part, "value"))
        if len(value) > len(best):
            best = value
    summary = _str(entry.get("summary"))
    if not best and len(summary) >= FULL_TEXT_CHARS:
        best = summary
    return best


def _key(entry: Any, link: str, title: str, when: datetime | None) -> str:
    guid = _str(entry.get("id")).strip()
    if guid:
        return guid
    if link:
        return link
    digest = hashlib.sha1(f"{title}\x00{when.isoformat() if when else ''}".encode()).hexdigest()
    return f"sha1:{digest}"


# feedparser-rs writes a text's "&" back as "&amp;" (feedparser keeps what the feed meant: "Tom & Jerry").
_ESCAPED_AMP = re.compile(r"&amp;(?!#?\w+;)")
# A relative URL in a link or image of a body: resolved against the feed's URL, as feedparser does.
_RELATIVE_REF = re.compile(
    r"""(?P<attr>\b(?:href|src|cite|poster)=)(?P<q>["'])(?!https?:|mailto:|data:|#)(?P<url>[^"'<>]*)(?P=q)""", re.I
)
_TAG = re.compile(r"<(?P<name>[a-zA-Z][a-zA-Z0-9]*)\b[^<>]*>")
# Which attribute of which element holds a URL (feedparser's list, of the elements feeds keep).
_URI_ATTRIBUTES = {
    "a": {"href"},
    "area": {"href"},
    "link": {"href"},
    "img": {"src"},
    "audio": {"src"},
    "video": {"src", "poster"},
    "source": {"src"},
    "input": {"src"},
    "iframe": {"src"},
    "frame": {"src"},
    "embed": {"src"},
    "script": {"src"},
    "q": {"cite"},
    "blockquote": {"cite"},
    "del": {"cite"},
    "ins": {"cite"},
}


_C1 = re.compile("[\x80-\x9f]")
_C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_C1_OR_CSI = re.compile("\x9b[0-?]*[ -/]*[@-~]|[\x80-\x9f]")  # a C1 CSI sequence is kept whole, for safe.py


def repair_c1(value: str) -> str:
    """Text with C1 control characters, which no feed means: UTF-8 read as Latin-1 ("â\x80¦" -> "…") decoded
    again, else windows-1252's characters at those code points ("&#146;" -> "’"), as feedparser does."""
    if _C0.search(value):
        return value  # terminal control sequences, not mojibake: safe.py removes them whole
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return _C1_OR_CSI.sub(
        lambda m: m[0] if len(m[0]) > 1 else m[0].encode("latin-1").decode("cp1252", "replace"), value
    )


_RS_REL = ' rel="nofollow noopener noreferrer"'  # feedparser-rs's sanitiser adds it to every <a>


def _fast_text(value: str, base_url: str) -> str:
    """A summary or content of feedparser-rs made what feedparser gives: "&" unescaped, relative links resolved."""
    if _RS_REL in value:
        value = value.replace(_RS_REL, "")
    if not value.isascii() and _C1.search(value):
        value = repair_c1(value)
    if "&amp;" in value:
        value = _ESCAPED_AMP.sub("&", value)
    if base_url and ("href=" in value or "src=" in value):
        value = _TAG.sub(lambda m: _absolute_tag(m, base_url), value)
    return value


def _absolute_tag(tag: re.Match[str], base_url: str) -> str:
    attributes = _URI_ATTRIBUTES.get(tag["name"].lower())
    if attributes is None:
        return tag[0]
    return _RELATIVE_REF.sub(lambda m: _absolute(m, base_url) if m["attr"][:-1].lower() in attributes else m[0], tag[0])


def _absolute(m: re.Match[str], base_url: str) -> str:
    try:
        url = urljoin(base_url, html.unescape(m["url"]).strip())
    except ValueError:
        return m[0]
    return f"{m['attr']}{m['q']}{html.escape(url, quote=True)}{m['q']}"


def _base(detail: Any, base_url: str) -> str:
    """The base URL of a text of feedparser-rs (Atom's xml:base, which it resolves), else the feed's URL."""
    base = _str(_field(detail, "base")) if detail is not None else ""
    if not base or base == base_url:
        return base_url
    return _joined(base_url, base)


@lru_cache(maxsize=256)  # one feed's entries share one or two bases
def _joined(base_url: str, base: str) -> str:
    try:
        return urljoin(base_url, base)
    except ValueError as exc:  # a base that is no URL ("http://[x"): the feed's own URL serves
        log.debug("xml:base %r of %s ignored (%s)", base, base_url, exc)
        return base_url


def _when(entry: Any, key: str, now: datetime, fast: bool) -> datetime | None:
    """A date of the entry: its own string read by dates.parse_date, else the parser's reading of it."""
    raw = _str(entry.get(key))
    if raw:
        when = parse_date(raw)
        if when is not None:
            return when if EARLIEST <= when <= now + FUTURE_SLACK else None
        if fast:
            return None  # feedparser-rs reads "-05:00" as UTC: a wrong date is worse than none
    return _date(entry.get(f"{key}_parsed"), now)


def entry_to_story(
    entry: Any,
    base_url: str,
    now: datetime | None = None,
    escaped_titles: bool = False,
    link: str = "",
    fast: bool = False,
) -> Story:
    """One feedparser (or feedparser-rs, `fast`) entry -> a Story. Never raises on odd entries."""
    now = now or datetime.now(UTC)
    fast = fast or escaped_titles
    link = link or _str(entry.get("link")).strip()
    if link and not link.startswith(("http://", "https://")):  # urljoin costs more than the rest of the entry
        try:
            link = urljoin(base_url, link)
        except ValueError:
            link = ""
    summary = _str(entry.get("summary"))
    content = _content(entry)
    if fast:
        summary_base = _base(entry.get("summary_detail"), base_url)
        content_base = summary_base if content == summary else base_url
        for part in _list(entry.get("content")):
            if _str(_field(part, "value")) == content:
                content_base = _base(part, base_url)
                break
        summary = _fast_text(summary, summary_base)
        content = _fast_text(content, content_base)
    title = " ".join(_str(entry.get("title")).split())
    if escaped_titles:
        title = html.unescape(title)  # feedparser-rs leaves "&amp;" in titles where feedparser gives "&"
    if fast and not title.isascii() and _C1.search(title):
        title = repair_c1(title)
    if fast and _RS_REL in title:
        title = title.replace(_RS_REL, "")
    published = _when(entry, "published", now, fast)
    updated = _when(entry, "updated", now, fast)
    if not title:
        # A title-less item (allowed in RSS 2.0): make one from the start of its text.
        text = " ".join(html.unescape(feedparser_strip(summary or content)).split())
        title = (text[:80] + "…") if len(text) > 80 else (text or "(untitled)")
    return Story(
        key=_key(entry, link, title, published or updated),
        title=title,
        url=link,
        authors=_authors(entry),
        published=published,
        updated=updated,
        summary=summary,
        content=content,
        tags=_tags(entry),
    )


def feedparser_strip(html: str) -> str:
    """Markup dropped, for a fallback title only (the shown body goes through extract.html_to_markdown)."""
    out, depth = [], 0
    for ch in html:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif not depth:
            out.append(ch)
    return "".join(out)


def _parse_fast(data: bytes, accept_bozo: bool = False) -> tuple[Any, list[str]] | None:
    """feedparser-rs's reading, and the entries' links where it blanked them; None when it is not sure."""
    limits = feedparser_rs.ParserLimits(max_entries=MAX_ENTRIES)
    try:
        parsed = feedparser_rs.parse_with_limits(data, limits=limits)
    except Exception as exc:  # any failure of the fast (Rust) parser, whatever it raises: the careful one decides
        log.info("feedparser-rs could not read a feed (%s: %s); feedparser reads it", type(exc).__name__, exc)
        return None
    if not parsed.version or (parsed.bozo and not (accept_bozo and parsed.entries)):
        return None
    links = [""] * len(parsed.entries)
    # It blanks links to localhost and private addresses; intranet feeds are real, so read those links ourselves.
    if any(not _field(link, "href") for entry in parsed.entries for link in (entry.get("links") or [])):
        raw = _entry_links(data)
        if raw is None or len(raw) != len(parsed.entries):
            return None
        links = raw
    elif parsed.version.startswith("atom") and any(not entry.get("links") for entry in parsed.entries):
        # An Atom <link> with the URL as its text (no href): feedparser reads it, feedparser-rs does not.
        raw = _entry_links(data)
        if raw is not None and len(raw) == len(parsed.entries):
            links = raw
    return parsed, links


def _entry_links(data: bytes) -> list[str] | None:
    """Each item's or entry's link, in document order, read with lxml (no entities, no network)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    links = []
    for node in root.iter("{*}item", "{*}entry"):
        link = ""
        for child in node.iterchildren("{*}link"):
            href = child.get("href")
            if href is None and child.text and child.text.strip():
                link = child.text.strip()
                break
            if href is not None and child.get("rel", "alternate") == "alternate":
                link = href.strip()
                break
        links.append(link)
    return links


_WIDE = ((b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0", "utf-16-le"), (b"\0<", "utf-16-be"))


def _as_text(data: bytes) -> str:
    """The document as text, well enough to read its markup: wide encodings decoded, the rest byte for byte."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(codec, "replace")
    for start, codec in _WIDE:
        if data.startswith(start):
            return data.decode(codec, "replace")
    return data.decode("latin-1")  # ASCII-compatible: markup characters are where they are, whatever the charset


def declares_entities(data: bytes) -> bool:
    """Whether the document's DOCTYPE declares entities (general or parameter), wherever in the prolog it is.

    Reads the prolog as XML does (comments, processing instructions, quoted strings, the internal subset),
    in UTF-16/32 as in ASCII-compatible encodings, so padding or a wide encoding does not hide a declaration,
    and text after the root element (an article about XML in a description) is never mistaken for one.
    """
    if b"ENTITY" not in data and b"E\0N\0T\0I\0T\0Y" not in data and b"\0E\0N\0T\0I\0T\0Y" not in data:
        return False  # the common case, at C speed
    text = _as_text(data)
    pos, size = 0, len(text)
    while pos < size:
        while pos < size and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if text.startswith("<?", pos):
            end, close = text.find("?>", pos + 2), 2
        elif text.startswith("<!--", pos):
            end, close = text.find("-->", pos + 4), 3
        elif text.startswith("<!DOCTYPE", pos) or text.startswith("<!doctype", pos):
            return _doctype_declares_entities(text, pos + 9)
        else:
            return False  # the root element (or not XML at all): the prolog is over
        if end < 0:
            return False
        pos = end + close
    return False


def _doctype_declares_entities(text: str, pos: int) -> bool:
    subset = False
    size = len(text)
    while pos < size:
        ch = text[pos]
        if ch in "\"'":
            end = text.find(ch, pos + 1)
            if end < 0:
                return False
            pos = end + 1
            continue
        if text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return False
            pos = end + 3
            continue
        if subset and text.startswith("<!ENTITY", pos):
            return True
        if ch == "[":
            subset = True
        elif ch == "]":
            subset = False
        elif ch == ">" and not subset:
            return False
        pos += 1
    return False


def _entity_heavy(data: bytes) -> bool:
    """Whether one text of the document holds more character references than feedparser-rs reads in linear time."""
    if data.count(b"&") <= ENTITY_RUN_MAX:
        return False
    return any(run.count(b"&") > ENTITY_RUN_MAX for run in data.split(b"<") if len(run) > ENTITY_RUN_MAX)


def _xml_parser(recover: bool) -> etree.XMLParser:
    # No entities resolved, no DTD loaded, nothing fetched; libxml2's depth limit (256) kept.
    return etree.XMLParser(recover=recover, resolve_entities=False, no_network=True, load_dtd=False)


def _rewrite(data: bytes, recover: bool) -> tuple[bytes | None, str]:
    """The document parsed by libxml2 and written out again, well-formed, with long texts as CDATA.

    Returns the new bytes (None when nothing could be read) and libxml2's first complaint.
    """
    parser = _xml_parser(recover)
    try:
        root = etree.fromstring(data, parser)
        problem = str(parser.error_log[0].message) if len(parser.error_log) else ""
        if root is None:
            return None, problem or "no XML elements found"
        for node in root.iter(etree.Element):
            if node.text and len(node.text) > ENTITY_RUN_MAX:
                leaf = len(node) == 0 and "]]>" not in node.text
                text = _tame(node.text, "&" if leaf else "&<>")
                node.text = etree.CDATA(text) if leaf else text
            if node.tail and len(node.tail) > ENTITY_RUN_MAX:
                node.tail = _tame(node.tail, "&<>")
        return etree.tostring(root, encoding="utf-8", xml_declaration=True), problem
    except (etree.Error, ValueError) as exc:  # ValueError: UnicodeDecodeError of a broken text, CDATA's checks
        return None, str(exc)


def _tame(text: str, escaped: str) -> str:
    """A long text without XML-invalid characters, cut after ENTITY_RUN_MAX characters that would be references."""
    text = _XML_INVALID.sub("", text)
    if sum(text.count(ch) for ch in escaped) <= ENTITY_RUN_MAX:
        return text
    seen = 0
    for pos, ch in enumerate(text):
        if ch in escaped:
            seen += 1
            if seen > ENTITY_RUN_MAX:
                return text[:pos] + " […]"
    return text


def _feedparser(data: bytes, url: str, content_type: str) -> Any:
    """feedparser's reading, or None when it fails outright. Only for small documents (see LOOSE_MAX_BYTES)."""
    headers = {"content-location": url}
    if content_type:
        headers["content-type"] = content_type
    try:
        # A file object, never bytes: given bytes, feedparser first tries them as a local *file name*, so a server
        # answering "/dev/zero" or "/home/me/secret.xml" would have it read that file.
        return feedparser.parse(
            io.BytesIO(data), response_headers=headers, sanitize_html=True, resolve_relative_uris=True
        )
    except Exception:  # its loose parser raises on some input (UnicodeEncodeError on &#55296;)
        log.info("feedparser could not read a feed either", exc_info=True)
        return None


# Shapes feedparser-rs reads differently from feedparser (measured on feedparser's corpus: bench.feeds conformance),
# rare in real feeds. They are told mostly from what feedparser-rs itself reports (version, namespaces, content
# types), so an ordinary feed costs a few substring searches; a document showing one is read by feedparser instead
# when it is small enough (LOOSE_MAX_BYTES).
_ATOM03 = "atom03"
_DC = "http://purl.org/dc/elements/1.1/"
_ATOM = "http://www.w3.org/2005/Atom"
_DCTERMS = "http://purl.org/dc/terms/"
_XHTML = "http://www.w3.org/1999/xhtml"
_FOREIGN = ("http://www.w3.org/1998/Math/MathML", "http://www.w3.org/2000/svg")
# Namespaces whose elements feedparser-rs reads for what they are. An element of any other one that is named like a
# core element ("szf:description", "r:title" under a prefixed root) it may take for the core one.
_KNOWN_NAMESPACES: tuple[str, ...] = (
    "http://www.w3.org/2005/Atom",
    "http://search.yahoo.com/mrss",
    "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://purl.org/rss/1.0/",
    "http://purl.org/rss/1.0/modules/",
    "http://www.google.com/schemas/play-podcasts/1.0",
    "https://podcastindex.org/namespace/1.0",
    "http://wellformedweb.org/CommentAPI/",
    "http://www.w3.org/XML/1998/namespace",
    "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "http://www.georss.org/georss",
)
_KNOWN_NAMESPACES = tuple(uri.lower() for uri in _KNOWN_NAMESPACES)  # matched case-blind: "…/DTDs/Podcast-1.0.dtd"
# The prefixes feedparser-rs recognises these namespaces by (it matches prefixes, not namespace URIs).
_USUAL_PREFIX = {
    "http://purl.org/rss/1.0/modules/content": "content",
    "http://purl.org/dc/elements/1.1": "dc",
    "http://purl.org/dc/terms": "dcterms",
    "http://www.itunes.com/dtds/podcast-1.0.dtd": "itunes",
    "http://search.yahoo.com/mrss": "media",
    "http://www.w3.org/2005/atom": "atom",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns": "rdf",
    "http://www.georss.org/georss": "georss",
    "http://purl.org/rss/1.0/modules/slash": "slash",
    "http://wellformedweb.org/commentapi": "wfw",
    "http://www.google.com/schemas/play-podcasts/1.0": "googleplay",
    "https://podcastindex.org/namespace/1.0": "podcast",
}
_URI_OF_PREFIX = {prefix: uri for uri, prefix in _USUAL_PREFIX.items()}
_CORE_NAMES = (b"description", b"title", b"link", b"summary", b"author", b"creator")
_BASE64ISH = re.compile(r"\s*[A-Za-z0-9+/]{8,}={0,2}(?:\s+[A-Za-z0-9+/]{4,}={0,2})*\s*")
_OTHER_TYPE = re.compile(rb"""type\s*=\s*["'](?!(?:text|html|xhtml)["']|text/|[^"']*xml["'])""")
_TEXT_CONSTRUCTS = (b"content", b"summary", b"title", b"atom:content", b"atom:summary", b"atom:title")
_RAW_TEXT = re.compile(rb"(?:<|&lt;|&#60;)(?:noscript|iframe|noframes|noembed|xmp)\b", re.I)
_BODY = re.compile(rb"<(?:[\w.-]+:)?body[\s>]")
_NESTED_CATEGORY = re.compile(rb"<category\b[^>/]*>[^<]*<(?![/!])")
_PREFIXED_ROOT = re.compile(rb"<([\w.-]+):(?:rss|feed|rdf|channel)[\s>]", re.I)


def _texts_of(entries: Any) -> list[tuple[str, list[str]]]:
    """Each entry's title and body texts (summary, contents), as feedparser-rs gives them."""
    return [
        (_str(e.get("title")), [_str(e.get("summary")), *(_str(_field(c, "value")) for c in e.get("content") or ())])
        for e in entries
    ]


def _body_signs(texts: list[tuple[str, list[str]]]) -> tuple[bool, bool, bool]:
    """(some entry has no body text, some body holds escaped markup or doubled entities, some text could be base64).

    Plain loops and searches of one joined string: this runs for every feed."""
    bodiless = False
    for _title, bodies in texts:
        for text in bodies:
            if text and not text.isspace():
                break
        else:
            bodiless = True
            break
    joined = "\x00".join(text for _title, bodies in texts for text in bodies)
    escaped = "&lt;" in joined or "&amp;amp;" in joined
    spaceless = [t for title, bodies in texts for t in (title, *bodies) if t and " " not in t]
    base64ish = any(_BASE64ISH.fullmatch(t) for t in spaceless)
    return bodiless, escaped, base64ish


def fast_path_doubt(doc: bytes, parsed: Any = None, stories: list[Story] | None = None) -> str:
    """Why feedparser should read this document rather than feedparser-rs ("" when there is no reason).

    `parsed` is feedparser-rs's reading of `doc` (parsed here when not given); `stories`, when given, are made of
    it already, and their texts are looked at rather than fetched from feedparser-rs again (each fetch copies)."""
    if parsed is None:
        try:
            parsed = feedparser_rs.parse(doc)
        except Exception as exc:  # as in _parse_fast: whatever the Rust parser raises, feedparser reads it
            log.info("feedparser-rs could not read a feed (%s: %s)", type(exc).__name__, exc)
            return "feedparser-rs cannot read it"
    version = parsed.version or ""
    if version == _ATOM03:
        return "Atom 0.3 (escaped and base64 modes, its own date elements)"
    if b"xml:base" in doc and not version.startswith("atom"):
        # feedparser-rs resolves Atom's xml:base (links, and the base of each text); RSS's it ignores.
        return "xml:base in RSS (relative links resolve against it)"
    head = doc[:4096]
    m = _PREFIXED_ROOT.search(head)
    if m and m.group(1).lower() != b"rdf":
        return "a prefixed root element"
    entries = parsed.entries
    for prefix, uri in (parsed.namespaces or {}).items():
        usual = _USUAL_PREFIX.get(uri.lower().rstrip("/#"))
        # feedparser-rs knows these namespaces by their usual prefixes ("content:encoded"), not by their URIs
        unusual = prefix and (usual or prefix in _URI_OF_PREFIX) and usual != prefix
        if unusual and b"<" + prefix.encode("ascii", "replace") + b":" in doc:
            return f"a namespace under an unusual prefix ({prefix}: for {uri})"
        if uri.lower().startswith(_KNOWN_NAMESPACES):
            continue
        tag = b"<" + prefix.encode("ascii", "replace") + (b":" if prefix else b"")
        if uri == _DC:
            if not all(e.get("author") for e in entries) and tag + b"author" in doc:
                return "dc:author (feedparser-rs does not read it)"
        elif uri == _DCTERMS:
            if any(tag + name in doc for name in (b"issued", b"modified", b"created")):
                return "dcterms dates (feedparser-rs does not read them)"
        elif uri == _XHTML:
            if not version.startswith("atom") and tag + b"body" in doc:
                return "an XHTML <body> as the item's body"
        elif uri.startswith(_FOREIGN):
            return "MathML or SVG in content"
        elif prefix and any(tag + name in doc for name in _CORE_NAMES):
            return f"an extension element <{prefix}:…> named like a core one"
    if stories is not None:
        texts = [(story.title, [story.summary, story.content]) for story in stories]
    else:
        texts = _texts_of(entries)
    bodiless, escaped, base64ish = _body_signs(texts)
    if bodiless and (b"MathML" in doc or b"/2000/svg" in doc):
        return "MathML or SVG in content"
    # Inside <noscript>, <iframe>, <noframes>, <noembed>, <xmp> feedparser-rs escapes the markup as text
    # ("&lt;img …&gt;" shown as such) and doubles entities; told by what it wrote, then by the document.
    if escaped and _RAW_TEXT.search(doc):
        return "markup inside <noscript>, <iframe> or the like (feedparser-rs shows it as text)"
    if version.startswith("atom"):
        # feedparser-rs reports a base64 text construct as text/html and leaves it encoded. Text that could be base64
        # (no spaces, base64's alphabet) is rare; only then is the document searched for the type that says so.
        if base64ish:
            for m in _OTHER_TYPE.finditer(doc):
                element = doc[doc.rfind(b"<", 0, m.start()) + 1 : m.start()].split(None, 1)[:1]
                if element and element[0] in _TEXT_CONSTRUCTS:
                    return "base64 content (a non-text type)"
        return ""
    if b"<summary" in doc:
        return "RSS carrying <summary> (feedparser makes it the content)"
    atom_prefix = next((p for p, u in (parsed.namespaces or {}).items() if u == _ATOM and p), "")
    if atom_prefix and not all(e.get("link") and e.get("author") for e in entries):
        first = doc.find(b"<item")
        if first >= 0 and doc.find(b"<" + atom_prefix.encode("ascii", "replace") + b":", first) >= 0:
            return "Atom elements in RSS items (feedparser-rs reads only the channel's atom:link)"
    if bodiless and (b"<fullitem" in doc or _BODY.search(doc)):
        return "<fullitem> or <body> as the item's body"
    first = doc.find(b"<item")
    if first >= 0 and doc.find(b"<image", first) >= 0 and _NESTED_CATEGORY.search(doc, first):
        return "elements inside a <category> (feedparser-rs takes their <link> for the item's)"
    return ""


def parse_feed(data: bytes, url: str, content_type: str = "", keep: int = 0) -> ParsedFeed:
    """Parse feed bytes. Raises FeedError when nothing feed-like can be recovered.

    With keep > 0, a huge well-formed document (HUGE_BYTES or more) is read in chunks of its items keeping the
    `keep` newest (see _parse_huge); `listed` says how many it held. Smaller ones are read whole (the caller caps).
    """
    if not data.strip():
        raise FeedError("the server sent an empty response")
    if declares_entities(data):
        # Feeds have no use for their own entities; declaring them is how billion-laughs and XXE attacks start.
        raise FeedError("refused: the feed declares XML entities (a known attack on feed readers)")
    if data.lstrip()[:1] == b"{":
        return _parse_json(data, url, content_type)
    doc, _encoding = xml_as_utf8(data, content_type)
    # The encoding is decided (the bytes are UTF-8 now, and say so): feedparser, if it reads them, must not decide
    # again from the HTTP header (it takes text/xml without a charset as US-ASCII, RFC 3023).
    content_type = "application/xml"
    problem = None
    if _entity_heavy(doc):
        rewritten, why = _rewrite(doc, recover=False)
        if rewritten is None:
            rewritten, why = _rewrite(doc, recover=True)
            problem = why or "repaired by libxml2"
        if rewritten is None:
            raise FeedError(f"not an RSS or Atom feed ({why})")
        doc = rewritten
    if keep and len(doc) >= HUGE_BYTES:
        huge = _parse_huge(doc, url, keep)
        if huge is not None:
            if problem:
                note = f"the feed is malformed; read what could be recovered ({problem})"
                huge.warning = f"{note}; {huge.warning}" if huge.warning else note
            return huge
    now = datetime.now(UTC)
    fast = _parse_fast(doc)
    parsed, links = fast if fast is not None else (None, [])
    stories: list[Story] | None = None
    if fast is not None:
        stories = _fast_stories(fast[0], links, doc, url, now)
    if fast is not None and len(doc) <= LOOSE_MAX_BYTES:
        # feedparser-rs found no entries (feedparser may: an Atom feed of <item>s), or the document has a shape it
        # misreads: feedparser decides, and its reading is kept when it finds entries.
        doubt = "no entries" if not stories else fast_path_doubt(doc, fast[0], stories)
        careful = _careful(doc, url, content_type) if doubt else None
        if doubt:
            log.debug("%s: read by feedparser (%s)", url, doubt)
        if careful is not None and careful.get("entries") and not (doubt == "no entries" and careful.get("bozo")):
            parsed, fast, links, stories = careful, None, [], None
            if careful.get("bozo"):
                problem = careful.get("bozo_exception")
    if parsed is None and len(doc) <= LOOSE_MAX_BYTES:
        parsed = _careful(doc, url, content_type)
        if parsed is not None and parsed.get("bozo"):
            problem = parsed.get("bozo_exception")
    if parsed is None or not parsed.get("entries"):
        repaired, why = _rewrite(doc, recover=True)
        fast = _parse_fast(repaired, accept_bozo=True) if repaired is not None else None
        if fast is not None and repaired is not None:
            parsed, links = fast
            stories = _fast_stories(parsed, links, repaired, url, now)
            problem = why or "repaired by libxml2"
        elif parsed is None:
            problem = why
    parsed = parsed or {}
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    if not version and not entries:
        head = data.lstrip()[:200].lower()
        if head.startswith((b"{", b"[")):
            raise FeedError("this is JSON, not an RSS or Atom feed")
        if b"<html" in head or b"<!doctype html" in head:
            raise FeedError("this is a web page, not a feed")
        raise FeedError(f"not an RSS or Atom feed ({problem or 'no feed elements found'})")
    feed = parsed.get("feed") or {}
    if fast is None or stories is None:
        stories = [entry_to_story(e, url, now) for e in entries]
    if version.startswith("atom"):
        # An Atom entry without authors has its feed's (RFC 4287, 4.2.1); feedparser-rs applies it, feedparser not.
        inherited = _authors(feed)
        for story in stories if inherited else ():
            if not story.authors:
                story.authors = list(inherited)
    warning = ""
    if problem and not isinstance(problem, feedparser.CharacterEncodingOverride | feedparser.NonXMLContentType):
        warning = f"the feed is malformed; read what could be recovered ({problem})"
    title = " ".join(_str(feed.get("title")).split())
    if fast is not None:
        title = html.unescape(title)
    return ParsedFeed(title=title, link=_str(feed.get("link")) or url, stories=stories, warning=warning)


# A document this big is read in chunks of its items (when well-formed): the whole of a 100,000-item feed (15 MB),
# parsed at once, took the parsing process to 714 MB (feedparser-rs's entries as Python objects, then the stories).
HUGE_BYTES = 2 * 1024 * 1024
CHUNK_ITEMS = 1000
LATE_MAX = 50  # the channel's own elements kept when they come after its items (a title, a link, an image)
_MARK = b"newsreader-items-go-here"


def _parse_huge(doc: bytes, url: str, keep: int) -> ParsedFeed | None:
    """A huge feed read CHUNK_ITEMS items at a time, keeping the `keep` newest; None if it is not well-formed XML
    (the whole-document path, with its repairs, reads it then).

    lxml walks the document once (iterparse, entities unresolved, no network). Each item or entry is serialized as
    it ends and freed; every chunk is a small feed of its own: the root and channel as the document has them
    (attributes, namespaces, xml:base, the feed's title, link and authors) around that chunk's items, read by the
    same parse_feed as any feed, so a story reads the same as it would in a small feed.
    """
    from newsreader.refresh.guard import lap
    from newsreader.refresh.reading import newest  # late: reading imports this module

    events = etree.iterparse(
        io.BytesIO(doc),
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=True,
        strip_cdata=False,
        remove_comments=True,
        remove_pis=True,
    )
    prefix = suffix = b""
    items: list[bytes] = []
    stories: list[Story] = []
    listed = 0
    title = link = ""
    warnings: list[str] = []
    depth = 0
    container: Any = None
    late: list[bytes] = []

    def chunk() -> None:
        nonlocal stories, title, link
        part = parse_feed(b'<?xml version="1.0" encoding="utf-8"?>\n' + prefix + b"".join(items) + suffix, url)
        items.clear()
        lap()  # in a worker under a time limit (refresh.guard), each chunk has the whole of it
        title, link = title or part.title, link or part.link
        if part.warning and part.warning not in warnings:
            warnings.append(part.warning)
        stories.extend(part.stories)
        if len(stories) > keep:
            stories = newest(stories, keep)

    try:
        for event, element in events:
            if event == "start":
                depth += 1
                name = etree.QName(element).localname if isinstance(element.tag, str) else ""
                if name in ("item", "entry") and depth in (2, 3) and not prefix:
                    # The first item: the head is the root and its container as read so far, without the item.
                    container = element.getparent()
                    root = element.getroottree().getroot()
                    shell = copy.deepcopy(root)
                    inner = shell if container is root else shell[root.index(container)]
                    for child in list(inner):
                        if isinstance(child.tag, str) and etree.QName(child).localname in ("item", "entry"):
                            inner.remove(child)
                    inner.append(etree.Comment(_MARK.decode()))
                    head = etree.tostring(shell, encoding="utf-8")
                    prefix, _, suffix = head.partition(b"<!--" + _MARK + b"-->")
                continue
            depth -= 1
            if container is not None and element.getparent() is container and isinstance(element.tag, str):
                if etree.QName(element).localname in ("item", "entry"):
                    items.append(etree.tostring(element, encoding="utf-8", with_tail=False))
                    listed += 1
                    if listed > MAX_ENTRIES:
                        break
                    if len(items) >= CHUNK_ITEMS:
                        chunk()
                elif prefix and len(late) < LATE_MAX:
                    # The channel's own element after its items (its title, say, at the end): read at the end.
                    late.append(etree.tostring(element, encoding="utf-8", with_tail=False))
                # Read and freed: an item's bytes are in the chunk, the channel's own elements in the head.
                element.clear(keep_tail=False)
                while element.getprevious() is not None:
                    del container[0]
    except etree.XMLSyntaxError as exc:
        log.info("%s: not read in chunks (%s); read whole", url, exc)
        return None
    if not prefix:
        return None  # no items at the top: an odd shape, read whole
    if items:
        chunk()
    if late and (not title or link in ("", url)):  # a chunk's link is the feed's address when the head has none
        head = parse_feed(b'<?xml version="1.0" encoding="utf-8"?>\n' + prefix + b"".join(late) + suffix, url)
        title, link = title or head.title, head.link if link in ("", url) else link
    return ParsedFeed(title=title, link=link or url, stories=stories, warning="; ".join(warnings), listed=listed)


def _fast_stories(parsed: Any, links: list[str], doc: bytes, url: str, now: datetime) -> list[Story]:
    entries = parsed.entries
    stories = [
        entry_to_story(e, url, now, escaped_titles=True, link=link) for e, link in zip(entries, links, strict=True)
    ]
    if b"dc:date" in doc and not (b"pubDate" in doc or b"published>" in doc or b"issued>" in doc):
        # feedparser-rs makes dc:date the published date too; feedparser (and the spec's sense) only updated
        for story, entry in zip(stories, entries, strict=True):
            if entry.get("dc_date") and story.updated:
                story.published = None
    return stories


def _careful(doc: bytes, url: str, content_type: str) -> Any:
    # &#55296; is no character; feedparser's loose parser raises on it.
    return _feedparser(_SURROGATE_REFS.sub(b"&#xfffd;", doc) if b"&#" in doc else doc, url, content_type)


def _parse_json(data: bytes, url: str, content_type: str) -> ParsedFeed:
    """A JSON Feed (1.0/1.1), read by feedparser-rs, with what it drops taken from the JSON itself."""
    doc = _LONE_SURROGATE_ESCAPES.sub(rb"\\ufffd", data) if b"\\u" in data else data
    fast = _parse_fast(doc)
    if fast is None or not fast[0].version.startswith("json"):
        raise FeedError("this is JSON, not an RSS or Atom feed")
    parsed, links = fast
    try:
        raw = json.loads(doc)
    except ValueError as exc:  # feedparser-rs read it, so this is unexpected: say so, keep its reading
        log.warning("JSON Feed %s: feedparser-rs read it, json did not (%s)", url, exc)
        raw = {}
    items = raw.get("items") if isinstance(raw, dict) else None
    if not isinstance(items, list) or len(items) != len(parsed.entries):
        items = [{}] * len(parsed.entries)
    now = datetime.now(UTC)
    stories = []
    for entry, link, item in zip(parsed.entries, links, items, strict=True):
        item = item if isinstance(item, dict) else {}
        if not (link or _str(entry.get("link"))):
            link = _str(item.get("external_url")).strip()
        story = entry_to_story(entry, url, now, escaped_titles=True, link=link)
        if isinstance(item.get("summary"), str):
            story.summary = _str(item["summary"])  # plain text in JSON Feed: never HTML-escaped
        text = item.get("content_text")
        if isinstance(text, str) and not isinstance(item.get("content_html"), str):
            # content is HTML to the reader; plain text is escaped and its blank lines kept as paragraphs
            paragraphs = (html.escape(p.strip(), quote=False) for p in re.split(r"\n\s*\n", _str(text)) if p.strip())
            story.content = "".join(f"<p>{p}</p>" for p in paragraphs)
        guid = item.get("id")
        if isinstance(guid, int | float) and not isinstance(guid, bool) and not _str(entry.get("id")):
            story.key = str(guid)  # 1.0 feeds give numbers; the spec says strings, readers take both
        stories.append(story)
    feed = parsed.get("feed") or {}
    title = html.unescape(" ".join(_str(feed.get("title")).split()))  # feedparser-rs escapes JSON's plain text
    return ParsedFeed(title=title, link=_str(feed.get("link")) or url, stories=stories)
