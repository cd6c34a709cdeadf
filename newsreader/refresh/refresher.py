"""The Refresher: sources -> fetch -> parse/extract -> store; concurrent, one outcome per source; whole
stories within a budget; store writes batched.

Parsing and extraction run in an executor and every store call in a thread, so the event loop (the
TUI's, when it drives this) only waits on sockets.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from newsreader.config import Config
from newsreader.extract import ExtractError, extract_article
from newsreader.fetch import ACCEPT_PAGE, Fetcher, FetchError
from newsreader.model import Article, Source, Story
from newsreader.refresh.guard import GuardedPool, TimeLimitError, WorkerDied
from newsreader.refresh.pool import parse_and_save
from newsreader.refresh.reading import Read, read_response
from newsreader.refresh.subscribe import Subscribed, subscribe
from newsreader.sources.feed import FeedError
from newsreader.sources.scrape import ScrapeError, rule_for
from newsreader.store import RefreshResult, Store, StoreError
from newsreader.words import plural

T = TypeVar("T")
log = logging.getLogger(__name__)

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

    # --- pictures (issue #17): lead photos of the stories whose page was fetched, in their own small budget
    pictures: int = 0
    picture_bytes: int = 0
    used_pictures: int = 0
    used_picture_bytes: int = 0

    def take_picture(self) -> bool:
        if self.used_pictures >= self.pictures or self.used_picture_bytes >= self.picture_bytes:
            return False
        self.used_pictures += 1
        return True

    # --- end pictures


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
        return ArticleBudget(
            self.config.articles_per_refresh,
            self.config.article_bytes_per_refresh,
            pictures=self.config.images_per_refresh if self.config.images != "off" else 0,
            picture_bytes=self.config.image_bytes_per_refresh,
        )

    async def _cpu(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, functools.partial(fn, *args))

    # --- time limits (issue #15): a parse or an extraction in a GuardedPool runs at most its limit ---------------
    async def _limited(self, limit: float, what: str, fn: Callable[..., T], *args: Any) -> T:
        """fn(*args) in the executor; in a GuardedPool at most `limit` seconds (TimeLimitError: "parsing took longer
        than 10 s; abandoned", its worker killed and replaced). Elsewhere (threads) without a limit."""
        if isinstance(self.executor, GuardedPool):
            result: T = await asyncio.wrap_future(self.executor.submit_limited(limit, what, fn, *args))
            return result
        return await self._cpu(fn, *args)

    # --- end time limits

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

        outcomes = list(await asyncio.gather(*(one(s) for s in sources)))
        await self.purge_old()
        return outcomes

    async def purge_old(self) -> int:
        """Retention, after a refresh of everything: stories older than keep_days leave (starred stay; unread
        too unless keep_unread is off). A failure to purge is logged and costs nothing else."""
        if self.config.keep_days <= 0:
            return 0
        cutoff = time.time() - self.config.keep_days * 86400
        try:
            # Not through _write: a purge may compact the file, which cannot happen inside the batch's transaction.
            return await self._db(self.store.purge, cutoff, keep_unread=self.config.keep_unread)
        except StoreError as exc:
            log.warning("purging stories older than %s days failed: %s", self.config.keep_days, exc)
            return 0

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
            except (FeedError, ScrapeError, TimeLimitError, WorkerDied) as exc:
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
        limit = self.config.parse_timeout
        if isinstance(self.executor, GuardedPool) and self.executor.saves and str(self.store.path) != ":memory:":
            # Parsed and saved in the worker process: only a count comes back, and this process (the
            # network's) keeps its one core for the network. (Saving here cost it ~3.5 s of 500 feeds.)
            rule = rule_for(source.url, self.config.scrape) if source.kind == "scrape" else None
            outcome.new, feed_title, outcome.warning = await self._limited(
                limit,
                "parsing",
                parse_and_save,
                str(self.store.path),
                source.id,
                source.kind,
                resp,
                rule,
                self.config.max_items_per_source,
            )
            if feed_title and not outcome.title:
                outcome.title = feed_title
            return
        rule = rule_for(source.url, self.config.scrape) if source.kind == "scrape" else None
        read: Read = await self._limited(
            limit, "parsing", read_response, resp, source.kind, rule, self.config.max_items_per_source
        )
        outcome.warning = read.warning
        if read.title and not outcome.title:
            outcome.title = read.title
        outcome.new = await self._write(
            self.store.save_stories,
            source.id,
            read.stories,
            RefreshResult(
                title=read.title or None, etag=resp.etag, last_modified=resp.last_modified, warning=read.warning
            ),
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

    async def subscribe(self, url: str, scrape: bool = False, full_text: bool = True) -> Subscribed:
        """Add a feed, the feed a page advertises, or (without one, or with scrape=True) the page to scrape."""
        return await subscribe(self, url, scrape, full_text)

    async def load_article(self, story: Story, budget: ArticleBudget | None = None) -> tuple[Article | None, str]:
        """Fetch and extract a story's page and keep it; returns the article or why not (also kept)."""
        assert story.id is not None
        try:
            resp = await self.fetcher.get(story.url, accept=ACCEPT_PAGE)
            if budget is not None:
                budget.spend(len(resp.content))
            article = await self._limited(
                self.config.extract_timeout, "extraction", extract_article, resp.content, resp.url, resp.content_type
            )
        except (
            FetchError,
            ExtractError,
            TimeLimitError,
            WorkerDied,
        ) as exc:  # an ExtractError is logged, with its traceback, where raised
            await self._write(self.store.save_article, story.id, None, str(exc))
            return None, str(exc)
        await self._write(self.store.save_article, story.id, article)
        if budget is not None:
            from newsreader.render import article_pictures

            # The lead photo, then the body's pictures, for offline reading: as many as the budget has left.
            for url in article_pictures(article):
                if not budget.take_picture():
                    break
                await self._keep_picture(url, budget)
        return article, ""

    async def _keep_picture(self, url: str, budget: ArticleBudget) -> None:
        """A story's picture into the picture cache for offline reading (issue #17); a failure is logged and the
        picture is tried again when the story is opened."""
        from newsreader.config import image_cache_dir
        from newsreader.images import ImageCache, ImageError, fetch_image

        try:
            png = await fetch_image(self.fetcher, ImageCache(image_cache_dir(), self.config.image_cache_bytes), url)
        except (ImageError, OSError) as exc:
            log.info("picture %s not kept: %s", url, exc)
            return
        budget.used_picture_bytes += len(png)

    # -- subscribe ------------------------------------------------------------------------------------
