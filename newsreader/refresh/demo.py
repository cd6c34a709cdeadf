"""The bundled sample source for `newsreader --demo`: its feed and every story's page, loaded through the same
core as a real refresh, with no network."""

from __future__ import annotations

from importlib import resources

from newsreader.extract import ExtractError, extract_article
from newsreader.model import Source
from newsreader.sources.feed import parse_feed
from newsreader.store import RefreshResult, Store

DEMO_URL = "demo:steppe-ledger"


def load_demo(store: Store) -> Source:
    """Fill a store with the bundled sample source (no network): its feed, and every story's page extracted."""
    demo = resources.files("newsreader") / "demo"
    existing = store.source(DEMO_URL)
    if existing and existing.total:
        return existing
    parsed = parse_feed(demo.joinpath("feed.xml").read_bytes(), "http://news.example/rss.xml", "application/rss+xml")
    source, _ = store.subscribe(
        DEMO_URL, parsed.stories, RefreshResult(title=parsed.title), title=parsed.title, full_text=False
    )
    assert source.id is not None
    pages = demo / "pages"
    for story in store.headlines(source.id, limit=1000):
        name = story.url.rsplit("/", 1)[-1]
        page = pages.joinpath(name)
        if story.id is not None and page.is_file():
            try:
                article = extract_article(page.read_bytes(), story.url, "text/html; charset=utf-8")
            except ExtractError as exc:  # logged where raised; the story shows its feed text and says why
                store.save_article(story.id, None, str(exc))
            else:
                store.save_article(story.id, article)
    return store.source(DEMO_URL) or source
