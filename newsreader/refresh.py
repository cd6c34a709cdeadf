"""Orchestration: sources -> fetch -> parse/extract -> store; concurrent, one outcome per source.

Parsing and extraction run in an executor and every store call in a thread, so the event loop (the
TUI's, when it drives this) only waits on sockets.
"""

from __future__ import annotations

import asyncio
import functools
import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

from newsreader import logs, safe, urls
from newsreader.config import Config
from newsreader.extract import ExtractError, extract_article
from newsreader.fetch import ACCEPT_PAGE, Fetcher, FetchError, Response
from newsreader.model import Article, ScrapeRule, Source, Story
from newsreader.sources.discover import find_feeds, is_feed, sniff
from newsreader.sources.feed import FeedError, ParsedFeed, parse_feed
from newsreader.sources.scrape import ScrapeError, rule_for, scrape_headlines
from newsreader.store import RefreshResult, Store, StoreError
from newsreader.words import plural

T = TypeVar("T")

POOL_MIN_SOURCES = 20  # below this a process pool costs more to start than it saves


def worker_pool(sources: int) -> ProcessPoolExecutor | None:
    """Worker processes that parse and save for a refresh of many sources (see parse_and_save), or None.

    Off this process's GIL: in the TUI, parsing in threads kept the keys waiting (p95 ~0.5 s over 500 feeds).
    """
    cores = os.cpu_count() or 1
    if sources < POOL_MIN_SOURCES or cores < 2:
        return None
    import multiprocessing

    context = multiprocessing.get_context("forkserver")
    # Workers run parse_and_save (parsers and the store): imported once, in the fork server.
    context.set_forkserver_preload(["newsreader.refresh"])
    _start_resource_tracker()
    return ProcessPoolExecutor(
        max_workers=min(2, cores), mp_context=context, initializer=_worker_init, initargs=(os.getpid(), logs.current())
    )


def _start_resource_tracker() -> None:
    """multiprocessing hands sys.stderr's descriptor to its resource tracker; under the TUI, sys.stderr is
    Textual's capture, whose descriptor is -1, and starting the tracker would raise. Start it with the real one."""
    from multiprocessing import resource_tracker

    try:
        if sys.stderr is not None and sys.stderr.fileno() >= 0:
            return
    except (AttributeError, OSError, ValueError):
        pass
    captured, sys.stderr = sys.stderr, sys.__stderr__
    try:
        resource_tracker.ensure_running()
    finally:
        sys.stderr = captured


def _worker_init(parent: int, log: Path | None = None) -> None:
    """In a pool worker: say nothing on stderr (the TUI draws there; failures come back as exceptions, and are
    logged to the parent's log file), and leave when the process that started it is gone (killed with SIGKILL,
    it cannot say so)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    if log is not None:
        logs.setup(log, rotate=False)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(0)

    threading.Thread(target=watch, name="newsreader-orphan-guard", daemon=True).start()


_worker_stores: dict[str, Store] = {}


def parse_and_save(db: str, source_id: int, kind: str, resp: Response, rule: ScrapeRule | None) -> tuple[int, str, str]:
    """In a refresh's worker process: a source's response to stories in the store, with its validators.

    Returns (new stories, the feed's title, a warning). The worker keeps one connection to the store
    its parent opened and checked.
    """
    store = _worker_stores.get(db)
    if store is None:
        store = _worker_stores[db] = Store(db, checked=True)
    title, warning = "", ""
    if kind == "scrape":
        stories = scrape_headlines(resp.content, resp.url, rule, resp.content_type)
        title = page_title(resp)
    else:
        parsed = parse_feed(resp.content, resp.url, resp.content_type)
        stories, title, warning = parsed.stories, parsed.title, parsed.warning
    new = store.save_stories(
        source_id,
        stories,
        RefreshResult(title=title or None, etag=resp.etag, last_modified=resp.last_modified, warning=warning),
    )
    return new, title, warning


# Store writes committed in one transaction at most. The store is locked meanwhile (~8 ms a source), and the
# reader's own reads (a page of headlines, opening a story) wait for it during a refresh in the TUI.
WRITE_BATCH = 4


WAITING_COUNTED = 10_000  # stories needing their page, read per source to say how many wait (the rest: "10000")


@dataclass(slots=True)
class ArticleBudget:
    """What one refresh may spend on whole stories: a count of pages, and their bytes."""

    pages: int
    bytes: int
    used_pages: int = 0
    used_bytes: int = 0

    def take(self) -> bool:
        """One page more, if the count allows (bytes are checked when it is its turn)."""
        if self.used_pages >= self.pages:
            return False
        self.used_pages += 1
        return True

    def has_bytes(self) -> bool:
        return self.used_bytes < self.bytes

    def spend(self, n: int) -> None:
        self.used_bytes += n


@dataclass(slots=True)
class Outcome:
    """What refreshing one source came to."""

    url: str
    title: str = ""
    status: str = "ok"  # "ok" | "not_modified" | "error" | "backing_off"
    new: int = 0
    error: str = ""
    warning: str = ""
    articles: int = 0  # pages fetched and extracted
    article_errors: int = 0
    articles_waiting: int = 0  # stories whose page is left for later by the refresh's budget

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "title": self.title,
            "status": self.status,
            "new": self.new,
            "error": self.error or None,
            "warning": self.warning or None,
            "articles": self.articles,
            "article_errors": self.article_errors,
            "articles_waiting": self.articles_waiting,
        }

    def describe(self) -> str:
        name = self.title or self.url
        extra = f"; {plural(self.articles, 'full story', 'full stories')}" if self.articles else ""
        extra += f"; {plural(self.article_errors, 'page')} failed" if self.article_errors else ""
        if self.articles_waiting:
            extra += f"; {plural(self.articles_waiting, 'story waits', 'stories wait')} for "
            extra += "its whole text" if self.articles_waiting == 1 else "their whole text"
        if self.status == "error":
            return f"{name}: error: {self.error}"
        if self.status == "backing_off":
            return f"{name}: skipped: {self.error}"
        if self.status == "not_modified":
            return f"{name}: not modified{extra}"
        warn = f" (warning: {self.warning})" if self.warning else ""
        return f"{name}: {self.new} new{extra}{warn}"


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


@dataclass(slots=True)
class Refresher:
    """Refreshes sources into a store with one Fetcher; use within `async with Fetcher(...)`."""

    store: Store
    fetcher: Fetcher
    config: Config
    executor: Executor | None = None  # where parsing/extraction run; None = the default thread pool
    on_outcome: Callable[[Outcome], None] | None = None
    _articles: asyncio.Semaphore = field(init=False)
    _writes: list[tuple[Callable[[], Any], asyncio.Future[Any]]] = field(init=False, default_factory=list)
    _writer: asyncio.Task[None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._articles = asyncio.Semaphore(max(1, self.config.extract_concurrency))

    def budget(self) -> ArticleBudget:
        """A fresh allowance of whole stories for one refresh (of one source, or of all of them together)."""
        return ArticleBudget(self.config.articles_per_refresh, self.config.article_bytes_per_refresh)

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(fn, *args))

    async def _db(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.to_thread(fn, *args, **kwargs)

    async def _write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """A store write, committed together with the others waiting meanwhile (Store.batch).

        One batch runs at a time; writes that arrive meanwhile go in the next (WRITE_BATCH at most). Each keeps its own
        outcome: one that fails is undone alone. Committing per source cost ~2.5 ms more a source (FTS5
        flushes and the WAL is written per transaction).
        """
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._writes.append((functools.partial(fn, *args, **kwargs), future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._drain_writes())
        return await future

    async def _drain_writes(self) -> None:
        while self._writes:
            batch, self._writes = self._writes[:WRITE_BATCH], self._writes[WRITE_BATCH:]
            try:
                results = await asyncio.to_thread(self._run_batch, [call for call, _ in batch])
            except Exception as exc:  # the commit itself failed: nothing of the batch was saved
                results = [exc] * len(batch)
            for (_, future), result in zip(batch, results, strict=True):
                if future.done():
                    continue  # its caller was cancelled
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)

    def _run_batch(self, calls: list[Callable[[], Any]]) -> list[Any]:
        results: list[Any] = []
        with self.store.batch():
            for call in calls:
                try:
                    results.append(call())
                except Exception as exc:  # undone alone (its savepoint); handed to its caller
                    results.append(exc)
        return results

    # -- refresh --------------------------------------------------------------------------------------

    async def refresh_all(self, sources: list[Source] | None = None, full_text: bool = True) -> list[Outcome]:
        """Refresh sources concurrently (bounded); one source's failure never stops the others."""
        if sources is None:
            sources = await self._db(self.store.sources)
        gate = asyncio.Semaphore(max(1, self.config.network.concurrency))
        budget = self.budget()

        async def one(source: Source) -> Outcome:
            async with gate:
                try:
                    outcome = await self.refresh_source(source, full_text=full_text, budget=budget)
                except Exception as exc:  # a bug of ours must cost one source, never the run
                    outcome = Outcome(source.url, source.title, "error", error=f"unexpected failure: {exc!r}")
            if self.on_outcome:
                self.on_outcome(outcome)
            return outcome

        return list(await asyncio.gather(*(one(s) for s in sources)))

    async def refresh_source(
        self, source: Source, full_text: bool = True, budget: ArticleBudget | None = None
    ) -> Outcome:
        outcome = Outcome(url=source.url, title=source.title)
        assert source.id is not None
        now = datetime.now(UTC)
        if source.backoff_until and source.backoff_until > now:
            outcome.status = "backing_off"
            outcome.error = f"the server asked us to wait until {source.backoff_until:%Y-%m-%d %H:%M} UTC"
        else:
            try:
                await self._fetch_stories(source, outcome)
            except FetchError as exc:
                outcome.status, outcome.error = "error", str(exc)
                await self._write(
                    self.store.record_refresh,
                    source.id,
                    RefreshResult(error=outcome.error, backoff_until=exc.retry_after),
                )
            except (FeedError, ScrapeError) as exc:
                outcome.status, outcome.error = "error", str(exc)
                await self._write(self.store.record_refresh, source.id, RefreshResult(error=outcome.error))
            except StoreError as exc:
                outcome.status, outcome.error = "error", str(exc)  # e.g. disk full: nothing of it was saved
        if full_text and self.config.full_text and source.full_text and outcome.status != "backing_off":
            await self._fetch_articles(source.id, outcome, budget or self.budget())
        return outcome

    async def _fetch_stories(self, source: Source, outcome: Outcome) -> None:
        assert source.id is not None
        accept = ACCEPT_PAGE if source.kind == "scrape" else None
        kwargs = {"accept": accept} if accept else {}
        resp = await self.fetcher.get(source.url, etag=source.etag, last_modified=source.last_modified, **kwargs)
        if resp.not_modified:
            outcome.status = "not_modified"
            await self._write(self.store.record_refresh, source.id)
            return
        if isinstance(self.executor, ProcessPoolExecutor) and str(self.store.path) != ":memory:":
            # Parsed and saved in the worker process: only a count comes back, and this process (the
            # network's) keeps its one core for the network. (Saving here cost it ~3.5 s of 500 feeds.)
            rule = rule_for(source.url, self.config.scrape) if source.kind == "scrape" else None
            outcome.new, feed_title, outcome.warning = await self._cpu(
                parse_and_save, str(self.store.path), source.id, source.kind, resp, rule
            )
            if feed_title and not outcome.title:
                outcome.title = feed_title
            return
        if source.kind == "scrape":
            rule = rule_for(source.url, self.config.scrape)
            stories = await self._cpu(scrape_headlines, resp.content, resp.url, rule, resp.content_type)
            title = await self._cpu(page_title, resp) or None
            if title and not outcome.title:
                outcome.title = title
        else:
            parsed: ParsedFeed = await self._cpu(parse_feed, resp.content, resp.url, resp.content_type)
            stories, title, outcome.warning = parsed.stories, parsed.title or None, parsed.warning
            if title and not outcome.title:
                outcome.title = title
        outcome.new = await self._write(
            self.store.save_stories,
            source.id,
            stories,
            RefreshResult(title=title, etag=resp.etag, last_modified=resp.last_modified, warning=outcome.warning),
        )

    async def _fetch_articles(self, source_id: int, outcome: Outcome, budget: ArticleBudget) -> None:
        """The newest stories' pages, as many as the source's cap and the refresh's budget allow; the rest wait
        (counted in the outcome) for a later refresh or for the moment one is opened.

        A source none of whose pages was ever tried (just subscribed or imported) gets the smaller first cap: a
        fresh import of 500 feeds must not wait for 25,000 pages."""
        wanted = await self._db(self.store.stories_needing_article, source_id, WAITING_COUNTED)
        first = not await self._db(self.store.pages_tried, source_id)
        cap = self.config.first_articles if first else self.config.articles_per_source
        chosen = [s for s in wanted[:cap] if budget.take()]

        async def one(story: Story) -> None:
            async with self._articles:
                if not budget.has_bytes():
                    outcome.articles_waiting += 1
                    return
                _, error = await self.load_article(story, budget)
            if error:
                outcome.article_errors += 1
            else:
                outcome.articles += 1

        await asyncio.gather(*(one(s) for s in chosen))
        outcome.articles_waiting += len(wanted) - len(chosen)

    async def load_article(self, story: Story, budget: ArticleBudget | None = None) -> tuple[Article | None, str]:
        """Fetch and extract a story's page and keep it; returns the article or why not (also kept)."""
        assert story.id is not None
        try:
            resp = await self.fetcher.get(story.url, accept=ACCEPT_PAGE)
            if budget is not None:
                budget.spend(len(resp.content))
            article = await self._cpu(extract_article, resp.content, resp.url, resp.content_type)
        except (FetchError, ExtractError) as exc:  # an ExtractError is logged, with its traceback, where raised
            await self._write(self.store.save_article, story.id, None, str(exc))
            return None, str(exc)
        await self._write(self.store.save_article, story.id, article)
        return article, ""

    # -- subscribe ------------------------------------------------------------------------------------

    async def subscribe(self, url: str, scrape: bool = False, full_text: bool = True) -> Subscribed:
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
            return await self._subscribe_feed(url, resp=resp, full_text=full_text)
        if kind == "html" and not scrape:
            feeds = find_feeds(resp.content, resp.url, resp.content_type)
            if feeds:
                feed_url, feed_title = feeds[0]
                feed_url = urls.normalise(feed_url)
                return await self._subscribe_feed(
                    feed_url,
                    site_url=url,
                    note=f"found the feed “{feed_title or feed_url}” <{feed_url}> on the page; subscribed to it",
                    full_text=full_text,  # was lost here: `add --no-full-text` of such a page stored it on
                )
        if kind == "html":
            return await self._subscribe_page(url, resp, full_text, asked=scrape)
        return await self._subscribe_feed(url, resp=resp, full_text=full_text)

    async def _subscribe_feed(
        self, url: str, resp: Response | None = None, site_url: str = "", note: str = "", full_text: bool = True
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
            parsed = await self._cpu(parse_feed, resp.content, resp.url, resp.content_type)
        except FeedError as exc:
            raise SubscribeError(f"{url}: {exc}") from None
        first = RefreshResult(
            title=parsed.title, etag=resp.etag, last_modified=resp.last_modified, warning=parsed.warning
        )
        source, new = await self._db(
            self.store.subscribe,
            url,
            parsed.stories,
            first,
            kind="feed",
            title=parsed.title,
            site_url=site_url,
            full_text=full_text,
        )
        message = note or f"subscribed to the feed “{parsed.title or url}”"
        return Subscribed(source, f"{message} ({plural(new, 'story')})", new)

    async def _subscribe_page(
        self, url: str, resp: Response, full_text: bool = True, asked: bool = False
    ) -> Subscribed:
        """Subscribe to a page's scraped headlines; `asked`: scraping was asked for (the page may have a feed)."""
        rule = rule_for(url, self.config.scrape)
        try:
            stories = await self._cpu(scrape_headlines, resp.content, resp.url, rule, resp.content_type)
        except ScrapeError as exc:
            raise SubscribeError(f"{url}: {exc}") from None
        if not stories:
            why = await self._cpu(no_headlines, resp, rule)
            raise SubscribeError(f"{url}: {why if asked or rule else why + ', and no feed advertised'}")
        title = await self._cpu(page_title, resp)
        first = RefreshResult(title=title or None, etag=resp.etag, last_modified=resp.last_modified)
        source, new = await self._db(
            self.store.subscribe, url, stories, first, kind="scrape", title=title, full_text=full_text
        )
        how = "as asked" if asked else "(the page advertises no feed)"
        name = f"“{title}”" if title else "the page"
        return Subscribed(source, f"scraping the headlines of {name} {how} ({plural(new, 'story')})", new)


class WrongKindError(Exception):
    """A URL that serves something else than was asked for (a feed where a story's page was wanted)."""


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
    if kind == "html":
        rule = rule_for(url, config.scrape)
        stories = await loop.run_in_executor(None, scrape_headlines, resp.content, resp.url, rule, resp.content_type)
        if not stories:
            raise ScrapeError(await loop.run_in_executor(None, no_headlines, resp, rule))
        return stories
    parsed = await loop.run_in_executor(None, parse_feed, resp.content, resp.url, resp.content_type)
    if not parsed.stories:
        raise FeedError("the feed holds no stories")
    return parsed.stories


def no_headlines(resp: Response, rule: ScrapeRule | None) -> str:
    """Why scraping a page found nothing, as well as can be told."""
    if rule is not None:
        return f"the [[scrape]] rule for {rule.match!r} found no headlines on the page (item = {rule.item!r})"
    if _looks_like_a_story(resp.content, resp.content_type):
        return "found no headlines: this looks like a story's own page (`newsreader article URL` reads it)"
    return "found no headlines on the page"


async def article_of(fetcher: Fetcher, url: str, *, pages_only: bool = False) -> Article:
    """One page fetched and extracted, without storing it. pages_only: a feed is refused (WrongKindError)."""
    resp = await fetcher.get(url, accept=ACCEPT_PAGE)
    if pages_only and sniff(resp.content, resp.content_type) in ("feed", "json") and is_feed(resp.content):
        raise WrongKindError("it is a feed, not a story's page (`newsreader headlines URL` lists its stories)")
    return await asyncio.get_running_loop().run_in_executor(
        None, extract_article, resp.content, resp.url, resp.content_type
    )


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
