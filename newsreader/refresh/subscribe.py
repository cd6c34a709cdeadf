"""Subscribing: a feed, the feed a page advertises, or the page itself to scrape; the source and its first
stories saved in one transaction. Also how a URL names a subscription (find_source)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from newsreader import safe, urls
from newsreader.config import Config
from newsreader.fetch import ACCEPT_PAGE, Fetcher, FetchError, Response
from newsreader.model import Source
from newsreader.refresh.guard import TimeLimitError, WorkerDied
from newsreader.refresh.reading import no_headlines, read_response
from newsreader.sources.discover import find_feeds, sniff
from newsreader.sources.feed import FeedError
from newsreader.sources.scrape import ScrapeError, rule_for
from newsreader.store import RefreshResult, Store
from newsreader.words import plural

T = TypeVar("T")


class Refreshing(Protocol):
    """What subscribing needs of the Refresher (refresher.py), named here so neither imports the other."""

    store: Store
    fetcher: Fetcher
    config: Config

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def _limited(self, limit: float, what: str, fn: Callable[..., T], *args: Any) -> T: ...

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T: ...


def find_source(store: Store, url: str) -> Source | None:
    """The subscription `url` names: stored as given or normalised (urls.normalise), stored in another spelling of
    the same URL (a database from before URLs were normalised), or stored with characters the reader never shows
    (the URL as `sources` prints it names it)."""
    wanted = urls.normalise(url)
    for candidate in dict.fromkeys((url, wanted)):
        found = store.source(candidate)
        if found is not None:
            return found
    for source in store.sources():
        if urls.normalise(source.url) == wanted or url in (safe.url(source.url), safe.line(source.url)):
            return source
    return None


def _described(source: Source) -> str:
    """A source named for a message: what it is, its title and its URL."""
    what = "the scraped page" if source.kind == "scrape" else "the feed"
    return f"{what} “{source.title}” <{source.url}>" if source.title else f"{what} <{source.url}>"


class SubscribeError(Exception):
    """A URL that cannot be subscribed to; the message says why."""


@dataclass(slots=True)
class Subscribed:
    source: Source
    message: str
    new: int = 0


async def subscribe(self: Refreshing, url: str, scrape: bool = False, full_text: bool = True) -> Subscribed:
    """Add a feed, the feed a page advertises, or (without one, or with scrape=True) the page to scrape.

    `url` without a scheme is read as https; it is stored normalised (urls.normalise).
    """
    url = urls.with_scheme(url)
    problem = urls.problem(url)
    if problem:
        raise SubscribeError(f"{url}: {problem}")
    url = urls.normalise(url)
    existing = await self._db(find_source, self.store, url)
    if existing:
        return Subscribed(existing, f"already subscribed to {_described(existing)}")
    try:
        resp = await self.fetcher.get(url, accept=ACCEPT_PAGE if scrape else "*/*")
    except FetchError as exc:
        raise SubscribeError(f"{url}: {exc}") from None
    kind = sniff(resp.content, resp.content_type)
    if kind == "empty":
        raise SubscribeError(f"{url}: the server sent an empty response")
    if kind == "json":  # a JSON Feed is a feed; other JSON gets parse_feed's clear error
        return await _subscribe_feed(self, url, resp=resp, full_text=full_text)
    if kind == "html" and not scrape:
        feeds = await self._cpu(find_feeds, resp.content, resp.url, resp.content_type)  # a whole page: not on the loop
        if feeds:
            feed_url, feed_title = feeds[0]
            feed_url = urls.normalise(feed_url)
            return await _subscribe_feed(
                self,
                feed_url,
                site_url=url,
                note=f"found the feed “{feed_title or feed_url}” <{feed_url}> on the page; subscribed to it",
                full_text=full_text,  # was lost here: `add --no-full-text` of such a page stored it on
            )
    if kind == "html":
        return await _subscribe_page(self, url, resp, full_text, asked=scrape)
    return await _subscribe_feed(self, url, resp=resp, full_text=full_text)


async def _subscribe_feed(
    self: Refreshing, url: str, resp: Response | None = None, site_url: str = "", note: str = "", full_text: bool = True
) -> Subscribed:
    existing = await self._db(find_source, self.store, url)
    if existing:
        found = f"the page advertises {_described(existing)}: already subscribed" if site_url else ""
        return Subscribed(existing, found or f"already subscribed to {_described(existing)}")
    if resp is None:
        try:
            resp = await self.fetcher.get(url)
        except FetchError as exc:
            raise SubscribeError(f"{url}: {exc}") from None
    try:
        read = await self._limited(
            self.config.parse_timeout, "parsing", read_response, resp, "feed", None, self.config.max_items_per_source
        )
    except (FeedError, TimeLimitError, WorkerDied) as exc:
        raise SubscribeError(f"{url}: {exc}") from None
    first = RefreshResult(title=read.title, etag=resp.etag, last_modified=resp.last_modified, warning=read.warning)
    source, new = await self._db(
        self.store.subscribe,
        url,
        read.stories,
        first,
        kind="feed",
        title=read.title,
        site_url=site_url,
        full_text=full_text,
    )
    message = note or f"subscribed to the feed “{read.title or url}”"
    return Subscribed(source, f"{message} ({plural(new, 'story')})", new)


async def _subscribe_page(
    self: Refreshing, url: str, resp: Response, full_text: bool = True, asked: bool = False
) -> Subscribed:
    """Subscribe to a page's scraped headlines; `asked`: scraping was asked for (the page may have a feed)."""
    rule = rule_for(url, self.config.scrape)
    try:
        read = await self._limited(
            self.config.parse_timeout,
            "reading the page",
            read_response,
            resp,
            "scrape",
            rule,
            self.config.max_items_per_source,
        )
    except (ScrapeError, TimeLimitError, WorkerDied) as exc:
        raise SubscribeError(f"{url}: {exc}") from None
    stories, title = read.stories, read.title
    if not stories:
        why = await self._cpu(no_headlines, resp, rule)
        raise SubscribeError(f"{url}: {why if asked or rule else why + ', and no feed advertised'}")
    first = RefreshResult(title=title or None, etag=resp.etag, last_modified=resp.last_modified)
    source, new = await self._db(
        self.store.subscribe, url, stories, first, kind="scrape", title=title, full_text=full_text
    )
    how = "as asked" if asked else "(the page advertises no feed)"
    name = f"“{title}”" if title else "the page"
    return Subscribed(source, f"scraping the headlines of {name} {how} ({plural(new, 'story')})", new)
