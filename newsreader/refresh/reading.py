"""How a response becomes stories: the one place that decides, for refresh, subscribe, `headlines` and the
worker pool alike. A feed is parsed (sources.feed); a listing page is scraped (sources.scrape) and named by its
<title>. Pure functions of bytes: they run in threads or worker processes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from newsreader import safe
from newsreader.fetch import Response
from newsreader.model import ScrapeRule, Story
from newsreader.sources.feed import parse_feed
from newsreader.sources.scrape import scrape_headlines


@dataclass(slots=True)
class Read:
    """What a response held: its stories, its title ("" if it names none) and a warning (malformed, ...)."""

    stories: list[Story]
    title: str = ""
    warning: str = ""


def read_response(resp: Response, kind: str, rule: ScrapeRule | None = None, cap: int = 0) -> Read:
    """A source's response as stories: `kind` "scrape" scrapes the page (with `rule`, if the config has one for
    it), anything else parses a feed; at most `cap` of them (the newest), when cap > 0. Raises FeedError or
    ScrapeError with a clear message."""
    if kind == "scrape":
        read = Read(scrape_headlines(resp.content, resp.url, rule, resp.content_type), page_title(resp))
        listed = len(read.stories)
    else:
        # A huge feed is read in chunks keeping the newest `cap` (memory stays flat); `listed` counts them all.
        parsed = parse_feed(resp.content, resp.url, resp.content_type, keep=cap)
        read = Read(parsed.stories, parsed.title, parsed.warning)
        listed = max(parsed.listed, len(read.stories))
    if cap and listed > cap:
        read.stories = newest(read.stories, cap)
        note = f"it lists {listed:,} stories; the newest {cap:,} are kept (max_items_per_source)"
        read.warning = f"{read.warning}; {note}" if read.warning else note
    return read


def newest(stories: list[Story], cap: int) -> list[Story]:
    """The `cap` newest stories, in their order on the page or feed; undated ones count as old as the oldest."""
    floor = datetime.min.replace(tzinfo=UTC)
    ranked = sorted(range(len(stories)), key=lambda i: (stories[i].published or floor, -i), reverse=True)
    keep = sorted(ranked[:cap])
    return [stories[i] for i in keep]


def page_title(resp: Response) -> str:
    """A listing page's name for its source: its <title>, else its og:site_name ("" without either)."""
    from selectolax.lexbor import LexborHTMLParser

    from newsreader.extract import decode_html

    tree = LexborHTMLParser(decode_html(resp.content, resp.content_type))
    node = tree.css_first("head title") or tree.css_first("title")
    title = safe.line(node.text()) if node is not None else ""
    if not title:
        site = tree.css_first('meta[property="og:site_name"]')
        title = safe.line(site.attributes.get("content") or "") if site is not None else ""
    return title[:200]


def _looks_like_a_story(html: bytes, content_type: str) -> bool:
    """A story's own page rather than a listing: it says so (og:type article) or holds one <article>."""
    from selectolax.lexbor import LexborHTMLParser

    from newsreader.extract import decode_html

    tree = LexborHTMLParser(decode_html(html, content_type))
    kind = tree.css_first('meta[property="og:type"]')
    if kind is not None and (kind.attributes.get("content") or "").strip().lower() == "article":
        return True
    return len(tree.css("article")) == 1


def no_headlines(resp: Response, rule: ScrapeRule | None) -> str:
    """Why scraping a page found nothing, as well as can be told."""
    if rule is not None:
        return f"the [[scrape]] rule for {rule.match!r} found no headlines on the page (item = {rule.item!r})"
    if _looks_like_a_story(resp.content, resp.content_type):
        return "found no headlines: this looks like a story's own page (`newsreader article URL` reads it)"
    return "found no headlines on the page"
