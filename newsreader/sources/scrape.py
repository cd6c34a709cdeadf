"""A news listing page -> its headlines, by a generic heuristic or a per-site rule (CSS selectors).

The heuristic: headlines are repeated link blocks of one shape whose targets are same-site article pages.
Navigation, header, footer, asides, forms and links to sections, tags and about pages are never headlines.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urldefrag, urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsreader import safe
from newsreader.extract import decode_html
from newsreader.model import ScrapeRule, Story

CHROME = "nav, header, footer, aside, form, script, style, noscript, template, [role=navigation], [role=banner]"
# Paths that name a place on the site rather than a story.
NOT_ARTICLE = re.compile(
    r"/(tags?|topics?|sections?|category|categories|authors?|about|contacts?|privacy|terms|search|login|"
    r"register|subscribe|rss|feed|page)(/|$)|/$",
    re.IGNORECASE,
)
CHROME_CLASS = re.compile(
    r"(^|[-_ ])(nav|menu|footer|breadcrumbs?|popular|trending|most-read|share|social|cookie)([-_ ]|$)"
)
MIN_GROUP = 3
MIN_TITLE_CHARS = 12


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
    """The shape of a link's place in the page: its and its ancestors' tags and first classes."""
    parts = []
    current: LexborNode | None = node
    while current is not None and depth:
        cls = (current.attributes.get("class") or "").split()
        parts.append(f"{current.tag}.{cls[0]}" if cls else str(current.tag))
        current = current.parent
        depth -= 1
    return ">".join(reversed(parts))


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
        if targets - {url}:
            break
        item = current
        current = current.parent
    return item


def _time_in(item: LexborNode) -> datetime | None:
    for node in item.css("time[datetime], [itemprop=datePublished]"):
        value = node.attributes.get("datetime") or node.attributes.get("content") or ""
        try:
            when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            continue
        return when if when.tzinfo else when.replace(tzinfo=UTC)
    return None


def _summary_in(item: LexborNode, title: str) -> str:
    for node in item.css("p"):
        text = _clean(node.text(separator=" "))
        if len(text) > 30 and text != title:
            return text
    return ""


def _story(anchor: LexborNode, url: str, title: str, page_url: str) -> Story:
    item = _item_of(anchor, url, page_url)
    return Story(key=url, title=title, url=url, published=_time_in(item), summary=_summary_in(item, title))


def _by_rule(tree: LexborHTMLParser, page_url: str, rule: ScrapeRule) -> list[Story]:
    stories: dict[str, Story] = {}
    for item in tree.css(rule.item):
        anchor = item.css_first(rule.link or "a[href]") if rule.link or item.tag != "a" else item
        if anchor is None:
            continue
        href = anchor.attributes.get("href") or ""
        url = urldefrag(urljoin(page_url, href.strip()))[0]
        title_node = item.css_first(rule.title) if rule.title else anchor
        title = _clean(title_node.text(separator=" ")) if title_node else ""
        if not url.startswith(("http://", "https://")) or not title or url in stories:
            continue
        time_node = item.css_first(rule.time) if rule.time else None
        summary_node = item.css_first(rule.summary) if rule.summary else None
        story = Story(key=url, title=title, url=url, summary=_clean(summary_node.text()) if summary_node else "")
        story.published = _time_in(time_node.parent or item) if time_node else _time_in(item)
        stories[url] = story
    return list(stories.values())


def scrape_headlines(
    html: str | bytes, url: str, rule: ScrapeRule | None = None, content_type: str | None = None
) -> list[Story]:
    """A listing page's headlines in page order, deduplicated by URL."""
    text = safe.block(decode_html(html, content_type))
    tree = LexborHTMLParser(text)
    if rule is not None:
        return _by_rule(tree, url, rule)
    for node in tree.css(CHROME):
        node.decompose()
    links = _candidates(tree, url)
    groups: defaultdict[str, list[_Link]] = defaultdict(list)
    for link in links:
        groups[link.signature].append(link)
    chosen = [link for group in groups.values() if len({g.url for g in group}) >= MIN_GROUP for link in group]
    if not chosen:
        chosen = links  # a page with few headlines: every article-like link it has
    stories: dict[str, Story] = {}
    for link in sorted(chosen, key=lambda x: x.order):
        if link.url not in stories:
            stories[link.url] = _story(link.node, link.url, link.title, url)
    return list(stories.values())
