"""A story's page -> Article: metadata from JSON-LD, Open Graph and the visible page; the body via trafilatura.

The page is read once with lxml. Metadata and what the reader shows apart from the body (the headline, photo
caption, credit and byline lines, "Latest news" lists) are found on that tree, which is never changed. trafilatura
then reads the whole page (measured on ../shared/eval/extraction: cutting markup out before it looks removed real
paragraphs), and of its output only the blocks that are exactly one of those identified parts are taken out.
An exception while extracting is a bug: it is logged with the URL and raised as ExtractError, never hidden.
"""

from __future__ import annotations

import codecs
import json
import logging
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree

from newsreader import safe
from newsreader.links import links_in
from newsreader.model import Article, Image, Related

log = logging.getLogger(__name__)


class ExtractError(Exception):
    """Extraction of a page failed (a bug, logged with the URL); the story keeps its feed text."""


# schema.org types that describe a story, most specific first.
ARTICLE_TYPES = [
    "newsarticle",
    "reportagenewsarticle",
    "analysisnewsarticle",
    "opinionnewsarticle",
    "backgroundnewsarticle",
    "liveblogposting",
    "article",
    "blogposting",
    "webpage",
]
CREDIT = re.compile(
    r"^\s*(?:original\s+authors?|authors?|written\s+by|text|reporting\s+by|by|авторы|автор\s+текста|автор)\s*[:：]?\s*(.+?)\s*$",
    re.IGNORECASE,
)
BY_PREFIX = re.compile(r"^\s*(?:by|от)\s+", re.IGNORECASE)
NAME_SEPARATOR = re.compile(r"\s*(?:,|;|&|\band\b|\bи\b)\s*", re.IGNORECASE)
CAPTION_START = re.compile(
    r"^\s*(?:photo(?:graph)?s?|image|picture|фото|снимок)\s*(?::|/|©|by\b|credit)", re.IGNORECASE
)
CAPTION_CLASS = re.compile(r"caption|credit|photo-?text|image-?desc", re.IGNORECASE)
BYLINE_CLASS = re.compile(r"(^|[-_ ])(byline|author|authors|author-name|writer)([-_ ]|$)", re.IGNORECASE)
RELATED_HEADING = re.compile(
    r"^(latest|related|more|read\s+(also|more|this|next)|see\s+also|recommended|popular|top|most\s+read|other|"
    r"recently|trending|up\s+next|what\s+to\s+read|further\s+reading|editor'?s?\s+picks?|don'?t\s+miss|"
    r"you\s+(may|might)\s+(also\s+)?(like|enjoy)|also\s+(on|in|from))\b.*"
    r"|.*\b(news|stories|articles|headlines|posts|reads)$",
    re.IGNORECASE,
)
RELATED_LINK_SHARE = 0.5  # of a related list's text (its heading aside) that is link text, at least
RELATED_HEADING_XPATH = "./*[self::h2 or self::h3 or self::h4 or self::header or self::strong][1]"
RELATED_CLASS = re.compile(r"related|latest|more-news|read-also|see-also|recommend", re.IGNORECASE)
META_SCAN_BYTES = 4096
TITLE_SEPARATOR = re.compile(r"\s+(?:[|–—\-»·]|::)\s+")


# -- decoding -------------------------------------------------------------------------------------------


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        found = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    # Pages labelled Latin-1 use windows-1252's curly quotes and dashes; browsers read them so too.
    return "cp1252" if found == "iso8859-1" else found


def _meta_charset(data: bytes) -> str | None:
    """The charset a page declares in <meta charset> or <meta http-equiv="Content-Type"> near its start."""
    from selectolax.lexbor import LexborHTMLParser

    # Latin-1 maps every byte to one character, so the ASCII markup reads right whatever the real encoding.
    head = LexborHTMLParser(data[:META_SCAN_BYTES].decode("latin-1"))
    for meta in head.css("meta[charset], meta[http-equiv][content]"):
        declared = meta.attributes.get("charset")
        if declared is None and (meta.attributes.get("http-equiv") or "").lower() == "content-type":
            declared = _charset_param(meta.attributes.get("content"))
        name = _codec(declared)
        if name:
            # A page cannot really be UTF-16 if its meta tag was readable as ASCII (the HTML standard says so too).
            return "utf-8" if name.startswith("utf-16") else name
    return None


def _charset_param(content_type: str | None) -> str | None:
    for part in (content_type or "").split(";")[1:]:
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            return value
    return None


def decode_html(data: bytes | str, content_type: str | None = None) -> str:
    """Page bytes -> text. Never raises.

    A byte-order mark wins (as in browsers: it cannot be there by accident), then the HTTP charset, then the
    page's <meta> charset, then UTF-8, then windows-1252. A declaration the bytes contradict is tried after UTF-8.
    """
    if isinstance(data, str):
        return data
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(name, errors="replace")
    declared = _codec(_charset_param(content_type)) or _meta_charset(data)
    if declared:
        try:
            return data.decode(declared)
        except UnicodeDecodeError:
            pass  # the declaration lies, or the page has a few bad bytes: UTF-8 decides which
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(declared or "windows-1252", errors="replace")


# -- small helpers -------------------------------------------------------------------------------------


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


def _text(node: Any) -> str:
    # Comments and processing instructions sit among elements (getnext() returns them) but have no text_content().
    return _clean(node.text_content()) if node is not None and isinstance(node.tag, str) else ""


def _next_element(node: Any) -> Any | None:
    """The next sibling that is an element: comments and processing instructions skipped."""
    return next((s for s in node.itersiblings() if isinstance(s.tag, str)), None)


def _date(value: Any) -> datetime | None:
    """An ISO 8601 or RFC 2822 date, its UTC offset kept (a page's local time stays local); naive means UTC."""
    text = _clean(value)
    if not text or len(text) > 64 or not text[:1].isalnum():
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _unique(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for value in values:
        value = _clean(value)
        if value and value.casefold() not in seen:
            seen[value.casefold()] = value
    return list(seen.values())


def _classes(node: Any) -> str:
    return " ".join(filter(None, (node.get("class"), node.get("id"))))


def _same_image(a: str, b: str) -> bool:
    return bool(a and b) and urlsplit(a).path.rstrip("/") == urlsplit(b).path.rstrip("/")


# -- JSON-LD and meta ----------------------------------------------------------------------------------


def _ld_objects(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, list):
        for item in value:
            yield from _ld_objects(item)
    elif isinstance(value, dict):
        yield value
        if "@graph" in value:
            yield from _ld_objects(value["@graph"])


def _json_ld(tree: Any) -> dict[str, Any]:
    """The page's schema.org article object, if it has one; a NewsArticle before a WebPage of the same graph."""
    best: tuple[int, dict[str, Any]] | None = None
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        try:
            data = json.loads(script.text or "")
        except ValueError:
            continue
        for obj in _ld_objects(data):
            kinds = obj.get("@type") or []
            kinds = [kinds] if isinstance(kinds, str) else kinds
            ranks = [ARTICLE_TYPES.index(str(k).lower()) for k in kinds if str(k).lower() in ARTICLE_TYPES]
            if ranks and obj.get("headline", obj.get("name")) and (best is None or min(ranks) < best[0]):
                best = (min(ranks), obj)
    return best[1] if best else {}


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [value.get("name", "")] if value.get("@type", "Person") != "Organization" else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _first_url(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return str(value.get("url") or value.get("contentUrl") or "")
    if isinstance(value, list) and value:
        return _first_url(value[0])
    return ""


OG_OF_STORY = ("og:title", "og:description", "og:image", "og:image:url", "og:image:secure_url", "og:type", "og:url")


def _meta(tree: Any, page_url: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for node in tree.xpath("//meta[@content]"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "").lower().strip()
        if key:
            found.setdefault(key, []).append(_clean(node.get("content")))
    # A story page whose Open Graph tags describe the site's home page (og:url is the site's root) carries the
    # site's title and logo in them, the same on every page: they say nothing of this story.
    og_url = urlsplit(_first(found, "og:url"))
    if og_url.netloc and og_url.path in ("", "/") and urlsplit(page_url).path not in ("", "/"):
        for key in OG_OF_STORY:
            found.pop(key, None)
    return found


# -- the visible page ----------------------------------------------------------------------------------


def _credits(tree: Any) -> list[tuple[Any, str]]:
    """In-text author credits ("Original Author: NAME") as (element, name)."""
    found = []
    for node in tree.xpath(
        "//body//*[self::p or self::div or self::span or self::address][not(*[self::p or self::div])]"
        "[contains(., ':') or contains(., '：')][string-length(normalize-space(.)) <= 120]"  # filtered in C: fast
    ):
        text = _text(node)
        if not text or len(text) > 120:
            continue
        match = CREDIT.match(text)
        if match and len(match.group(1).split()) <= 6 and (":" in text or "：" in text):
            found.append((node, match.group(1)))
    return found


def _split_names(credit: str) -> list[str]:
    """ "Timur Bekov, Ainur Ospan and Dana K." -> each name."""
    return [name for name in NAME_SEPARATOR.split(credit) if name]


def _bylines(tree: Any) -> list[tuple[Any, str]]:
    found = []
    # Narrowed in C before the exact test (most pages have thousands of classed elements); the stems leave out
    # the first letter so "Author" and "author" both pass.
    stems = " or ".join(f"contains(@{a}, '{stem}')" for a in ("class", "id") for stem in ("uthor", "yline", "riter"))
    candidates = f'//body//*[@rel="author" or @itemprop="author" or {stems}]'
    for node in tree.xpath(candidates):
        if node.get("rel") != "author" and node.get("itemprop") != "author" and not BYLINE_CLASS.search(_classes(node)):
            continue
        text = _text(node)
        if not text or len(text) > 80:
            continue
        text = BY_PREFIX.sub("", CREDIT.sub(r"\1", text))
        found.append((node, text))
    return found


def _caption_for(tree: Any, image_url: str, page_url: str) -> tuple[str, Any]:
    """The caption or credit shown with the lead image, and the element that holds the image."""
    holder = None
    for img in tree.xpath("//body//img[@src]"):
        if _same_image(urljoin(page_url, img.get("src")), image_url):
            holder = img
            break
    if holder is None:
        figures = tree.xpath("//body//figure[.//img]")
        holder = figures[0].xpath(".//img")[0] if figures else None
    if holder is None:
        # No og:image and no <figure>: the first picture that has a caption beside it.
        holder = next((img for img in tree.xpath("//body//img[@src]") if _caption_beside(img) is not None), None)
    if holder is None:
        return "", None
    figure = next((a for a in holder.iterancestors() if a.tag == "figure"), None)
    if figure is not None:
        caption = figure.xpath(".//figcaption")
        if caption:
            return _text(caption[0]), figure
    beside = _caption_beside(holder)
    if beside is not None:
        # The image's container holds the caption too (when the caption is the container's sibling, just the image).
        container = holder.getparent() if _next_element(holder) is beside else holder
        return _text(beside), container if container is not None and container.tag != "body" else holder
    return "", figure if figure is not None else holder


def _caption_beside(img: Any) -> Any | None:
    """A caption as the image's own next sibling, or its container's: by class, or by a "Photo..." start."""
    for node in (img, img.getparent()):
        sibling = _next_element(node) if node is not None else None
        if sibling is not None and (CAPTION_CLASS.search(_classes(sibling)) or CAPTION_START.match(_text(sibling))):
            return sibling
    return None


def _related(tree: Any, page_url: str) -> tuple[list[Related], list[Any]]:
    """Lists of other headlines ("Latest news", "Related", ...) and the elements that hold them."""
    related: list[Related] = []
    blocks: list[Any] = []
    for block in tree.xpath("//body//*[self::aside or self::section or self::div or self::nav]"):
        heading = block.xpath(RELATED_HEADING_XPATH)
        title = _text(heading[0]) if heading else ""
        if not (RELATED_CLASS.search(_classes(block)) or (title and len(title) < 40 and RELATED_HEADING.match(title))):
            continue
        if any(b in block.iterancestors() for b in blocks):
            continue
        links = block.xpath(".//a[@href]")
        if len(links) < 2 or not _mostly_links(block, links, title):
            continue
        blocks.append(block)
        for a in links:
            url = urljoin(page_url, a.get("href"))
            text = _text(a)
            if (
                text
                and url.startswith(("http://", "https://"))
                and url != page_url
                and all(r.url != url for r in related)
            ):
                related.append(Related(text, url))
    return related, blocks


CARD_HEADINGS = ("h2", "h3", "h4", "h5")
CARD_PARTS = (
    "self::p or self::h2 or self::h3 or self::h4 or self::h5 or self::li or self::div[not(*)] or self::span[not(*)]"
)
CARD_MAX = 600  # characters: a card is a headline and a teaser, never a section of the story
CARD_DEPTH = 5  # levels from a card's heading up to the parent of its card
CARDS_MIN = 3  # siblings of one shape, each a card: a list of other stories


def _cards(tree: Any, page_url: str) -> list[Any]:
    """Cards of other stories: at least CARDS_MIN sibling elements of the same tag and class, each short, each
    with a heading (one or two: a category line may be one) linking to a page of its own on this site, not this
    page (a teaser list: "More from ...", a grid of posts). A list of other sites' pages (tools, shops, sources)
    under linked headings is the story's own, and stays."""
    found: list[Any] = []
    declared = tree.xpath("//link[@rel='canonical']/@href | //meta[@property='og:url']/@content")
    addresses = [urlsplit(urljoin(page_url, u.strip())) for u in [page_url, *declared]]
    site = {u.hostname for u in addresses} - {None}
    here = {u.path.rstrip("/") for u in addresses}  # the page itself, by any of its own addresses
    # Only the few elements that hold a linked heading can be cards: found from those headings up (fast).
    groups: dict[tuple[Any, str, str], None] = {}
    for heading in _linked_headings(tree):
        node = heading
        for _ in range(CARD_DEPTH):
            parent = node.getparent()
            if parent is None or parent.tag == "body":
                break
            groups.setdefault((parent, node.tag, node.get("class") or ""), None)
            node = parent
    for parent, tag, klass in groups:
        # Siblings of one kind: the same tag, and a class in common (a grid marks its first and last "alpha",
        # "omega", "first", "last"), or no class at all.
        tokens = set(klass.split())
        members = [
            c
            for c in parent
            if c.tag == tag
            and (set((c.get("class") or "").split()) & tokens or not (tokens or c.get("class", "").split()))
        ]
        if len(members) >= CARDS_MIN:
            targets: list[set[str]] = []
            for node in members:
                if _longer_than(node, CARD_MAX):
                    break
                heads = _linked_headings(node)
                if not 1 <= len(heads) <= 2:
                    break
                links = [
                    urlsplit(urljoin(page_url, a.get("href").strip())) for h in heads for a in h.xpath(".//a[@href]")
                ]
                targets.append({u.path.rstrip("/") for u in links if u.hostname in site} - {""} - here)
            else:
                # Each card links to a story no other card links to (a category shared by all is no story).
                if all(t - set().union(*(o for j, o in enumerate(targets) if j != i)) for i, t in enumerate(targets)):
                    found.extend(m for m in members if not any(m is f for f in found))
    return found


def _card_texts(card: Any) -> list[str]:
    """What a card's blocks read as: each part, and its heading and blurb as one line (as a list item is)."""
    parts = [_text(n) for n in card.xpath(f"descendant-or-self::*[{CARD_PARTS}]")]
    return [
        *parts,
        " ".join(_text(n) for n in card.xpath(".//*[self::h2 or self::h3 or self::h4 or self::h5 or self::p]")),
    ]


def _longer_than(node: Any, limit: int) -> bool:
    """Whether a node's text (spaces aside) is longer than limit: read only as far as needed."""
    size = 0
    for piece in node.itertext():
        size += len(piece) - piece.count(" ") - piece.count("\n") - piece.count("\t")
        if size > limit:
            return True
    return False


def _linked_headings(node: Any) -> list[Any]:
    """The h2-h5 headings under a node (itself left out) that hold a link; by iteration (an XPath over every
    element is slow on deep pages)."""
    return [h for h in node.iterdescendants(*CARD_HEADINGS) if any(a.get("href") for a in h.iter("a"))]


def _mostly_links(block: Any, links: list[Any], heading: str) -> bool:
    """A list of headlines is mostly link text; a section of the story under a heading such as "More ways to ..."
    or "Top 10 ..." is mostly prose (measured: taking those for lists cut real paragraphs from bodies)."""
    linked = sum(len(_text(a)) for a in links)
    return linked >= RELATED_LINK_SHARE * max(1, len(_text(block)) - len(heading))


CALL_TO_ACTION = re.compile(
    r"(^|[-_ ])(subscribe|subscription|newsletter|signup|sign-up|paywall|cookie|cookies|consent|promo|donate)"
    r"([-_ ]|$|box|block|banner|cta)",
    re.IGNORECASE,
)
CALL_TO_ACTION_MAX = 200  # characters: a call to action is a line, never a paragraph of the story


def _calls_to_action(tree: Any) -> list[str]:
    """Short boxes the page itself marks as a call to action or an ad ("Subscribe to our channel..."), as text.
    Only their exact text leaves the body: unlike cutting such containers, a real paragraph cannot go with them."""
    stems = " or ".join(
        f"contains(@class, '{s}') or contains(@id, '{s}')"
        for s in (
            "ubscri",
            "ewslet",
            "romo",
            "cta",
            "onat",
            "har",
            "ocial",
            "ollow",
            "ookie",
            "onsent",
            "aywall",
            "dvert",
            "ad",
        )
    )
    found = []
    for node in tree.xpath(f"//body//*[{stems}][string-length(normalize-space(.)) <= {CALL_TO_ACTION_MAX}]"):
        if CALL_TO_ACTION.search(_classes(node)):
            text = _text(node)
            if text:
                found.append(text)
    return found


def _tags(tree: Any) -> list[str]:
    nodes = tree.xpath('//body//a[@rel="tag"] | //body//*[contains(@class, "tags")]//a')
    return _unique(_text(n) for n in nodes)


# -- the body ------------------------------------------------------------------------------------------

MD_MARKUP = re.compile(r"^\s*(?:[#>*+-]+|\d+[.)])\s+|[*_`#|\\]")
MD_LINK_TEXT = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
PRUNED_SHORT = 500  # characters: a body this short after pruning hidden parts is read again without pruning
LEADING_MIN = 12  # an identified line shorter than this is too common a phrase to cut from a block's start
REPEAT_MIN = 80  # a block this long seen twice is the page's markup repeating itself (print and screen copies)


def _plain_key(text: str) -> str:
    """A block of Markdown (or an element's text) as comparable words: markup, link targets and case gone."""
    return " ".join(MD_MARKUP.sub(" ", MD_LINK_TEXT.sub(r"\1", text)).split()).strip(" .:;,-–—").casefold()


LINKS_ONLY = re.compile(r"^(?:\s*(?:[-*+]|\d+[.)])?\s*[*_]*\[[^\]]*\]\([^)]*\)[*_]*)+\s*$")
# Links to the previous and next posts: a block of nothing but links and separators, a link marked with an arrow
# or guillemet ("« Older post | Main | Newer post »"). Where it stands it is the site's navigation, not the story.
ARROWS = "«»‹›←→"
TEXT_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\([^)]*\)")  # a link, not a picture
NAV_REST = re.compile(rf"^[\s|•·:/\\*_{ARROWS}-]*$")
ARROW_BESIDE = re.compile(rf"\)\s*[{ARROWS}]|[{ARROWS}]\s*\[")


def _post_navigation(block: str) -> bool:
    texts = [t.strip(" *_") for t in TEXT_LINK.findall(block)]
    if not texts or not NAV_REST.match(TEXT_LINK.sub("", block)):
        return False
    return any(t[:1] in ARROWS or t[-1:] in ARROWS for t in texts if t) or bool(ARROW_BESIDE.search(block))


class _Apart:
    """What the reader shows apart from the body, each identified on the page, as block keys to leave out.

    `texts` (headline, caption, credit and byline lines) go wherever they stand. A related headline goes only as a
    link (the same words as a heading or sentence are the story's), and a related list's heading only right above
    such links.
    """

    def __init__(self, texts: Iterable[str], headlines: Iterable[str], headings: Iterable[str]) -> None:
        texts = [_clean(t) for t in texts]
        self.texts = {key for key in map(_plain_key, texts) if key}
        self.leading = sorted({t for t in texts if len(t) >= LEADING_MIN}, key=len, reverse=True)
        self.headlines = {key for key in map(_plain_key, headlines) if key}
        self.headings = {key for key in map(_plain_key, headings) if key}

    def holds(self, block: str) -> bool:
        key = _plain_key(block)
        return key in self.texts or (key in self.headlines and bool(LINKS_ONLY.match(block)))

    def strip(self, block: str) -> str:
        """The block without an identified line glued to its start (a page cut short runs headline, caption and
        first paragraph together)."""
        changed = True
        while changed:
            changed = False
            for text in self.leading:
                for mark in ("", "**", "__", "*", "_"):
                    start = f"{mark}{text}{mark}"
                    if (
                        block[: len(start)].casefold() == start.casefold()
                        and block[len(start) : len(start) + 1].isspace()
                    ):
                        block, changed = block[len(start) :].lstrip(), True
                        break
        return block

    def heads(self, block: str) -> bool:
        return _plain_key(block) in self.headings


def _is_list(block: str) -> bool:
    return all(re.match(r"\s*(?:[-*+]|\d+[.)])\s", line) for line in block.splitlines() if line.strip())


# Not the story, by what the page itself declares: hidden, and ARIA landmarks and widgets that are not content
# (a video player's dialogs, menus). Measured on the development set: +0.001 F1, nothing lost.
PRUNE_XPATH = [
    "//*[@hidden or @aria-hidden='true']",
    "//*[contains(translate(@style, ' ', ''), 'display:none')]",
    "//dialog",
    "//*[@role='dialog' or @role='alertdialog' or @role='navigation' or @role='banner' or @role='contentinfo'"
    " or @role='search' or @role='menu' or @role='menubar' or @role='toolbar']",
]


LAYOUT_CELL = 400  # characters: a table cell this long holds running text, so its table lays out the page


def _layout_cells(block: str) -> list[str] | None:
    """A Markdown table that lays out a page (a cell of running text) as its cells, one block each, without the
    cells that are only links (its menus); None for a table of data, or a block that is no table."""
    rows = block.splitlines()
    if not rows or not all(r.lstrip().startswith("|") for r in rows):
        return None
    cells = [c.strip() for r in rows for c in r.strip().strip("|").split(" | ")]
    if not any(len(c) > LAYOUT_CELL for c in cells):
        return None
    return [c for c in cells if c and not set(c) <= set("-: ") and not LINKS_ONLY.match(c)]


# trafilatura writes these three as HTML inside its Markdown (Markdown has no syntax for them). The reader's text
# is Markdown without raw HTML: underlining goes (a terminal shows links its own way), and a superscript or
# subscript becomes its Unicode character where there is one for each of its characters ("m²", "H₂O"), else its
# text as it is (a footnote mark "[4]").
INLINE_HTML = re.compile(r"<(sup|sub|u)>(.*?)</\1>", re.DOTALL)
CODE_SPANS = re.compile(r"(```.*?```|`[^`\n]*`)", re.DOTALL)
SCRIPTS = {
    "sup": str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ"),
    "sub": str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎"),
}


def _script(match: re.Match[str]) -> str:
    tag, inner = match.group(1), match.group(2)
    table = SCRIPTS.get(tag)
    if table and inner and all(ord(c) in table for c in inner):
        return inner.translate(table)
    return inner


def _without_inline_html(markdown: str) -> str:
    """trafilatura's Markdown with its <sup>, <sub> and <u> written out, code left exactly as it is."""
    if "<" not in markdown:
        return markdown
    pieces = CODE_SPANS.split(markdown)  # odd pieces are code
    return "".join(p if i % 2 else INLINE_HTML.sub(_script, p) for i, p in enumerate(pieces))


def _body(tree: Any, url: str, apart: _Apart, lead_image: str = "") -> str:
    import trafilatura  # 0.2 s to import: only when a page is extracted, never at start-up

    # Options chosen on ../shared/eval/extraction (docs/BENCHMARKS-extract.md): comments are not the story;
    # favor_recall keeps the paragraphs the default drops; images change which block trafilatura picks (-0.008 F1).
    options: dict[str, Any] = dict(
        url=url,
        output_format="markdown",
        include_links=True,
        include_images=False,
        include_tables=True,
        include_comments=False,
        favor_recall=True,
        deduplicate=False,
    )
    markdown = trafilatura.extract(tree, prune_xpath=PRUNE_XPATH, **options) or ""
    if len(markdown) < PRUNED_SHORT:
        # A page that marks its whole content hidden (a modal's wrapper, say) is read again without the pruning.
        unpruned = trafilatura.extract(tree, **options) or ""
        markdown = unpruned if len(unpruned) > 2 * len(markdown) else markdown
    markdown = _without_inline_html(markdown.replace("\r", ""))
    found = [b.strip() for b in markdown.split("\n\n") if b.strip()]
    found = [cell for b in found for cell in (_layout_cells(b) or [b])]
    kept: list[str] = []
    seen: set[str] = set()
    for block in found:
        if _is_list(block):
            items = [line for line in block.splitlines() if line.strip() and not apart.holds(line)]
            block = "\n".join(items)
        block = apart.strip(block)
        if not block or apart.holds(block) or _post_navigation(block):
            if kept and apart.heads(kept[-1]):
                kept.pop()  # the heading of a related list just left out
            continue
        key = _plain_key(block)
        if len(key) >= REPEAT_MIN and key in seen:
            continue
        seen.add(key)
        kept.append(block)
    # Only what was identified is left out; if that was everything, the identification was wrong.
    return "\n\n".join(_with_images(tree, kept or found, url, lead_image))


TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre")
IMAGE_KEY = 60  # characters of a block's words that place a picture: enough to tell paragraphs apart


WORDS = re.compile(r"\w+")


def _start_key(text: str) -> str:
    """The first words of a text, lower case: what places a picture between the blocks the body kept."""
    return " ".join(WORDS.findall(text[: 4 * IMAGE_KEY])).casefold()[:IMAGE_KEY]


def _node_start(node: Any) -> str:
    parts: list[str] = []
    size = 0
    for piece in node.itertext():  # not all of a long element's text: its start is enough
        parts.append(piece)
        size += len(piece)
        if size > 4 * IMAGE_KEY:
            break
    return _start_key("".join(parts))


def _with_images(tree: Any, blocks: list[str], url: str, lead_image: str) -> list[str]:
    """The body's pictures put back where they stand, each after the block it follows on the page.

    trafilatura reads the text without them (with them it picks other blocks on some pages); a picture counts as
    the story's only when body text comes both before and after it on the page, and the lead photo is shown apart.
    """
    pictures = [
        img
        for img in tree.xpath("//body//img[@src]")
        if not img.get("src").strip().startswith("data:") and not _same_image(urljoin(url, img.get("src")), lead_image)
    ]
    if not blocks or not pictures:
        return blocks
    index = {_start_key(MD_LINK_TEXT.sub(r"\1", b)): i for i, b in enumerate(blocks)}
    after: dict[int, list[str]] = {}
    last: int | None = None
    waiting: list[str] = []
    for node in tree.iter("img", *TEXT_BLOCKS):
        if node.tag != "img":
            i = index.get(_node_start(node))
            if i is not None:
                if last is not None and waiting:
                    after.setdefault(last, []).extend(waiting)
                last, waiting = i, []
            continue
        src = (node.get("src") or "").strip()
        if last is None or not src or src.startswith("data:") or _same_image(urljoin(url, src), lead_image):
            continue
        link = f"![{_escape(_clean(node.get('alt')))}]({urljoin(url, src).replace(' ', '%20').replace(')', '%29')})"
        if link not in waiting and all(link not in b for b in blocks):
            waiting.append(link)
    if not after:
        return blocks
    return [b + "".join(f"\n\n{link}" for link in after.get(i, [])) for i, b in enumerate(blocks)]


# -- the whole ---------------------------------------------------------------------------------------


def _parse(text: str) -> Any:
    # Comments and processing instructions dropped as trafilatura's own loader does: left in, conditional comments
    # (<!--[if !IE]>...) reach the body as text and move its choice of block (measured on the development set).
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True, collect_ids=False)
    try:
        tree = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None
    _place_streamed(tree)
    return tree


def _place_streamed(tree: Any) -> None:
    """Content a page streams in after its shell, put where the page's own script puts it.

    React's streaming server rendering (Next.js and others) sends a placeholder `<template id="B:1">` (or "P:1")
    where a part of the page will stand, then the part itself later as `<div hidden id="S:1">`, and a script that
    moves it in: without the move the story is hidden, at the end of the page, and left out with the hidden parts.
    """
    parts = tree.xpath("//div[@hidden][starts-with(@id, 'S:')]")
    if not parts:
        return
    holders = {t.get("id"): t for t in reversed(list(tree.iter("template"))) if t.get("id")}  # the first of an id
    for part in parts:
        number = part.get("id")[2:]
        holder = holders.get(f"B:{number}", holders.get(f"P:{number}"))
        if holder is None:
            continue
        if holder.getparent() is None or any(a is part for a in holder.iterancestors()):
            continue
        children, text, after = list(part), part.text or "", holder.tail or ""
        part.text = None
        part.drop_tree()  # its tail is the text that followed it: drop_tree keeps that in place
        for child in reversed(children):
            holder.addnext(child)  # each keeps its own tail
        if children:
            children[-1].tail = (children[-1].tail or "") + after
            holder.tail = text
        else:
            holder.tail = text + after
        holder.drop_tree()


def extract_article(html: str | bytes, url: str, content_type: str | None = None) -> Article:
    """Everything the reader shows of a story's page; junk in, a sparse Article out.

    Raises ExtractError when extraction itself fails: that is a bug, logged here with the URL and the traceback,
    and the caller keeps the story's feed text with the error shown.
    """
    try:
        return _extract(html, url, content_type)
    except RecursionError as exc:  # lxml and trafilatura recurse into the tree: a page nested beyond any reason
        log.warning("extraction of %s: the page is nested too deeply", url)
        raise ExtractError("the page is nested too deeply to read") from exc
    except Exception as exc:  # an extraction bug must be reported, never turned into an empty story
        log.exception("extraction of %s failed", url)
        raise ExtractError(f"extraction failed ({type(exc).__name__}: {exc})") from exc


def _extract(html: str | bytes, url: str, content_type: str | None) -> Article:
    text = safe.document(decode_html(html, content_type))  # before parsing: see render.present
    tree = _parse(text) if text.strip() else None
    if tree is None:
        return Article(url=url)
    ld = _json_ld(tree)
    meta = _meta(tree, url)
    site = _site(ld, meta, tree)
    article = Article(
        url=url,
        title=_title(ld, meta, tree, site),
        site=site,
        published=_published(ld, meta, tree),
        updated=_updated(ld, meta, tree),
        section=_section(ld, meta),
        tags=_unique([*_keywords(ld), *(meta.get("article:tag") or []), *_tags(tree)]),
    )
    credits, bylines = _credits(tree), _bylines(tree)
    article.authors = _authors(ld, meta, [name for _, name in [*bylines, *credits]], site)

    image_url = _first_url(ld.get("image")) or _first(meta, "og:image")
    image_url = urljoin(url, image_url) if image_url else ""
    caption, image_holder = _caption_for(tree, image_url, url)
    if not image_url and image_holder is not None:
        img = image_holder if image_holder.tag == "img" else next(iter(image_holder.xpath(".//img[@src]")), None)
        image_url = urljoin(url, img.get("src")) if img is not None else ""
    article.image = Image(image_url, caption) if image_url else None

    article.related, related_blocks = _related(tree, url)
    # Shown apart from the body, so left out of it: each of these was found on the page, by its element.
    apart = _Apart(
        [
            article.title,
            caption,
            *(_text(node) for node, _ in [*credits, *bylines]),
            *_calls_to_action(tree),
            *(text for card in _cards(tree, url) for text in _card_texts(card)),
        ],
        [r.title for r in article.related],
        [_text(h) for b in related_blocks for h in b.xpath(RELATED_HEADING_XPATH)],
    )
    article.text = _body(tree, url, apart, image_url)
    article.links = links_in(article.text)
    return article


def _first(meta: dict[str, list[str]], key: str) -> str:
    return (meta.get(key) or [""])[0]


def _site(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any) -> str:
    publisher = ld.get("publisher")
    name = _clean(publisher.get("name")) if isinstance(publisher, dict) else ""
    if name or _first(meta, "og:site_name"):
        return name or _first(meta, "og:site_name")
    # "Headline | Site": the <title>'s last part, when the page names itself nowhere else.
    parts = TITLE_SEPARATOR.split(_text(next(iter(tree.xpath("//title")), None)))
    shortest = min(parts, key=len)
    return shortest if len(parts) > 1 and len(shortest) <= 40 else ""


TITLE_AGREES = 12  # characters: a heading this short ("WIRED", "News") agrees with any title by accident


def _agrees(heading: str, declared: str) -> bool:
    """A visible heading and a declared title name the same story: one is the other, or its start ("Headline |
    Site", or a JSON-LD headline cut to 110 characters)."""
    a, b = heading.casefold(), declared.rstrip(".… ").casefold()
    if len(min(a, b, key=len)) < TITLE_AGREES:
        return False
    # The heading whole, the declared title cut short; or the title the heading and then the site after a
    # separator (not "Breaking news: ..." under a section heading "Breaking news").
    return a.startswith(b) or (b.startswith(a) and bool(TITLE_SEPARATOR.match(b[len(a) :])))


def _title(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any, site: str) -> str:
    """The headline: the visible <h1> that a declared title (JSON-LD, og:title, twitter:title, <title>) agrees
    with; else the JSON-LD headline, the first <h1>, og:title, or the longest part of <title>."""
    h1s = [t for t in (_text(h) for h in tree.xpath("//body//h1")) if t and t.casefold() != site.casefold()]
    page_title = _text(next(iter(tree.xpath("//title")), None))
    # Pages escape their titles twice as often as one would think ("It&#39;s" in a JSON string): read once more.
    headline = unescape(_clean(ld.get("headline")))
    og_title = unescape(_first(meta, "og:title"))
    declared = [headline, og_title, unescape(_first(meta, "twitter:title")), page_title]
    for h1 in h1s:
        if any(_agrees(h1, d) for d in declared if d):
            return h1
    if headline and ld:
        return headline
    if h1s:
        return h1s[0]  # without JSON-LD the visible headline is the truth; og:title is often a social-media variant
    return og_title or max(TITLE_SEPARATOR.split(page_title), key=len)  # "Site :: Headline" or "Headline | Site"


def _authors(ld: dict[str, Any], meta: dict[str, list[str]], credited: list[str], site: str) -> list[str]:
    """Declared authors and those credited on the page (bylines, "Original Author: ..."), each once."""
    names = _unique(
        [
            *_names(ld.get("author")),
            *(meta.get("author") or []),
            *(meta.get("article:author") or []),
            *(part for credit in credited for part in _split_names(credit)),
        ]
    )
    return [n for n in names if n.casefold() != site.casefold() and not n.lower().startswith(("http://", "https://"))]


# Where pages put their dates, most deliberate first: schema.org microdata, hAtom microformats, <time>.
PUBLISHED_META = (
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "dc.date.issued",
    "dc.date",
    "dcterms.created",
    "pubdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
)
UPDATED_META = ("article:modified_time", "og:updated_time", "datemodified", "dcterms.modified", "last-modified")


def _marked_date(tree: Any, itemprop: str, hatom: str) -> datetime | None:
    """A date marked up in the page: `itemprop` (microdata) or the hAtom class, from its datetime, title
    (`<abbr class="published" title="...">`) or content attribute, or its text."""
    nodes = tree.xpath(
        f"//body//*[@itemprop='{itemprop}'] | //body//*[contains(concat(' ', normalize-space(@class), ' '), ' {hatom} ')]"
    )
    for node in nodes:
        for value in (node.get("datetime"), node.get("content"), node.get("title"), _text(node)):
            when = _date(value)
            if when:
                return when
    return None


def _published(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any) -> datetime | None:
    found = _date(ld.get("datePublished")) or next(
        (d for d in (_date(_first(meta, key)) for key in PUBLISHED_META) if d), None
    )
    if found:
        return found
    time_node = next(iter(tree.xpath("//body//time[@datetime]")), None)
    return _marked_date(tree, "datePublished", "published") or _date(
        time_node.get("datetime") if time_node is not None else ""
    )


def _updated(ld: dict[str, Any], meta: dict[str, list[str]], tree: Any) -> datetime | None:
    return (
        _date(ld.get("dateModified"))
        or next((d for d in (_date(_first(meta, key)) for key in UPDATED_META) if d), None)
        or _marked_date(tree, "dateModified", "updated")
    )


def _section(ld: dict[str, Any], meta: dict[str, list[str]]) -> str:
    section = ld.get("articleSection")
    if isinstance(section, list):
        section = section[0] if section else ""
    return _clean(section) or _first(meta, "article:section")


def _keywords(ld: dict[str, Any]) -> list[str]:
    keywords = ld.get("keywords")
    if isinstance(keywords, str):
        return keywords.split(",")
    return [str(k) for k in keywords] if isinstance(keywords, list) else []


# -- feed HTML -> Markdown ----------------------------------------------------------------------------

_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "blockquote",
    "ul",
    "ol",
    "li",
    "pre",
    "table",
    "tr",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "br",
    "dl",
    "dt",
    "dd",
    "figcaption",
    "header",
    "footer",
}
_SKIP = {
    "script",
    "style",
    "noscript",
    "iframe",
    "object",
    "embed",
    "form",
    "button",
    "input",
    "select",
    "textarea",
    "svg",
    "template",
    "head",
}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#])")


def _escape(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


class _Markdown:
    """A small HTML -> Markdown writer for feed content (teasers and full-text feeds)."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.blocks: list[str] = []
        self.line: list[str] = []

    def flush(self, prefix: str = "") -> None:
        text = " ".join("".join(self.line).split())
        if text:
            self.blocks.append(prefix + text)
        self.line = []

    def inline(self, node: Any) -> None:
        if not isinstance(node.tag, str) or node.tag in _SKIP:
            self.line.append(_escape(node.tail or "")) if node.tail else None
            return
        tag = node.tag.lower()
        if tag in _BLOCK:
            self.block(node)
        else:
            inner = _Markdown(self.base)
            inner.line.append(_escape(node.text or ""))
            for child in node:
                inner.inline(child)
            text = " ".join("".join(inner.line).split())
            if tag == "a" and node.get("href"):
                href = urljoin(self.base, node.get("href").strip())
                self.line.append(f"[{text or href}]({href.replace(' ', '%20').replace(')', '%29')})")
            elif tag == "img" and node.get("src"):
                src = urljoin(self.base, node.get("src").strip())
                self.line.append(f"[Image: {_escape(_clean(node.get('alt'))) or 'picture'}]({src.replace(' ', '%20')})")
            elif tag in ("strong", "b") and text:
                self.line.append(f"**{text}**")
            elif tag in ("em", "i") and text:
                self.line.append(f"*{text}*")
            elif tag == "code" and text:
                self.line.append(f"`{text}`")
            else:
                self.line.append(text)
        if node.tail:
            self.line.append(_escape(node.tail))

    def block(self, node: Any) -> None:
        tag = node.tag.lower()
        self.flush()
        if tag == "br":
            if node.tail:
                self.line.append(_escape(node.tail))
            return
        if tag == "hr":
            self.blocks.append("---")
        elif tag in ("ul", "ol"):
            for i, item in enumerate(node.xpath("./li"), 1):
                inner = _Markdown(self.base)
                inner.inline_children(item)
                inner.flush()
                text = " ".join(inner.blocks)
                if text:
                    self.blocks.append(f"{i}. {text}" if tag == "ol" else f"- {text}")
        elif tag == "pre":
            self.blocks.append("```\n" + node.text_content().strip("\n") + "\n```")
        else:
            self.inline_children(node)
            prefix = "#" * int(tag[1]) + " " if tag in ("h1", "h2", "h3", "h4", "h5", "h6") else ""
            prefix = "> " if tag == "blockquote" else prefix
            self.flush(prefix)
        if node.tail and node.tail.strip():
            self.line.append(_escape(node.tail))

    def inline_children(self, node: Any) -> None:
        if node.text:
            self.line.append(_escape(node.text))
        for child in node:
            self.inline(child)


def html_to_markdown(html: str, base_url: str = "") -> str:
    """Feed HTML (or plain text) -> Markdown with links kept and made absolute; no raw HTML left."""
    if not html or not html.strip():
        return ""
    if "<" not in html:
        return "\n\n".join(" ".join(p.split()) for p in re.split(r"\n\s*\n", html) if p.strip())
    try:
        root = lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError):
        return _clean(html)
    writer = _Markdown(base_url)
    writer.block(root)
    writer.flush()
    return "\n\n".join(writer.blocks)
