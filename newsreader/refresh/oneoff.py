"""One-off fetches for the headless commands: a URL's headlines without subscribing, one story's page."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from newsreader.config import Config
from newsreader.extract import extract_article
from newsreader.fetch import ACCEPT_PAGE, Fetcher
from newsreader.model import Article, Story
from newsreader.refresh.guard import TimeLimitError
from newsreader.refresh.reading import no_headlines, read_response
from newsreader.sources.discover import is_feed, sniff
from newsreader.sources.feed import FeedError
from newsreader.sources.scrape import ScrapeError, rule_for

T = TypeVar("T")


async def _limited(limit: float, what: str, fn: Callable[..., T], *args: Any) -> T:
    """fn(*args) in a daemon thread, waited for at most `limit` seconds (0: no limit). A one-off command has one
    document: past the limit it is abandoned (TimeLimitError) and the command ends, the thread with the process
    (a daemon thread is not waited for at exit, unlike the event loop's executor)."""
    future: Future[T] = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            result = fn(*args)
        except BaseException as exc:  # handed to the awaiting caller, who reports it
            future.set_exception(exc)
        else:
            future.set_result(result)

    threading.Thread(target=run, name=what, daemon=True).start()
    try:
        # shield: giving up must not cancel a future the thread is about to settle (it would raise there).
        return await asyncio.wait_for(asyncio.shield(asyncio.wrap_future(future)), limit if limit > 0 else None)
    except TimeoutError:
        raise TimeLimitError(f"{what} took longer than {limit:g} s; abandoned") from None


class WrongKindError(Exception):
    """A URL that serves something else than was asked for (a feed where a story's page was wanted)."""


async def headlines_of(fetcher: Fetcher, url: str, config: Config, scrape: bool = False) -> list[Story]:
    """The headlines the reader would show for a URL, fetched once without subscribing.

    A page is scraped; scrape=True asks for the page (as `add --scrape`) and refuses what is not one. A page that
    gives no headlines is a ScrapeError that says why (a story's page, a site rule matching nothing).
    """
    resp = await fetcher.get(url, accept=ACCEPT_PAGE if scrape else "*/*")
    kind = sniff(resp.content, resp.content_type)
    loop = asyncio.get_running_loop()
    if scrape and kind != "html":
        what = "an empty response" if kind == "empty" else f"{kind} ({resp.content_type or 'no Content-Type'})"
        raise ScrapeError(f"asked to scrape a page, but the server sent {what}")
    rule = rule_for(url, config.scrape) if kind == "html" else None
    limit = config.parse_timeout
    read = await _limited(limit, "parsing", read_response, resp, "scrape" if kind == "html" else "feed", rule)
    if not read.stories and kind == "html":
        raise ScrapeError(await loop.run_in_executor(None, no_headlines, resp, rule))
    if not read.stories:
        raise FeedError("the feed holds no stories")
    return read.stories


async def article_of(fetcher: Fetcher, url: str, *, pages_only: bool = False, limit: float = 0) -> Article:
    """One page fetched and extracted, without storing it, in at most `limit` seconds (0: no limit; TimeLimitError).
    pages_only: a feed is refused (WrongKindError)."""
    resp = await fetcher.get(url, accept=ACCEPT_PAGE)
    if pages_only and sniff(resp.content, resp.content_type) in ("feed", "json") and is_feed(resp.content):
        raise WrongKindError("it is a feed, not a story's page (`newsreader headlines URL` lists its stories)")
    return await _limited(limit, "extraction", extract_article, resp.content, resp.url, resp.content_type)
