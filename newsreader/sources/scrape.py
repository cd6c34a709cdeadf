"""A news listing page -> its headlines, by a generic heuristic or a per-site rule (CSS selectors).

The heuristic: headlines are repeated blocks of one shape, each holding a link to one same-site story page.
A link's block (its *item*) is its widest ancestor that links to no other story. Items are grouped two ways: by
the item's own place in the page (tag and first class of it, its parent and grandparent: siblings of one list or
grid, whatever their insides) and by the link's shape. A group of three or more story-like items with titles of a
few words is a headline list; a lead story in a box of its own (a hero, a sticky post) joins when a heading at
least as prominent as the lists' own titles it.

An item's title is its linked heading (or element classed as a title), not the whole text of a card link; an item
whose only link is empty (an icon, an overlay: `<a aria-label>`) takes its heading, else the link's aria-label,
title or image alt. Navigation, the site's header and footer, asides, forms, pagination, tag clouds and links to
sections, tags and about pages are never headlines. Same-site means the page's host or the one it declares
(canonical, og:url), subdomains included. Dates come from `<time datetime>`, schema.org `itemprop`, hAtom
(`.published`, `.updated`, `abbr[title]`); bylines from `itemprop=author`, hAtom/microformats (`.author .fn`),
`rel=author` and `.byline`. A date keeps the page's own offset.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from newsreader import safe
from newsreader.extract import decode_html
from newsreader.model import ScrapeRule, Story

CHROME = "nav, aside, form, script, style, noscript, template, [role=navigation], [role=banner], [role=contentinfo]"
# A page's header and footer are chrome; a post's own header holds its headline (WordPress themes: inside the
# <article>; div-based themes: a header with a linked heading).
PAGE_PARTS = "header, footer"
ITEM_TAGS = {"article", "li"}
SITE_PART = re.compile(r"(^|[-_ ])(site|global|page|masthead|colophon|banner|top|bottom)([-_ ]|$)")
SIDEBAR = re.compile(
    r"(^|[-_ ])(sidebar|widgets?|widget-area|secondary|related|rail|popular|recent|trending|more|also|promo|ads?)"
    r"([-_ ]|$)"
)
POST_PART = re.compile(r"(^|[-_ ])(post|entry|card|article|item|teaser|meta)([-_ ]|$)")
LINKED_HEADING = ", ".join(f"h{n} a[href], a[href] h{n}" for n in range(1, 7))
FEATURED = ", ".join(f"article h{n} a[href], article a[href] h{n}" for n in range(1, 7))
# Paths that name a place on the site rather than a story.
NOT_ARTICLE = re.compile(
    r"/(tags?|topics?|sections?|category|categories|authors?|about|contacts?|privacy|terms|search|login|"
    r"register|subscribe|rss|feed|page|about-us|contact-us|profiles?|users?|members?|trackback|wp-login\.php|"
    r"comment-page-\d+|@[^/]+)(/|$)",
    re.IGNORECASE,
)
CHROME_CLASS = re.compile(
    r"(^|[-_ ])(nav|menu|footer|breadcrumbs?|popular|trending|most-read|share|social|cookie|pagination|pager|"
    r"tags|tag-?cloud|tag-?list)([-_ ]|$)"
)
PAGER_QUERY = re.compile(r"(^|&)(page|paged|start|offset|pg)=\d+(&|$)", re.IGNORECASE)
# Links that name a tag, a category, an author or the next page, whatever their path.
NOT_STORY_REL = {"tag", "category", "author", "next", "prev", "previous"}
MAX_CLIMB = 64  # ancestors looked at from a link; real pages nest a few dozen deep
MIN_GROUP = 3
MIN_TITLE_CHARS = 12
MIN_TITLE_WORDS = 3
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
HEADING_SEL = "h1, h2, h3, h4, h5, h6"
TITLE_SEL = "[class*=title], [class*=headline], [class*=heading], [itemprop~=headline]"
TITLE_CLASS = re.compile(r"(^|[-_])(title|headline|heading)([-_]|$)", re.IGNORECASE)
BADGE = (
    "[class*=kicker], [class*=badge], [class*=eyebrow], [class*=overline], [class*=sticky], "
    ".screen-reader-text, .sr-only, .visually-hidden, .element-invisible"
)
SUMMARY = "p, [class*=summary], [class*=excerpt], [class*=lead], [class*=dek], [class*=intro], [class*=teaser__text]"
LONG_NUMBER = re.compile(r"\d{4,}")
PAGE_FILE = re.compile(r"\.(html?|php|aspx?|jsp)$", re.IGNORECASE)
MEDIA_FILE = re.compile(r"\.(jpe?g|png|gif|webp|avif|svg|pdf|mp3|mp4|webm|zip|gz)$", re.IGNORECASE)
# Han, kana, hangul: a title in these scripts has few spaces, so two characters count as a word.
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
STOP_TAGS = {"body", "html", "main", "section", "ul", "ol"}
_READ_MORE = (
    r"(read more|more|continue reading|read the (full )?(story|article|post)|weiterlesen|mehr|lire la suite|"
    r"leer más|leggi tutto|lees meer|läs mer|czytaj dalej|подробнее|читать далее|читать дальше|далее|"
    r"阅读全文|阅读更多|查看全文|続きを読む|더 보기|leave a (comment|reply)|\d+ (comments?|replies))"
)
READ_MORE = re.compile(rf"^{_READ_MORE}\b", re.IGNORECASE)
# A teaser that ends in "Continue reading TITLE" (Twenty Twenty-One) or "Read more …".
READ_MORE_TAIL = re.compile(rf"\W*{_READ_MORE}\W*$", re.IGNORECASE)

# ISO 8601 and its common relatives ("2024-05-16 09:30:00 +0800 CST", Hugo's default), offset kept.
DATE = re.compile(
    r"\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
TIME_SEL = (
    "time, abbr[title], span[title], [itemprop~=datePublished], [itemprop~=dateModified], [itemprop~=dateCreated], "
    ".published, .updated, .dt-published, .dt-updated"
)
DATE_CLASS = re.compile(r"(^|\s)(published|updated|dt-published|dt-updated)(\s|$)")
DATE_PROPS = {"datePublished", "dateModified", "dateCreated"}
UPDATED_CLASS = re.compile(r"(^|[-_ ])(updated|modified|dt-updated)([-_ ]|$)", re.IGNORECASE)
PUBLISHED_CLASS = re.compile(r"(^|[-_ ])(published|dt-published)([-_ ]|$)", re.IGNORECASE)
AUTHOR_SEL = "[itemprop~=author], .author .fn, .vcard .fn, .p-author, [rel~=author], .byline"
AUTHOR_CLASS = re.compile(r"(^|[-_ ])(author|authors|author-name|byline)([-_ ]|$)", re.IGNORECASE)
BY_PREFIX = re.compile(
    r"^(posted\s+by|written\s+by|geschrieben\s+von|by|von|par|por|di|door|av|автор|от)\s*[:：]?\s+", re.IGNORECASE
)
# "Ana Ruiz and Jan Ost", "Lea Brandt und Jan Ost", "A, B & C".
AUTHOR_SPLIT = re.compile(r"\s*(?:,|&|;|\band\b|\bund\b|\bet\b|\bи\b)\s*", re.IGNORECASE)
MAX_AUTHOR_CHARS = 80


class ScrapeError(ValueError):
    """A page that cannot be scraped as asked: not a page, or a site rule's selector this reader cannot use."""


@dataclass(slots=True)
class _Item:
    """One headline block: where it is, the story it links to, its links to it and its title."""

    order: int
    node: LexborNode
    url: str
    anchors: list[LexborNode] = field(default_factory=list)
    title: str = ""
    headed: bool = False  # the title is a heading (or title element) of the item
    rank: int = 0  # the title is a linked heading: h1 = 1 ... h6 = 6, a linked title element 7


def rule_for(url: str, rules: list[ScrapeRule]) -> ScrapeRule | None:
    """The first rule whose `match` is the page's host (or a parent domain of it) or a prefix of its URL."""
    host = (urlsplit(url).hostname or "").lower()
    for rule in rules:
        match = rule.match.lower()
        if url.startswith(rule.match) or host == match or host.endswith("." + match):
            return rule
    return None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(node: LexborNode) -> str:
    return _clean(node.text(separator=" "))


def _words(title: str) -> int:
    cjk = len(CJK.findall(title))
    return len(CJK.sub(" ", title).split()) + cjk // 2


def _weight(title: str) -> int:
    """A title's length in Latin-letter terms: a CJK character counts twice."""
    return len(title) + len(CJK.findall(title))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _same_site(url: str, sites: frozenset[str]) -> bool:
    """Whether url is on one of the page's hosts (www. aside) or a subdomain of one. Not a parent domain: the
    blogs of one host (name.substack.com, name.blogspot.com) are not each other's site, nor the host's."""
    host = _host(url)
    return host in sites or any(host.endswith("." + site) for site in sites)


def _sites(tree: LexborHTMLParser, page_url: str) -> frozenset[str]:
    """The page's host and the hosts it says it lives on (canonical link, og:url, <base>): a saved or mirrored
    page links its stories on its own site's host."""
    declared = [
        node.attributes.get("href") or node.attributes.get("content") or ""
        for node in tree.css('link[rel~=canonical][href], meta[property="og:url"][content], base[href]')
    ]
    return frozenset(h for h in (_host(page_url), *(_host(urljoin(page_url, d.strip())) for d in declared)) if h)


def _resolve(anchor: LexborNode, page_url: str) -> str:
    return urldefrag(urljoin(page_url, (anchor.attributes.get("href") or "").strip()))[0]


def _signature(node: LexborNode, depth: int = 3) -> str:
    """The shape of a node's place in the page: its and its ancestors' tags and first classes.

    Heading levels and BEM modifiers are left out, so a lead story (h2.teaser--big) groups with the rest (h3.teaser).
    """
    parts = []
    current: LexborNode | None = node
    while current is not None and depth:
        tag = "h" if current.tag in HEADINGS else str(current.tag)
        cls = (current.attributes.get("class") or "").split()
        parts.append(f"{tag}.{cls[0].split('--')[0]}" if cls else tag)
        current = current.parent
        depth -= 1
    return ">".join(reversed(parts))


def _article_like(url: str) -> bool:
    """Whether a URL surely names one story: a slug of several words, a number of 4+ digits, an id after a
    section (/node/7), a deep path or a query (?p=11)."""
    parts = urlsplit(url)
    segments = [s for s in parts.path.split("/") if s]
    if not segments:
        return False
    words = _slug_words(segments[-1])
    numbered = len(segments) >= 2 and segments[-1].isdigit()
    return words >= 3 or numbered or bool(LONG_NUMBER.search(parts.path)) or len(segments) >= 3 or bool(parts.query)


def _maybe_story(url: str) -> bool:
    """Whether a URL may name a story: also a slug of two words, a path under a section (/blog/firstpost/), or a
    page file (/oldest.html). A list of these is headlines when its titles are."""
    segments = [s for s in urlsplit(url).path.split("/") if s]
    if not segments:
        return False
    return _article_like(url) or len(segments) >= 2 or _slug_words(segments[-1]) >= 2 or bool(PAGE_FILE.search(url))


def _slug_words(segment: str) -> int:
    stem = segment.rsplit(".", 1)[0] if "." in segment else segment
    return len([w for w in re.split(r"[-_+]+", stem) if w])


def _media(url: str) -> bool:
    return bool(MEDIA_FILE.search(urlsplit(url).path))


def _good_group(items: list[_Item]) -> bool:
    """Repeated headlines: 3+ distinct targets, mostly story-like (by URL, or titled by a heading), titles of a
    few words."""
    urls = {item.url for item in items}
    if len(urls) < MIN_GROUP:
        return False
    story_like = statistics.mean(_maybe_story(item.url) or item.headed for item in items)
    words = statistics.median(_words(item.title) for item in items)
    return story_like >= 0.5 and words >= MIN_TITLE_WORDS


def _strip_chrome(tree: LexborHTMLParser) -> None:
    for node in tree.css(CHROME):
        if node.tag != "aside" or not _featured(node):
            node.decompose()
    for node in tree.css(PAGE_PARTS):
        if not _has_ancestor(node, ITEM_TAGS) and not _post_part(node):
            node.decompose()


def _featured(aside: LexborNode) -> bool:
    """An <aside> that holds the newest story itself (Pelican's aside#featured), not a sidebar: an <article> with
    a linked heading, and no class or id saying sidebar, widget or related."""
    marker = " ".join(filter(None, (aside.attributes.get("class"), aside.attributes.get("id")))).lower()
    return not SIDEBAR.search(marker) and aside.css_first(FEATURED) is not None


def _post_part(node: LexborNode) -> bool:
    """A <header> or <footer> of one post outside any <article> (div-based themes): a header with a linked
    heading, a footer classed as a post's or entry's meta; never the site's own (site-header, masthead...)."""
    marker = " ".join(filter(None, (node.attributes.get("class"), node.attributes.get("id")))).lower()
    if SITE_PART.search(marker):
        return False
    if node.tag == "footer":
        return bool(POST_PART.search(marker))
    return node.css_first(LINKED_HEADING) is not None


def _ancestors(node: LexborNode, itself: bool = False) -> Iterator[LexborNode]:
    """node's parent, grandparent... (node first if itself), at most MAX_CLIMB of them: a page nested thousands
    deep costs no more per link than a real one."""
    current = node if itself else node.parent
    for _ in range(MAX_CLIMB):
        if current is None:
            return
        yield current
        current = current.parent


def _has_ancestor(node: LexborNode, tags: set[str]) -> bool:
    return any(a.tag in tags for a in _ancestors(node))


def _in_chrome(node: LexborNode, seen: dict[int, bool]) -> bool:
    """Whether an ancestor's class or id says navigation, menu, share, pager...; `seen` remembers each ancestor's
    answer, so the links of one page cost one walk up per element, not per link."""
    path: list[int] = []
    found = False
    for current in _ancestors(node):
        if current.mem_id in seen:
            found = seen[current.mem_id]
            break
        if current.tag in ("body", "html"):
            break
        path.append(current.mem_id)
        marker = " ".join(filter(None, (current.attributes.get("class"), current.attributes.get("id")))).lower()
        if marker and CHROME_CLASS.search(marker):
            found = True
            break
    for mem_id in path:
        seen[mem_id] = found
    return found


def _within(node: LexborNode, ancestor: LexborNode) -> bool:
    return any(a.mem_id == ancestor.mem_id for a in _ancestors(node, itself=True))


def _descendants(node: LexborNode, selector: str, itself: Callable[[LexborNode], bool]) -> list[LexborNode]:
    """Matches of `selector` inside node, node itself first when `itself` says it matches.

    (LexborNode.css_matches is true when anything inside matches; asking the parent costs a list's size per item.)
    """
    found = list(node.css(selector))
    if itself(node):
        found.insert(0, node)
    return found


def _is_heading(node: LexborNode) -> bool:
    return node.tag in HEADINGS


def _is_time(node: LexborNode) -> bool:
    attrs = node.attributes
    if node.tag == "time" or (node.tag in ("abbr", "span") and "title" in attrs):
        return True
    props = set((attrs.get("itemprop") or "").split())
    return bool(props & DATE_PROPS) or bool(DATE_CLASS.search(attrs.get("class") or ""))


def _is_byline(node: LexborNode) -> bool:
    attrs = node.attributes
    classes = (attrs.get("class") or "").split()
    rels = (attrs.get("rel") or "").lower().split()
    return (
        "author" in (attrs.get("itemprop") or "").split()
        or "author" in rels
        or "byline" in classes
        or "p-author" in classes
    )


def _linked_text(heading: LexborNode, anchors: list[LexborNode]) -> str | None:
    """A heading's title when it is linked to the item's story: the link's text inside it, else its own text."""
    ids = {a.mem_id for a in anchors}
    for inner in heading.css("a[href]"):
        if inner.mem_id in ids:
            return _title_text(inner) or _title_text(heading)
    if any(_within(heading, a) for a in anchors):
        return _title_text(heading)
    return None


def _title_text(node: LexborNode) -> str:
    """A title's text without the kicker, badge or screen-reader words inside it ("Exclusive", "Sticky")."""
    if node.css_first(BADGE) is None:
        return _text(node)
    copy = node.clone()
    for badge in copy.css(BADGE):
        badge.decompose()
    rest = _text(copy)
    return rest if _weight(rest) >= MIN_TITLE_CHARS else _text(node)


def _meaningful(text: str) -> bool:
    return _weight(text) >= MIN_TITLE_CHARS and not READ_MORE.match(text)


def _title_of(item: _Item) -> None:
    """An item's headline: its linked heading or title element, the link's text, an unlinked heading, or (for an
    empty link) the link's aria-label, title or image alt. Sets title, headed and rank."""
    headings = _descendants(item.node, HEADING_SEL, _is_heading)
    titled = [n for n in _descendants(item.node, TITLE_SEL, _titled) if _titled(n)]
    for node in [*headings, *titled]:
        text = _linked_text(node, item.anchors)
        if text:
            item.title, item.headed = text, True
            item.rank = int(node.tag[1]) if node.tag in HEADINGS else 7
            return
    for anchor in item.anchors:
        text = _title_text(anchor)
        # "Leave a comment" (#respond) and "Read more" are not the story's title; an unlinked heading is.
        if _meaningful(text) and "#" not in (anchor.attributes.get("href") or ""):
            item.title = text
            return
    for node in [*headings, *titled]:
        text = _title_text(node)
        if text:
            item.title, item.headed = text, True
            return
    item.title = next((text for text in (_label(anchor) for anchor in item.anchors) if text), "")


def _titled(node: LexborNode) -> bool:
    if "headline" in (node.attributes.get("itemprop") or "").split():
        return True
    return any(TITLE_CLASS.search(c) for c in (node.attributes.get("class") or "").split())


def _owners(links: list[tuple[LexborNode, str]]) -> dict[int, set[str]]:
    """For every element (by mem_id), the other stories linked from inside it.

    A link names another story when it could be one (see _candidate, chrome included) and its URL surely names a
    story or its text reads like a headline (3+ words): a category's or a comment count's link does not end a
    story's block.
    """
    owners: defaultdict[int, set[str]] = defaultdict(set)
    for anchor, url in links:
        if not _article_like(url) and _words(_label(anchor)) < MIN_TITLE_WORDS:
            continue
        for current in _ancestors(anchor, itself=True):
            owners[current.mem_id].add(url)
    return owners


def _label(anchor: LexborNode) -> str:
    """What a link says: its text, else its aria-label, title or image alt."""
    text = _text(anchor) or _clean(anchor.attributes.get("aria-label")) or _clean(anchor.attributes.get("title"))
    if not text:
        img = anchor.css_first("img[alt]")
        text = _clean(img.attributes.get("alt")) if img else ""
    return text


def _item_node(anchor: LexborNode, url: str, owners: dict[int, set[str]]) -> LexborNode:
    """The block that holds one headline: the widest ancestor with no link to another story."""
    item = anchor
    for current in _ancestors(anchor):
        # Links to the story's category or tags belong to its block; a link to another story ends it.
        if current.tag in STOP_TAGS or owners.get(current.mem_id, set()) - {url}:
            break
        item = current
    return item


def _candidate(anchor: LexborNode, url: str, page_url: str, sites: frozenset[str]) -> bool:
    """Whether a link may be a story's: to a same-site page (not this one, nor a section, tag, author, page of
    the list, image or file). Its place (navigation, share or pager blocks) is judged apart."""
    if not url.startswith(("http://", "https://")) or not _same_site(url, sites) or _media(url):
        return False
    parts = urlsplit(url)
    if url.rstrip("/") == page_url.rstrip("/") or NOT_ARTICLE.search(parts.path or "/"):
        return False
    segments = [seg for seg in parts.path.split("/") if seg]
    if (not segments and not parts.query) or "attachment_id=" in parts.query:
        return False  # the home page; a WordPress image page
    if (segments and all(seg.isdigit() for seg in segments)) or PAGER_QUERY.search(parts.query):
        return False  # an archive of a year, month or day (/2025/10/); a page of the list (?page=2, ?start=10)
    return not _not_story_rel(anchor)


def _not_story_rel(anchor: LexborNode) -> bool:
    """A link to a tag, a category, an author's profile or the next page (rel=...), whatever its path."""
    return bool(NOT_STORY_REL & set((anchor.attributes.get("rel") or "").lower().split()))


def _items(tree: LexborHTMLParser, page_url: str, sites: frozenset[str]) -> tuple[list[_Item], dict[int, list[str]]]:
    """Every headline block with a title, in page order, and each one's link shapes (by item order)."""
    anchors = [(order, a, _resolve(a, page_url)) for order, a in enumerate(tree.css("a[href]"))]
    links = [(order, a, url) for order, a, url in anchors if _candidate(a, url, page_url, sites)]
    owners = _owners([(a, url) for _, a, url in links])
    items: dict[tuple[int, str], _Item] = {}  # by block and story: a block may hold a story that ends no other's
    link_shapes: defaultdict[int, list[str]] = defaultdict(list)
    chrome: dict[int, bool] = {}
    for order, anchor, url in links:
        if _in_chrome(anchor, chrome):
            continue
        node = _item_node(anchor, url, owners)
        item = items.get((node.mem_id, url))
        if item is None:
            item = items[(node.mem_id, url)] = _Item(order, node, url)
        item.anchors.append(anchor)
        link_shapes[item.order].append(_signature(anchor))
    found = []
    for item in items.values():
        _title_of(item)
        if _weight(item.title) >= MIN_TITLE_CHARS:
            found.append(item)
    return found, link_shapes


def _parse_when(value: str | None) -> datetime | None:
    """ISO 8601 (and "2024-05-16 09:30:00 +0800 CST") at the start of value, its offset kept; no offset is UTC."""
    m = DATE.match(value or "")
    if not m:
        return None
    year, month, day, hour, minute, second, offset = m.groups()
    try:
        tz: timezone = UTC
        if offset and offset.upper() != "Z":
            digits = offset[1:].replace(":", "")
            delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            tz = timezone(-delta if offset[0] == "-" else delta)
        return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0), tzinfo=tz)
    except ValueError:  # 2025-13-45, or an offset of 99 hours: not a date after all
        return None


def _when(node: LexborNode) -> datetime | None:
    """A machine-readable time: datetime=, content= (schema.org), title= (hAtom's abbr), else the text."""
    attrs = node.attributes
    for value in (attrs.get("datetime"), attrs.get("content"), attrs.get("title"), node.text(strip=True)):
        when = _parse_when(value)
        if when:
            return when
    return None


def _times_in(item: LexborNode) -> tuple[datetime | None, datetime | None]:
    """An item's published and updated times, from the first element of each kind that has one.

    WordPress marks one <time> as both ("entry-date published updated"): it gives both.
    """
    published = updated = None
    for node in _descendants(item, TIME_SEL, _is_time):
        props = (node.attributes.get("itemprop") or "").split()
        classes = node.attributes.get("class") or ""
        is_updated = "dateModified" in props or bool(UPDATED_CLASS.search(classes))
        is_published = not is_updated or "datePublished" in props or bool(PUBLISHED_CLASS.search(classes))
        if (published is not None or not is_published) and (updated is not None or not is_updated):
            continue
        when = _when(node)
        if when is None:
            continue
        if is_updated and updated is None:
            updated = when
        if is_published and published is None:
            published = when
        if published and updated:
            break
    return published, updated


def _author_name(node: LexborNode) -> list[str]:
    """The names a byline element gives: schema.org's nested name, its links' texts, else its own text."""
    inner = node.css("[itemprop~=name], .fn, .p-name")
    if inner:
        names = [_text(n) for n in inner]
    elif node.attributes.get("content"):
        names = [_clean(node.attributes.get("content"))]
    elif node.tag != "a" and node.css("a[href]"):
        names = [_text(a) for a in node.css("a[href]")]
    else:
        names = AUTHOR_SPLIT.split(BY_PREFIX.sub("", _text(node)))
    return [n for n in (BY_PREFIX.sub("", name).strip(" ,;·|-–—") for name in names) if n]


def _authors_in(item: LexborNode) -> list[str]:
    nodes = _descendants(item, AUTHOR_SEL, _is_byline)
    if not nodes:
        nodes = [
            n
            for n in item.css("[class*=author], [class*=byline]")
            if AUTHOR_CLASS.search(n.attributes.get("class") or "")
        ]
    authors: list[str] = []
    for node in nodes:
        for name in _author_name(node):
            if len(name) <= MAX_AUTHOR_CHARS and not DATE.match(name) and name not in authors:
                authors.append(name)
        if authors:
            break
    return authors


def _summary_in(item: LexborNode, title: str) -> str:
    for node in item.css(SUMMARY):
        if node.css_first(HEADING_SEL):
            continue  # a wrapper of the whole card (or of its header), not its teaser
        text = _text(node)
        if title in text:
            # The item itself matches too when its class says "lead"; a teaser may end "Continue reading TITLE".
            text = READ_MORE_TAIL.sub("", text.replace(title, "").strip())
        if len(text) > 30:
            return text
    return ""


def _story(item: _Item) -> Story:
    published, updated = _times_in(item.node)
    return Story(
        key=item.url,
        title=item.title,
        url=item.url,
        published=published,
        updated=updated,
        authors=_authors_in(item.node),
        summary=_summary_in(item.node, item.title),
    )


def _add_leads(items: list[_Item], chosen: dict[int, _Item]) -> None:
    """Lead stories in boxes of their own (a hero, a sticky post) before or among the lists' items: titled by a
    linked heading at least as prominent as the lists' own."""
    ranks = [item.rank for item in chosen.values() if item.rank]
    if not ranks:
        return
    usual, last = statistics.median_low(ranks), max(chosen)
    for item in items:
        if item.order in chosen or item.order > last or not item.rank or item.rank > usual:
            continue
        if _words(item.title) >= MIN_TITLE_WORDS and _maybe_story(item.url):
            chosen[item.order] = item


def _heuristic(tree: LexborHTMLParser, url: str) -> list[Story]:
    sites = _sites(tree, url)
    _strip_chrome(tree)
    items, link_shapes = _items(tree, url, sites)
    groups: defaultdict[str, list[_Item]] = defaultdict(list)
    for item in items:
        groups["item " + _signature(item.node)].append(item)
        for shape in dict.fromkeys(link_shapes[item.order]):
            groups["link " + shape].append(item)
    chosen = {item.order: item for group in groups.values() if _good_group(group) for item in group}
    if chosen:
        _add_leads(items, chosen)
    else:
        # A page with few headlines: every link that looks like a story.
        chosen = {i.order: i for i in items if _article_like(i.url) and _words(i.title) >= MIN_TITLE_WORDS}
    stories: dict[str, Story] = {}
    for order in sorted(chosen):
        item = chosen[order]
        if item.url not in stories:
            stories[item.url] = _story(item)
    return list(stories.values())


def _select(node: LexborNode | LexborHTMLParser, selector: str) -> list[LexborNode]:
    try:
        return list(node.css(selector))
    except SelectolaxError:
        raise ScrapeError(f"scrape rule: {selector!r} is not a CSS selector this reader understands") from None


def _by_rule(tree: LexborHTMLParser, page_url: str, rule: ScrapeRule) -> list[Story]:
    """Headlines by a site's own selectors; a selector that matches nothing leaves that field empty."""
    stories: dict[str, Story] = {}
    for item in _select(tree, rule.item):
        anchors = _select(item, rule.link or "a[href]") if rule.link or item.tag != "a" else [item]
        anchor = next((a for a in anchors if a.attributes.get("href")), None)
        if anchor is None:
            continue
        url = _resolve(anchor, page_url)
        title_nodes = _select(item, rule.title) if rule.title else [anchor]
        title = _text(title_nodes[0]) if title_nodes else ""
        if not url.startswith(("http://", "https://")) or not title or url in stories:
            continue
        time_nodes = _select(item, rule.time) if rule.time else []
        summary_nodes = _select(item, rule.summary) if rule.summary else []
        published, updated = _times_in(item)
        stories[url] = Story(
            key=url,
            title=title,
            url=url,
            published=_when(time_nodes[0]) if time_nodes else published,
            updated=updated,
            authors=_authors_in(item),
            summary=_text(summary_nodes[0]) if summary_nodes else "",
        )
    return list(stories.values())


def scrape_headlines(
    html: str | bytes, url: str, rule: ScrapeRule | None = None, content_type: str | None = None
) -> list[Story]:
    """A listing page's headlines in page order, deduplicated by URL."""
    text = safe.block(decode_html(html, content_type))
    tree = LexborHTMLParser(text)
    if rule is not None:
        return _by_rule(tree, url, rule)
    return _heuristic(tree, url)
