"""A news listing page -> its headlines, by a generic heuristic or a per-site rule (CSS selectors).

The heuristic: headlines are repeated link blocks of one shape whose targets are same-site article pages.
Navigation, header, footer, asides, forms and links to sections, tags and about pages are never headlines.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from newsreader import safe
from newsreader.extract import decode_html
from newsreader.model import ScrapeRule, Story

CHROME = "nav, aside, form, script, style, noscript, template, [role=navigation], [role=banner], [role=contentinfo]"
# A page's header and footer are chrome; an <article>'s own header holds its headline (WordPress themes).
PAGE_PARTS = "header, footer"
ITEM_TAGS = {"article", "li"}
# Paths that name a place on the site rather than a story.
NOT_ARTICLE = re.compile(
    r"/(tags?|topics?|sections?|category|categories|authors?|about|contacts?|privacy|terms|search|login|"
    r"register|subscribe|rss|feed|page|about-us|contact-us)(/|$)",
    re.IGNORECASE,
)
CHROME_CLASS = re.compile(
    r"(^|[-_ ])(nav|menu|footer|breadcrumbs?|popular|trending|most-read|share|social|cookie)([-_ ]|$)"
)
MIN_GROUP = 3
MIN_TITLE_CHARS = 12
MIN_TITLE_WORDS = 3
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
SUMMARY = "p, [class*=summary], [class*=excerpt], [class*=lead], [class*=dek], [class*=intro], [class*=teaser__text]"
LONG_NUMBER = re.compile(r"\d{4,}")


@dataclass(slots=True)
class _Link:
    order: int
    node: LexborNode
    url: str
    title: str
    signature: str


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


def _same_site(a: str, b: str) -> bool:
    ha, hb = (urlsplit(a).hostname or "").lower(), (urlsplit(b).hostname or "").lower()
    strip = lambda h: h[4:] if h.startswith("www.") else h  # noqa: E731
    return strip(ha) == strip(hb)


def _signature(node: LexborNode, depth: int = 3) -> str:
    """The shape of a link's place in the page: its and its ancestors' tags and first classes.

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


def _story_url(url: str) -> bool:
    return _article_like(url) and not NOT_ARTICLE.search(urlsplit(url).path or "/")


def _article_like(url: str) -> bool:
    """Whether a URL names one story: a slug of several words, a number of 4+ digits, or a deep path."""
    path = urlsplit(url).path
    segments = [s for s in path.split("/") if s]
    if not segments:
        return False
    last = segments[-1].rsplit(".", 1)[0] if "." in segments[-1] else segments[-1]
    words = [w for w in re.split(r"[-_]+", last) if w]
    return len(words) >= 3 or bool(LONG_NUMBER.search(path)) or len(segments) >= 3 or bool(urlsplit(url).query)


def _good_group(group: list[_Link]) -> bool:
    """Repeated headlines: 3+ distinct targets, mostly story-like URLs, titles of a few words."""
    urls = {link.url for link in group}
    if len(urls) < MIN_GROUP:
        return False
    story_like = sum(_article_like(u) for u in urls) / len(urls)
    words = statistics.median(len(link.title.split()) for link in group)
    return story_like >= 0.5 and words >= MIN_TITLE_WORDS


def _strip_chrome(tree: LexborHTMLParser) -> None:
    for node in tree.css(CHROME):
        node.decompose()
    for node in tree.css(PAGE_PARTS):
        if not _has_ancestor(node, ITEM_TAGS):
            node.decompose()


def _has_ancestor(node: LexborNode, tags: set[str]) -> bool:
    current = node.parent
    while current is not None:
        if current.tag in tags:
            return True
        current = current.parent
    return False


def _in_chrome(node: LexborNode) -> bool:
    current = node.parent
    while current is not None and current.tag not in ("body", "html"):
        marker = " ".join(filter(None, (current.attributes.get("class"), current.attributes.get("id")))).lower()
        if marker and CHROME_CLASS.search(marker):
            return True
        current = current.parent
    return False


def _title_of(anchor: LexborNode) -> str:
    title = _clean(anchor.text(separator=" "))
    if not title:
        title = _clean(anchor.attributes.get("title"))
    if not title:
        img = anchor.css_first("img[alt]")
        title = _clean(img.attributes.get("alt")) if img else ""
    return title


def _candidates(tree: LexborHTMLParser, page_url: str) -> list[_Link]:
    links = []
    for order, anchor in enumerate(tree.css("a[href]")):
        href = (anchor.attributes.get("href") or "").strip()
        url = urldefrag(urljoin(page_url, href))[0]
        if not url.startswith(("http://", "https://")) or not _same_site(url, page_url):
            continue
        if url.rstrip("/") == page_url.rstrip("/") or NOT_ARTICLE.search(urlsplit(url).path or "/"):
            continue
        title = _title_of(anchor)
        if len(title) < MIN_TITLE_CHARS or _in_chrome(anchor):
            continue
        links.append(_Link(order, anchor, url, title, _signature(anchor)))
    return links


def _item_of(anchor: LexborNode, url: str, page_url: str) -> LexborNode:
    """The block that holds one headline: the widest ancestor with no link to another story."""
    item = anchor
    current = anchor.parent
    while current is not None and current.tag not in ("body", "html", "main", "section", "ul", "ol"):
        targets = {urldefrag(urljoin(page_url, a.attributes.get("href") or ""))[0] for a in current.css("a[href]")}
        # Links to the story's category or tags belong to its block; a link to another story ends it.
        if any(_story_url(t) for t in targets - {url}):
            break
        item = current
        current = current.parent
    return item


def _when(node: LexborNode) -> datetime | None:
    """A machine-readable time: datetime= or content= (schema.org), else the text if it is ISO 8601."""
    for value in (node.attributes.get("datetime"), node.attributes.get("content"), node.text(strip=True)):
        if not value:
            continue
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _time_in(item: LexborNode) -> datetime | None:
    for node in item.css("time[datetime], [itemprop=datePublished]"):
        when = _when(node)
        if when:
            return when
    return None


def _summary_in(item: LexborNode, title: str) -> str:
    for node in item.css(SUMMARY):
        text = _clean(node.text(separator=" "))
        # The item itself matches too when its class says "lead": a teaser never holds the title.
        if len(text) > 30 and title not in text:
            return text
    return ""


def _story(anchor: LexborNode, url: str, title: str, page_url: str) -> Story:
    item = _item_of(anchor, url, page_url)
    return Story(key=url, title=title, url=url, published=_time_in(item), summary=_summary_in(item, title))


def _select(node: LexborNode | LexborHTMLParser, selector: str) -> list[LexborNode]:
    try:
        return list(node.css(selector))
    except SelectolaxError:
        raise ValueError(f"scrape rule: {selector!r} is not a CSS selector this reader understands") from None


def _by_rule(tree: LexborHTMLParser, page_url: str, rule: ScrapeRule) -> list[Story]:
    """Headlines by a site's own selectors; a selector that matches nothing leaves that field empty."""
    stories: dict[str, Story] = {}
    for item in _select(tree, rule.item):
        anchors = _select(item, rule.link or "a[href]") if rule.link or item.tag != "a" else [item]
        anchor = next((a for a in anchors if a.attributes.get("href")), None)
        if anchor is None:
            continue
        url = urldefrag(urljoin(page_url, (anchor.attributes.get("href") or "").strip()))[0]
        title_nodes = _select(item, rule.title) if rule.title else [anchor]
        title = _clean(title_nodes[0].text(separator=" ")) if title_nodes else ""
        if not url.startswith(("http://", "https://")) or not title or url in stories:
            continue
        time_nodes = _select(item, rule.time) if rule.time else []
        summary_nodes = _select(item, rule.summary) if rule.summary else []
        stories[url] = Story(
            key=url,
            title=title,
            url=url,
            published=_when(time_nodes[0]) if time_nodes else _time_in(item),
            summary=_clean(summary_nodes[0].text(separator=" ")) if summary_nodes else "",
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
    _strip_chrome(tree)
    links = _candidates(tree, url)
    groups: defaultdict[str, list[_Link]] = defaultdict(list)
    for link in links:
        groups[link.signature].append(link)
    chosen = [link for group in groups.values() if _good_group(group) for link in group]
    if not chosen:
        # A page with few headlines: every link that looks like a story.
        chosen = [link for link in links if _article_like(link.url) and len(link.title.split()) >= MIN_TITLE_WORDS]
    stories: dict[str, Story] = {}
    for link in sorted(chosen, key=lambda x: x.order):
        if link.url not in stories:
            stories[link.url] = _story(link.node, link.url, link.title, url)
    return list(stories.values())
