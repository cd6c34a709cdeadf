"""The bundled sample source for `newsreader --demo`: its feed and every story's page, loaded through the same
core as a real refresh, with no network."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING

from newsreader.extract import ExtractError, extract_article
from newsreader.model import Source
from newsreader.sources.feed import parse_feed
from newsreader.store import RefreshResult, Store

if TYPE_CHECKING:
    from newsreader.images import ImageCache

DEMO_URL = "demo:steppe-ledger"
DEMO_MEDIA = "http://news.example/media/2025/11/"  # where the sample pages say their photos are


def keep_demo_pictures(cache: ImageCache) -> int:
    """Put the bundled photos in the picture cache under the addresses the pages give, prepared as a fetched
    one would be (images.prepare): the demo shows them with no network. Returns how many were added."""
    from newsreader.images import prepare

    added = 0
    for photo in (resources.files("newsreader") / "demo" / "media").iterdir():
        url = DEMO_MEDIA + photo.name
        if photo.name.endswith(".jpg") and not cache.path(url).is_file():
            cache.put(url, prepare(photo.read_bytes()).png)
            added += 1
    return added


def load_demo(store: Store, pictures: ImageCache | None = None) -> Source:
    """Fill a store with the bundled sample source (no network): its feed, and every story's page extracted;
    and `pictures` with its photos."""
    demo = resources.files("newsreader") / "demo"
    if pictures is not None:
        keep_demo_pictures(pictures)
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
