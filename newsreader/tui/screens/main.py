"""The one coordinating screen: owns the panes' shared state and starts every worker.

Widgets only show data and report what the reader did; all store and network work happens here, in
workers (threads for SQLite and parsing, async for the network), and comes back as typed messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from newsreader import safe
from newsreader.config import interval_for, save_dir
from newsreader.model import Folder, Selection, Source, Story, Tag
from newsreader.store import SORTS, Store, StoreError, View
from newsreader.tui import browser, commands
from newsreader.tui.messages import (
    HeadlinesLoaded,
    ListMoved,
    MarkedRead,
    PageLoaded,
    RefreshFinished,
    RefreshProgress,
    SourcesLoaded,
    StatusChanged,
    StoreChanged,
    StoryLoaded,
)
from newsreader.tui.reader import Reader
from newsreader.tui.screens.dialogs import (
    AddSourceScreen,
    ConfirmScreen,
    ErrorScreen,
    FailureScreen,
    HelpScreen,
    TagsScreen,
    TextInputScreen,
)
from newsreader.tui.widgets.account_line import AccountLine, SourcesPane
from newsreader.tui.widgets.article_view import ArticleView, RelatedList
from newsreader.tui.widgets.headline_list import PAGE, HeadlineList
from newsreader.tui.widgets.key_bar import KeyBar
from newsreader.tui.widgets.source_list import ALL, FOLDER, STARRED, SourceList, selection_of
from newsreader.words import plural

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from newsreader.refresh import Outcome

PANES = ("sources", "headlines", "article")  # the panes' ids, left to right

PROGRESS_EVERY = 0.25  # seconds between refresh progress updates on screen
READ_HERE_MAX = 10_000  # stories read in an unread-only list that it keeps listing (the latest read): a bound

log = logging.getLogger(__name__)

# What each group of workers was doing, in the reader's words, for the line that says it failed.
DOING = {
    "verify": "Checking the cache",
    "sources": "Reading the sources",
    "headlines": "Reading the headlines",
    "pages": "Reading more headlines",
    "story": "Opening the story",
    "article": "Fetching the story",
    "refresh": "Refreshing",
    "read": "Saving what was read",
    "star": "Saving the star",
    "save": "Saving the story",
    "browser": "Opening the link",
    "remove": "Unsubscribing",
    "add": "Subscribing",
    "pager": "Writing the story for the pager",
    "organise": "Changing the source",
}

# The network and extraction stack (httpx, feed parsers, trafilatura) is imported by the workers that use it,
# not at start-up: the first headlines should not wait for code that only a refresh needs.


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()


@dataclass(frozen=True, slots=True)
class ListRequest:
    """What a headline list is read for, taken on the event loop and handed to a worker thread."""

    key: tuple[object, ...]
    view: View
    query: str = ""
    select_story: int | None = None
    open_it: bool = False
    first: Future[tuple[int, list[Story]]] | None = None  # the page cli read before start, if not taken yet


def list_state(store: Store, request: ListRequest) -> HeadlinesLoaded:
    """The headline list's contents with the cursor on request.select_story (runs in a worker thread)."""
    key, view, select_story = request.key, request.view, request.select_story
    if request.query:
        rows = store.search(request.query, limit=PAGE, view=view)
        cursor = next((i for i, s in enumerate(rows) if s.id == select_story), 0)
        return HeadlinesLoaded(key, len(rows), {0: rows}, cursor)
    first = request.first
    # If that read failed, read again here.
    if first is not None and view == View() and select_story is None and first.exception() is None:
        total, rows = first.result()
        return HeadlinesLoaded(key, total, {0: rows}, 0)
    pages = {0: store.page(view, 0, PAGE)}
    total = store.count(view)
    cursor = 0
    if select_story is not None:
        # A story no longer in the view (read, in unread only) leaves the cursor where it would have been.
        cursor = min(store.position(select_story, view=view) or 0, max(0, total - 1))
        if cursor // PAGE not in pages:
            pages[cursor // PAGE] = store.page(view, cursor // PAGE * PAGE, PAGE)
    return HeadlinesLoaded(key, total, pages, cursor, select_story if request.open_it else None)


class MainScreen(Screen[None]):
    BINDINGS = list[BindingType](commands.MAIN + commands.VIEWS)
    # The layout's classes by the terminal's width (app.tcss): a headline gets 40+ columns of title at 80, 60+ at 160.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide"), (150, "-wider"), (180, "-widest")]
    AUTO_FOCUS = "HeadlineList"  # not the first pane: in the narrow layout that would show Sources first

    def __init__(self) -> None:
        super().__init__(classes="-pane-headlines")  # the pane in use at start (see on_descendant_focus)
        self.source_id: Selection = None  # a source's id, a Folder, a Tag, or None (All stories)
        self.search_query = ""
        self.story: Story | None = None
        self.refreshing = False
        self._refresh_loop: asyncio.AbstractEventLoop | None = None  # the running refresh's own loop
        self.verified = False
        self._last_marked: tuple[str, list[int]] | None = None  # what `A` marked read last (for `u`): name, ids
        # issue #16 part C: the open story's numbered links; automatic refresh (when each source was last done)
        self.links: list[str] = []
        self.auto_refreshing = False  # the running refresh was started by the timer (its news is a notification)
        self._auto_done: dict[int, float] = {}
        self._auto_since = time.monotonic()
        # -- views (issue #16): the Starred view, unread only, the order; the place kept for the next run --
        self.starred = False  # the Starred view (of every source; source_id is None)
        self.unread_only = False
        self.sort = SORTS[0]
        self._restoring = False  # the last run's place is being read: a choice of the reader's comes first
        self._pending_scroll: tuple[int, float] | None = None  # (story id, y) once that story is shown
        # Read since this unread-only list was shown, in the order read: it keeps listing them.
        self._read_here: dict[int, None] = {}

    @property
    def reader(self) -> Reader:
        return cast(Reader, self.app)

    def compose(self) -> ComposeResult:
        with Horizontal(id="panes"):
            with SourcesPane(id="sources"):  # the pane (its border, width, focus): the account line, then the list
                yield AccountLine(  # sync (issue #18)
                    getattr(self.app, "sync_account", None),
                    self.reader.store,
                    self.reader.config.network,
                    offline=self.reader.offline,
                    id="account-line",
                )
                yield SourceList(id="source-list")
            yield HeadlineList(id="headlines", clock=self.reader.clock)
            yield ArticleView(id="article")
        with Vertical(id="bottom"):  # the search box is mounted here on the first `/`
            yield Static("", id="status", markup=False)
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#sources").border_title = "Sources"
        self.query_one("#headlines").border_title = "Headlines"
        self.query_one("#article").border_title = "Story"
        restoring = self._restore_place()  # True: the kept place's list is being read (ListMoved)
        first = self.reader.first_page
        if not restoring and first is not None and first.done() and first.exception() is None:
            # Read before the UI had loaded: in the very first frame, without a round trip through a worker.
            self.reader.first_page = None
            total, rows = first.result()
            self.on_headlines_loaded(HeadlinesLoaded(self._list_key(), total, {0: rows}))
        elif not restoring:
            self.load_headlines()  # first: the headlines are what the reader is waiting for
        self.call_after_refresh(self.load_sources)  # the sources pane fills in just after the first frame
        self.query_one(HeadlineList).focus()
        self.watch(self.headlines, "cursor", self._keep_place, init=False)
        self.watch(self.query_one(ArticleView), "scroll_y", self._keep_place, init=False)
        if self.reader.demo:
            self.set_status("The demo: a bundled sample, read offline (there is nothing to fetch).")
        elif self.reader.offline:
            self.set_status("Offline: reading the cache only.")
        self._start_auto_refresh()  # issue #16 part C

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The pane in use, for the layouts that show only it (app.tcss); focus elsewhere (search) keeps it."""
        node: Widget | None = event.widget
        while node is not None and node.id not in PANES:
            node = node.parent if isinstance(node.parent, Widget) else None
        if node is not None and node.id is not None:
            for pane in PANES:
                self.set_class(pane == node.id, f"-pane-{pane}")

    # -- helpers ---------------------------------------------------------------------------------------

    def set_status(self, message: str) -> None:
        # Status lines carry feed titles and server error text: through the gate, as plain text.
        self.query_one("#status", Static).update(Text(safe.line(message)))

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one(HeadlineList)

    def _list_key(self) -> tuple[object, ...]:
        return (self._view(), self.search_query)

    def _view(self) -> View:
        return View(self.source_id, self.unread_only, self.starred, self.sort)

    # -- workers: the store ---------------------------------------------------------------------------

    @work(thread=True, group="verify", exit_on_error=False)
    def verify_store(self) -> None:
        """The full page check, after the first paint rather than before it."""
        result = self.reader.store.verify()
        if result != "ok":
            message = f"The cache {self.reader.store.path} is damaged ({result}). Quit, move it aside, and start again."
            log.error("%s", message)
            self.post_message(StatusChanged(message, severity="error"))

    @work(thread=True, exclusive=True, group="sources", exit_on_error=False)
    def load_sources(self) -> None:
        sources = self.reader.store.sources()
        starred = self.reader.store.count(View(starred_only=True))
        self.post_message(SourcesLoaded(sources, sum(s.unread for s in sources), starred))

    def load_headlines(self, select_story: int | None = None) -> None:
        """Read the headline list for what the screen shows now, with the cursor on `select_story`."""
        query = self.search_query
        first = None
        if not query:
            # Started before the UI was (usually done by now); taken here, on the event loop, not in the thread.
            first, self.reader.first_page = self.reader.first_page, None
        self._load_headlines(ListRequest(self._list_key(), self._view(), query, select_story, first=first))

    @work(thread=True, exclusive=True, group="headlines", exit_on_error=False)
    def _load_headlines(self, request: ListRequest) -> None:
        self.post_message(list_state(self.reader.store, request))

    @work(thread=True, group="pages", exit_on_error=False)
    def load_page(self, key: tuple[object, ...], page: int, read_here: tuple[int, ...] = ()) -> None:
        view = key[0] if isinstance(key[0], View) else View()
        if view.unread_only and read_here:
            view = replace(view, keep=read_here)  # the list's rows stay where they were
        self.post_message(PageLoaded(key, page, self.reader.store.page(view, page * PAGE, PAGE)))

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def load_story(self, story_id: int, mark_read: bool = True) -> None:
        store = self.reader.store
        if mark_read:
            store.set_read(story_id)
        story = store.story(story_id)
        if story is not None:
            self._post_story(story)

    def _post_story(self, story: Story) -> None:
        """Present a story (HTML to Markdown, the safe gate) off the event loop, then hand it over."""
        from newsreader.render import present

        self.post_message(StoryLoaded(story, present(story)))

    @work(thread=True, exclusive=True, group="story", exit_on_error=False)
    def jump_unread(self, forward: bool, request: ListRequest, order: tuple[int, ...] = ()) -> None:
        """The next (or previous) unread story after request.select_story, opened once its list is shown; `order`:
        the sources as the sources pane shows them (its tree), for going on into the next one."""
        store = self.reader.store
        found = store.next_unread(request.select_story, forward=forward, view=request.view)
        if (found is None or found.id is None) and request.view.source_id is not None and not request.query:
            # None left in this source: on into the next one (the previous one, going back) with unread stories.
            view = self._next_source_view(request.view, forward, order)
            if view is not None:
                found = store.next_unread(None, forward=forward, view=view)
                if found is not None and found.id is not None:
                    moved = ListRequest((view, ""), view, select_story=found.id)
                    name = safe.line(found.source_title)
                    self.post_message(ListMoved(view, list_state(store, moved), found.id, note=f"On to {name}."))
                    return
        if found is None or found.id is None:
            self.post_message(StatusChanged("No more unread stories here."))
            return
        self.post_message(list_state(store, replace(request, select_story=found.id, open_it=True)))

    def _next_source_view(self, view: View, forward: bool, order: tuple[int, ...]) -> View | None:
        """The view of the next source in the sources pane's order (`order`: its tree, as shown) with unread
        stories, or None (in a thread)."""
        unread = {s.id: s.unread for s in self.reader.store.sources() if s.id is not None}
        ids = [i for i in order if i in unread]
        if not isinstance(view.source_id, int) or view.source_id not in ids:
            return None
        here = ids.index(view.source_id)
        after = ids[here + 1 :] if forward else ids[:here][::-1]
        nxt = next((i for i in after if unread[i]), None)
        return replace(view, source_id=nxt) if nxt is not None else None

    # -- workers: the network -------------------------------------------------------------------------

    @work(exclusive=True, group="article", exit_on_error=False)
    async def fetch_article(self, story: Story) -> None:
        from newsreader.fetch import Fetcher
        from newsreader.refresh import Refresher

        self.set_status("Fetching the whole story…")
        async with Fetcher(self.reader.config.network) as fetcher:
            executor = await asyncio.to_thread(self.reader.worker_pool, 1)  # extraction under its time limit
            refresher = Refresher(self.reader.store, fetcher, self.reader.config, executor=executor)
            _, error = await refresher.load_article(story)
        self.set_status(f"Could not fetch the whole story: {safe.line(error)}" if error else "")
        if story.id is not None and self.story is not None and self.story.id == story.id:
            self.load_story(story.id, mark_read=False)

    @work(exclusive=True, group="article", exit_on_error=False)
    async def open_related(self, url: str) -> None:
        from newsreader.extract import ExtractError
        from newsreader.fetch import Fetcher, FetchError
        from newsreader.refresh import article_of

        store = self.reader.store
        cached = await asyncio.to_thread(store.story_by_url, url)
        if cached is not None and cached.id is not None:
            # Read from Related is read, as from the list: marked, then shown with its new state.
            await asyncio.to_thread(store.set_read, cached.id)
            cached = await asyncio.to_thread(store.story, cached.id) or cached
        if cached is not None:
            await asyncio.to_thread(self._post_story, cached)
            return
        if self.reader.offline:
            self.set_status("That story is not in the cache, and the reader is offline.")
            return
        self.set_status("Fetching the related story…")
        try:
            async with Fetcher(self.reader.config.network) as fetcher:
                article = await article_of(fetcher, url)
        except (FetchError, ExtractError) as exc:  # an unreadable page is news for the status line, not a failure
            self.set_status(f"Could not read it: {safe.line(exc)}")
            return
        self.set_status("")
        story = Story(
            key=url,
            title=article.title or url,
            url=url,
            authors=article.authors,
            published=article.published,
            source_title=article.site,
            article=article,
        )
        await asyncio.to_thread(self._post_story, story)

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def run_refresh(self, only: Source | None = None, chosen: list[Source] | None = None) -> None:
        """A refresh on an event loop of its own, in this thread, not on the app's loop: httpx costs ~2.5 ms
        of CPU a request. Many sources are parsed and saved in worker processes. Stopped by cancel_refresh.
        `refreshing` is set by the key that starts it and cleared when the worker ends (worker_changed)."""
        try:
            if self.reader.demo:
                self._status_from_thread("The demo has no network: its stories are bundled, nothing to refresh.")
                return
            if self.reader.offline:
                self._status_from_thread("Offline: not refreshing (start without --offline to fetch).")
                return
            sources = chosen if chosen else [only] if only else self.reader.store.sources()
            if not sources:
                self._status_from_thread("No sources yet: add one with `newsreader add URL`.")
                return
            self.app.call_from_thread(self._refreshed_now, sources)
            done, shown = 0, 0.0

            def progress(outcome: Outcome) -> None:
                # At most every PROGRESS_EVERY seconds: a message per source (~100 a second in a big refresh)
                # is far more than the status line can show.
                nonlocal done, shown
                done += 1
                if time.monotonic() - shown >= PROGRESS_EVERY:
                    shown = time.monotonic()
                    self.post_message(RefreshProgress(done, len(sources), outcome))

            self._status_from_thread(f"Refreshing 0/{len(sources)}…")
            with asyncio.Runner() as runner:
                self._refresh_loop = runner.get_loop()
                outcomes = runner.run(self._refresh(sources, progress))
            self.post_message(RefreshFinished(outcomes))
        except asyncio.CancelledError:
            pass
        finally:
            self._refresh_loop = None

    def cancel_refresh(self) -> None:
        loop, self._refresh_loop = self._refresh_loop, None
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # it closed meanwhile
                loop.call_soon_threadsafe(_cancel_all, loop)

    def on_unmount(self) -> None:
        self.cancel_refresh()

    def _status_from_thread(self, message: str) -> None:
        self.post_message(StatusChanged(message))

    async def _refresh(self, sources: list[Source], progress: Callable[[Outcome], None]) -> list[Outcome]:
        from newsreader.fetch import Fetcher
        from newsreader.refresh import Refresher

        async with Fetcher(self.reader.config.network) as fetcher:
            # Many sources: parsed and saved in worker processes, so the keys never wait for a parser.
            executor = await asyncio.to_thread(self.reader.worker_pool, len(sources))
            refresher = Refresher(
                self.reader.store, fetcher, self.reader.config, executor=executor, on_outcome=progress
            )
            return await refresher.refresh_all(sources)

    # -- results --------------------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def worker_changed(self, event: Worker.StateChanged) -> None:
        """A worker that failed is said and logged; the reader goes on (workers never exit the app)."""
        worker = event.worker
        if event.state in (WorkerState.SUCCESS, WorkerState.ERROR, WorkerState.CANCELLED) and worker.group == "refresh":
            self.refreshing = self.auto_refreshing = False
        if event.state is not WorkerState.ERROR or worker.error is None:
            return
        error = worker.error
        doing = DOING.get(worker.group, "A task")
        log.error("%s failed (worker %s)", doing, worker.name, exc_info=error)
        if isinstance(error, StoreError | OSError):
            # The cache or the disk said no (busy, read-only, full): worth a line, not a dialog.
            self.set_status(f"{doing} failed: {error}")
        else:
            self.set_status(f"{doing} failed.")
            self.app.push_screen(FailureScreen(doing, error))
        if worker.group in ("read", "star"):
            # The list was changed before the store said no: show again what the store has.
            current = self.headlines.current
            self.load_headlines(select_story=current.id if current else None)

    def on_status_changed(self, message: StatusChanged) -> None:
        self.set_status(message.text)
        if message.severity == "error":
            self.app.notify(safe.line(message.text), severity="error", timeout=30, markup=False)

    def on_store_changed(self, message: StoreChanged) -> None:
        self.load_sources()
        self.query_one(AccountLine).refresh_state()  # sync (issue #18): the pending count
        if message.headlines:
            self.load_headlines()

    def on_sources_loaded(self, message: SourcesLoaded) -> None:
        self.query_one(SourceList).show(message.sources, message.total_unread, message.starred)
        self._title_headlines()  # a source's name may have come (or changed) with this read

    def on_headlines_loaded(self, message: HeadlinesLoaded) -> None:
        if message.key != self._list_key():
            return  # the reader has moved on to another list
        single_source = self.source_id is not None and not self.search_query
        if self.search_query:
            empty = "No stories match. Esc goes back to the list."
            found = {1: "1 story matches", PAGE: f"The newest {PAGE} stories matching"}.get(
                message.total, f"{message.total} stories match"
            )
            self.set_status(f"{found} “{self.search_query}” (Esc goes back to the list).")
        elif self.reader.offline:
            empty = "No stories here."
        else:
            empty = "No stories here yet: r refreshes this source." if single_source else "No stories yet: R refreshes."
        self.headlines.show(
            message.key, message.total, message.pages, message.cursor, show_source=not single_source, empty=empty
        )
        self._read_here.clear()  # a list read anew: its rows are what the store has now
        if not self.verified:
            self.verified = True
            self.verify_store()  # once the first headlines are up
        if message.open_story is not None:
            self.load_story(message.open_story)

    def on_page_loaded(self, message: PageLoaded) -> None:
        self.headlines.add_page(message.key, message.page, message.rows)

    def on_story_loaded(self, message: StoryLoaded) -> None:
        story = message.story
        self.story = story
        self.links = list(message.presented.links)  # what 1-9 and the palette's "Open link N" open
        self.query_one(ArticleView).show(message.presented)
        if self._pending_scroll is not None and self._pending_scroll[0] == story.id:
            self._scroll_story(self._pending_scroll[1])
        self._pending_scroll = None
        self._keep_place()
        if story.id is not None:
            self.headlines.set_read(story.id, story.read)
            self.load_sources()
            if story.read and self.unread_only:
                self._keep_listing(story.id)
        wants_page = story.article is None and story.url and not story.content
        if wants_page and not self.reader.offline and story.id is not None and not story.article_error:
            self.fetch_article(story)

    def on_refresh_progress(self, message: RefreshProgress) -> None:
        if not self.refreshing:
            return  # arrived after the end
        line = f"Refreshing {message.done}/{message.total}…"
        if message.outcome is not None:
            line += f"  {message.outcome.describe()}"
        self.set_status(line)
        self.load_sources()

    def on_refresh_finished(self, message: RefreshFinished) -> None:
        new = sum(o.new for o in message.outcomes)
        failed = [o for o in message.outcomes if o.status == "error"]
        summary = f"Refreshed {plural(len(message.outcomes), 'source')}: {new} new."
        if failed:
            summary += f" {len(failed)} failed (marked ! in Sources; press e there to see why)."
        self.set_status(summary)
        if self.auto_refreshing and new:  # issue #16 part C: quiet news of an automatic refresh
            grew = sum(1 for o in message.outcomes if o.new)
            said = f"{plural(new, 'new story', 'new stories')} in {plural(grew, 'source')}"
            self.app.notify(said, title="Refreshed", timeout=6, markup=False)
        current = self.headlines.current
        self.load_sources()
        self.load_headlines(select_story=current.id if current else None)

    # -- what the panes report ------------------------------------------------------------------------

    @on(SourceList.Chosen)
    def source_chosen(self, message: SourceList.Chosen) -> None:
        if message.source_id == self.source_id and message.starred == self.starred and not self.search_query:
            return
        self._restoring = False  # the reader's choice wins over a place still being read
        self.source_id = message.source_id
        self.starred = message.starred
        self.search_query = ""
        self._title_headlines()
        self.load_headlines()
        self._keep_place()

    def _title_headlines(self) -> None:
        """The Headlines pane says whose headlines (or which search) it shows."""
        pane = self.query_one("#headlines")
        # The view's settings, after the name (issue #16): "unread only", an order other than by date.
        settings = (["unread only"] if self.unread_only else []) + (
            [f"by {self.sort}"] if self.sort != SORTS[0] else []
        )
        more = f" ({', '.join(settings)})" if settings else ""
        whose = self.query_one(SourceList).describe(self.source_id)  # a source, a folder or a tag; through safe
        where = f" in {whose}" if whose else " in Starred" if self.starred else ""
        if self.search_query:
            pane.border_title = Text(f"Search{where}: {safe.line(self.search_query)}{more}")  # Text: never markup
            return
        if self.starred:
            pane.border_title = Text(f"Starred{more}")
            return
        # Text, not str: Textual reads a plain border title as markup ("[/b]" in a feed's title raised).
        pane.border_title = (
            Text(f"Headlines: {whose}{more}") if whose else (Text(f"Headlines{more}") if more else "Headlines")
        )

    @on(SourceList.Entered)
    def source_entered(self) -> None:
        self.headlines.focus()

    def _keep_listing(self, story_id: int) -> None:
        """A story just read in an unread-only list stays in it (rows do not jump away under the reader)."""
        self._read_here.pop(story_id, None)
        self._read_here[story_id] = None  # the latest read last

    @on(HeadlineList.NeedPage)
    def page_needed(self, message: HeadlineList.NeedPage) -> None:
        if message.key == self._list_key() and not self.search_query:
            self.load_page(message.key, message.page, tuple(self._read_here)[-READ_HERE_MAX:])

    @on(HeadlineList.Opened)
    def story_opened(self, message: HeadlineList.Opened) -> None:
        if message.story.id is not None:
            self.load_story(message.story.id)
            self.query_one(ArticleView).focus()

    @on(RelatedList.Chosen)
    def related_chosen(self, message: RelatedList.Chosen) -> None:
        # The new story is read from its top: focus leaves the old story's Related list for the story.
        self.query_one(ArticleView).focus()
        self.open_related(message.related.url)

    def on_markdown_link_clicked(self, message: Markdown.LinkClicked) -> None:
        message.prevent_default()
        self._open(message.href)

    @on(Input.Submitted, "#search")
    def search_submitted(self, message: Input.Submitted) -> None:
        message.input.display = False
        query = message.value.strip()
        if query:
            self.search_query = query
            self._title_headlines()
            self.load_headlines()
        self.headlines.focus()

    # -- actions --------------------------------------------------------------------------------------

    def _panes(self) -> list[Widget]:
        panes: list[Widget] = [self.query_one(SourceList), self.headlines, self.query_one(ArticleView)]
        related = self.query(RelatedList)  # mounted with the first story
        if related and related.first().display and related.first().option_count:
            panes.append(related.first())
        return panes

    def action_cycle_panes(self, step: int = 1) -> None:
        panes = self._panes()
        index = panes.index(self.focused) if self.focused in panes else -1
        panes[(index + step) % len(panes)].focus()
        if isinstance(self.focused, RelatedList):
            self.focused.scroll_visible()

    def action_back(self) -> None:
        search = self.query("#search")
        if search and search.first().display:
            search.first().display = False
            self.headlines.focus()
            return
        focused = self.focused
        article = self.query_one(ArticleView)
        if focused is article or isinstance(focused, RelatedList):
            self.headlines.focus()
        elif self.search_query:
            self.search_query = ""
            self._title_headlines()
            self.set_status("")  # the search's count no longer describes the list
            self.load_headlines()
        elif focused is self.headlines:
            self.query_one(SourceList).focus()

    def action_page_story(self, direction: int = 1) -> None:
        # From any pane, as in newsboat: the list keeps its place while the story moves.
        article = self.query_one(ArticleView)
        if direction > 0:
            article.scroll_page_down(animate=False)
        else:
            article.scroll_page_up(animate=False)

    def action_next_unread(self, forward: bool = True) -> None:
        current = self.headlines.current
        request = ListRequest(self._list_key(), self._view(), self.search_query, current.id if current else None)
        self.jump_unread(forward, request, self.query_one(SourceList).source_order())

    def _open(self, url: str) -> None:
        self.open_link(url, self.reader.config.browser)

    @work(thread=True, group="browser", exit_on_error=False)
    def open_link(self, url: str, command: str) -> None:
        """Find the browser (the system's may ask xdg-settings) and start it, off the event loop."""
        try:
            launch = browser.launch_for(url, command)
            if launch.in_terminal:
                self.app.call_from_thread(self._run_in_terminal, launch)
                return
            browser.start(launch)
        except browser.BrowserError as exc:
            log.warning("%s", exc)
            self.post_message(StatusChanged(str(exc)))
            return
        self.post_message(StatusChanged(f"Opened {safe.url(url)[:100]} in the browser."))

    def _run_in_terminal(self, launch: browser.Launch, what: str = "browser") -> None:
        """A console browser (or the pager) gets the terminal while it runs (the reader is suspended), then the
        reader is back. Never a shell: argv as it is."""
        name = launch.argv[0]
        try:
            with self.app.suspend():
                subprocess.run(launch.argv, check=False)
        except SuspendNotSupported:
            log.warning("cannot suspend the reader to run the %s %s", what, name)
            self.set_status(f"The {what} {name!r} runs in the terminal, which cannot be handed over here.")
        except OSError as exc:
            log.warning("could not run the %s %s", what, name, exc_info=exc)
            self.set_status(f"Could not start the {what} {name!r}: {exc.strerror or exc}")

    def action_open_link(self) -> None:
        # From the list, the highlighted headline; from Related, the highlighted link; elsewhere, the story read.
        if isinstance(self.focused, RelatedList):
            related = self.focused.current
            if related is not None:
                self._open(related.url)
                return
        story = self.headlines.current if self.headlines.has_focus or self.story is None else self.story
        if story is None or not story.url:
            self.set_status("No link to open.")
            return
        self._open(story.url)

    def action_toggle_read(self) -> None:
        # In the list, the highlighted headline; in the story or its Related list, the story being read.
        story = self.headlines.current if self.headlines.has_focus or self.story is None else self.story
        if story is None or story.id is None:
            self.set_status("This story is not in the cache: nothing to mark.")
            return
        story.read = not story.read
        if story.read and self.unread_only:
            self._keep_listing(story.id)
        # u undoes the last mark-read, this one as much as an A (marking unread leaves nothing to undo).
        self._last_marked = (f"“{safe.line(story.title)}”", [story.id]) if story.read else None
        self.headlines.set_read(story.id, story.read)
        self._save_read(story.id, story.read)

    @work(thread=True, group="read", exit_on_error=False)
    def _save_read(self, story_id: int, read: bool) -> None:
        self.reader.store.set_read(story_id, read)
        self.post_message(StoreChanged())

    def action_save_story(self) -> None:
        if self.story is None:
            self.set_status("Open a story first, then press s to save it.")
            return
        self._save_story(self.story)

    @work(thread=True, group="save", exit_on_error=False)
    def _save_story(self, story: Story) -> None:
        from newsreader.render import save_story

        try:
            path = save_story(story, save_dir(self.reader.config))
        except OSError as exc:
            log.warning("could not save %s", story.url, exc_info=exc)
            self.post_message(StatusChanged(f"Could not save: {exc.strerror or exc}"))
            return
        self.post_message(StatusChanged(f"Saved to {path}"))

    def action_mark_source_read(self) -> None:
        source_id, starred = self.source_id, self.starred
        whose = self.query_one(SourceList).describe(source_id) if source_id is not None else ""
        if isinstance(source_id, int):
            self._mark_all_read(source_id, whose or "this source")  # one source: at once (u undoes it)
            return
        # A folder, a tag, Starred or every source at once: asked first (u undoes it, too).
        if starred:
            name, what = "Starred", "every starred story"
        elif source_id is None:
            name, what = "every source", "every source"
        else:
            name = what = whose
        pane = self.query_one(SourceList)
        count: int | None = None  # a tag's or Starred's unread stories are not counted on the event loop
        if source_id is None and not starred:
            count = pane.total_unread
        elif isinstance(source_id, Folder):
            count = pane.folder_unread.get(source_id.path, 0)

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_all_read(source_id, name, starred)

        stories = plural(count, "unread story", "unread stories") if count is not None else "the unread stories"
        question = Text(f"Mark all {stories} of {what} read?")
        self.app.push_screen(ConfirmScreen("Mark read", question), answered)

    @work(thread=True, group="read", exit_on_error=False)
    def _mark_all_read(self, source_id: Selection, name: str, starred_only: bool = False) -> None:
        ids = self.reader.store.mark_source_read(source_id, starred_only)
        self.post_message(MarkedRead(name, ids))
        self.post_message(StoreChanged(headlines=True))

    def on_marked_read(self, message: MarkedRead) -> None:
        self._last_marked = (message.name, message.ids) if message.ids else None
        marked = plural(len(message.ids), "story", "stories")
        self.set_status(f"Marked {marked} of {message.name} read." + (" u undoes it." if message.ids else ""))

    def action_undo_mark_read(self) -> None:
        if self._last_marked is None:
            self.set_status("Nothing to undo (u undoes the last mark-read: m, or A).")
            return
        (name, ids), self._last_marked = self._last_marked, None
        self._undo_mark_read(name, ids)

    @work(thread=True, group="read", exit_on_error=False)
    def _undo_mark_read(self, name: str, ids: list[int]) -> None:
        self.reader.store.set_read(ids, False)
        self.post_message(StatusChanged(f"{plural(len(ids), 'story', 'stories')} of {name} unread again."))
        self.post_message(StoreChanged(headlines=True))

    # -- sources: unsubscribe, subscribe ----------------------------------------------------------------

    def action_remove_source(self) -> None:
        source = self.query_one(SourceList).current
        if source is None:
            self.set_status("Highlight a source in Sources, then press d to unsubscribe from it.")
            return
        question = Text()
        question.append("Unsubscribe from ")
        question.append(safe.line(source.name), style="bold")
        question.append("?")
        question.append(f"\n{safe.url(source.url)}\n\n", style="dim")
        question.append(f"Its {plural(source.total, 'story', 'stories')} are dropped from the cache.")

        def answered(yes: bool | None) -> None:
            if yes:
                if self.source_id == source.id:
                    self.source_id = None  # its list is about to be empty: All stories instead
                self._remove_source(source)

        self.app.push_screen(ConfirmScreen("Unsubscribe", question), answered)

    @work(thread=True, group="remove", exit_on_error=False)
    def _remove_source(self, source: Source) -> None:
        removed = self.reader.store.remove_source(source.url)
        name = safe.line(source.name)
        self.post_message(StatusChanged(f"Unsubscribed from {name}." if removed else f"{name} was already gone."))
        self.post_message(StoreChanged(headlines=True))

    # -- sources: rename, move, tag (issue #16) --------------------------------------------------------------

    def _ask_about_source(self, key: str, what: str, ask: Callable[[Source], TextInputScreen]) -> None:
        """The highlighted source's rename, move or tag: `ask` makes the one-line dialog, `_organise` does it."""
        source = self.query_one(SourceList).current
        if source is None or source.id is None:
            if source is None:
                self.set_status(f"Highlight a source in Sources, then press {key}.")
            return
        source_id = source.id

        def answered(value: str | None) -> None:
            if value is not None:
                self._organise(source_id, what, value)

        self.app.push_screen(ask(source), answered)

    def action_rename_source(self) -> None:
        help = "Enter renames (an empty title gives it its feed's title again), Esc cancels."
        self._ask_about_source(
            "c (or F2) to rename it",
            "rename",
            lambda source: TextInputScreen(f"Rename {safe.line(source.name)}", safe.line(source.title), help),
        )

    def action_move_source(self) -> None:
        help = 'A folder: "Tech/Python" nests, empty is the top level. Enter moves, Esc cancels.'
        self._ask_about_source(
            "M to move it to a folder",
            "move",
            lambda source: TextInputScreen(
                f"Move {safe.line(source.name)}", safe.line(source.folder), help, "Folder/Subfolder"
            ),
        )

    def action_tag_source(self) -> None:
        help = "Its tags, separated by commas (empty takes them all off). Enter saves, Esc cancels."
        self._ask_about_source(
            "T to tag it",
            "tag",
            lambda source: TextInputScreen(
                f"Tag {safe.line(source.name)}", ", ".join(safe.line(t) for t in source.tags), help, "news, daily"
            ),
        )

    @work(thread=True, group="organise", exit_on_error=False)
    def _organise(self, source_id: int, what: str, value: str) -> None:
        store = self.reader.store
        if what == "rename":
            done = store.rename_source(source_id, value)
        elif what == "move":
            done = store.move_source(source_id, value)
        else:
            done = store.set_source_tags(source_id, value.split(","))
        after = store.source(source_id)
        if not done or after is None:
            self.post_message(StatusChanged("That source is gone (unsubscribed meanwhile)."))
        else:
            said = {
                "rename": f"Renamed to {safe.line(after.name)}.",
                "move": f"Moved {safe.line(after.name)} to " + (safe.line(after.folder) or "the top level") + ".",
                "tag": f"Tags of {safe.line(after.name)}: "
                + (", ".join(safe.line(t) for t in after.tags) or "none")
                + ".",
            }
            self.post_message(StatusChanged(said[what]))
        self.post_message(StoreChanged(headlines=True))

    def action_browse_tags(self) -> None:
        self._load_tags()

    @work(thread=True, exclusive=True, group="organise", exit_on_error=False)
    def _load_tags(self) -> None:
        tags = self.reader.store.tags()
        self.app.call_from_thread(self._show_tags, tags)

    def _show_tags(self, tags: list[tuple[str, int, int]]) -> None:
        def answered(tag: str | None) -> None:
            if tag is not None:
                self.source_id = Tag(tag)
                self.search_query = ""
                self._title_headlines()
                self.load_headlines()
                self.headlines.focus()

        self.app.push_screen(TagsScreen(tags), answered)

    # -- end of sources: rename, move, tag -------------------------------------------------------------------

    def action_add_source(self) -> None:
        if self.reader.demo or self.reader.offline:
            why = "the demo has no network" if self.reader.demo else "the reader is offline"
            self.set_status(f"Cannot subscribe here: {why} (newsreader add URL, or start without --offline).")
            return

        def answered(given: str | None) -> None:
            url = (given or "").strip()
            if url:
                self.set_status(f"Subscribing to {safe.url(url)[:100]}…")
                self._add_source(url)

        self.app.push_screen(AddSourceScreen(), answered)

    @work(exclusive=True, group="add", exit_on_error=False)
    async def _add_source(self, url: str) -> None:
        from newsreader.fetch import Fetcher
        from newsreader.refresh import Refresher, SubscribeError

        try:
            executor = await asyncio.to_thread(self.reader.worker_pool, 1)  # the parse under its time limit
            async with Fetcher(self.reader.config.network) as fetcher:
                refresher = Refresher(self.reader.store, fetcher, self.reader.config, executor=executor)
                done = await refresher.subscribe(url)
        except SubscribeError as exc:
            log.warning("could not subscribe to %s: %s", url, exc)
            self.set_status(f"Could not subscribe: {safe.line(exc)}")
            return
        said = safe.line(done.message)
        self.set_status(said[:1].upper() + said[1:])  # the core's message starts a line here
        self.on_store_changed(StoreChanged(headlines=True))

    def _busy(self) -> bool:
        """A second refresh would cancel the running one (exclusive workers): let the first finish."""
        if self.refreshing:
            self.set_status("A refresh is already running; new stories appear when it ends.")
            return True
        self.refreshing = True  # now, not when the worker starts: a key pressed in between must see it
        return False

    def action_refresh_source(self) -> None:
        if self._busy():
            return
        source = self.query_one(SourceList).current
        if source is None and isinstance(self.source_id, int):
            source = self.query_one(SourceList).sources.get(self.source_id)
        self.run_refresh(source)

    def action_refresh_all(self) -> None:
        if not self._busy():
            self.run_refresh(None)

    def _refreshed_now(self, sources: list[Source]) -> None:
        """A refresh (by hand too) restarts these sources' automatic-refresh clocks: they are being fetched."""
        now = time.monotonic()
        for source in sources:
            if source.id is not None:
                self._auto_done[source.id] = now

    async def action_search(self) -> None:
        search = self.query("#search").first(Input) if self.query("#search") else None
        if search is None:  # not composed at start: the first paint should not wait for a box used later
            search = Input(placeholder="Search stories (Enter to search, Esc to cancel)", id="search")
            await self.query_one("#bottom").mount(search, before="#status")
        search.display = True
        search.value = self.search_query
        search.focus()

    def action_show_error(self) -> None:
        source = self.query_one(SourceList).current
        if source is None and isinstance(self.source_id, int):
            source = self.query_one(SourceList).sources.get(self.source_id)
        if source is None or not (source.error or source.warning):
            self.set_status("This source has no error.")
            return
        self.app.push_screen(ErrorScreen(source))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.reader.config.keys))

    # -- issue #16 part C: links by number, copying a link, the pager and the terminal browser, auto-refresh ----

    def action_open_numbered(self, n: int) -> None:
        self.open_numbered(n)

    def open_numbered(self, n: int) -> None:
        """Open the story's link number `n` (as render.py numbers them under "Links")."""
        if not self.links:
            self.set_status("This story has no numbered links." if self.story else "Open a story first.")
        elif not 1 <= n <= len(self.links):
            self.set_status(f"The story has {plural(len(self.links), 'link')}: there is no link {n}.")
        else:
            self._open(self.links[n - 1])

    def _story_link(self) -> str:
        """The highlighted headline's link in the list, else the open story's (as `o` chooses)."""
        story = self.headlines.current if self.headlines.has_focus or self.story is None else self.story
        return story.url if story is not None and story.url else ""

    def action_copy_link(self) -> None:
        link = self._story_link()
        url = safe.openable(link) if link else None
        if url is None:
            self.set_status("No link to copy.")
            return
        self.app.copy_to_clipboard(url)  # OSC 52: the terminal puts it on the clipboard, if it supports that
        self.set_status(f"Copied {url[:100]} (through the terminal: it needs one that supports OSC 52).")

    def action_text_browser(self) -> None:
        argv = self.reader.config.text_browser
        url = self._story_link()
        if not argv:
            self.set_status('No terminal browser: set text_browser = ["w3m"] in [reader] of config.toml.')
            return
        if not url or safe.openable(url) is None:
            self.set_status("No http(s) link to open.")
            return
        self._run_in_terminal(browser.Launch([*argv, cast(str, safe.openable(url))], in_terminal=True))

    def action_pager(self) -> None:
        if self.story is None:
            self.set_status("Open a story first, then press v to read it in the pager.")
            return
        if not self.reader.config.pager:
            self.set_status('No pager: set pager = ["less", "-R"] in [reader] of config.toml.')
            return
        self._write_for_pager(self.story, list(self.reader.config.pager))

    @work(thread=True, group="pager", exit_on_error=False)
    def _write_for_pager(self, story: Story, pager: list[str]) -> None:
        """The story as plain text (render.py, through safe.py) in a temporary file, shown by the pager."""
        import tempfile

        from newsreader.render import story_markdown

        text = story_markdown(story)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as file:
            file.write(text)
        self.app.call_from_thread(self._page_file, pager, file.name)

    def _page_file(self, pager: list[str], name: str) -> None:
        import os

        try:
            self._run_in_terminal(browser.Launch([*pager, name], in_terminal=True), what="pager")
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(name)

    def _auto_intervals(self) -> list[float]:
        config = self.reader.config
        return [m for m in (config.refresh_interval, *config.refresh_intervals.values()) if m > 0]

    def _start_auto_refresh(self) -> None:
        """A timer for [reader] refresh_interval and [refresh_intervals]; refresh_on_start refreshes now."""
        if self.reader.offline:  # the demo too
            return
        if self.reader.config.refresh_on_start:
            self.call_after_refresh(self.action_refresh_all)
        intervals = self._auto_intervals()
        if intervals:
            # Often enough to catch the shortest interval, never busier than 5 times a second, at least once a minute.
            self.set_interval(min(60.0, max(0.2, min(intervals) * 60 / 2)), self._auto_tick, name="auto-refresh")

    def _auto_tick(self) -> None:
        """Refresh the sources that are due, unless a refresh is running (they stay due until the next tick)."""
        if self.refreshing:
            return
        now = time.monotonic()
        due = []
        for source in self.query_one(SourceList).sources.values():
            minutes = interval_for(self.reader.config, source.url)
            if (
                minutes > 0
                and source.id is not None
                and now - self._auto_done.get(source.id, self._auto_since) >= minutes * 60
            ):
                due.append(source)
        if not due:
            return
        for source in due:
            self._auto_done[cast(int, source.id)] = now
        self.refreshing = self.auto_refreshing = True
        self.run_refresh(chosen=due)

    # -- end issue #16 part C

    # -- views (issue #16): stars, unread only, the order, the place kept for the next run -----------------

    def action_toggle_star(self) -> None:
        # In the list, the highlighted headline; in the story or its Related list, the story being read.
        story = self.headlines.current if self.headlines.has_focus or self.story is None else self.story
        if story is None or story.id is None:
            self.set_status("This story is not in the cache: nothing to star.")
            return
        starred = not story.starred
        story.starred = starred
        if self.story is not None and self.story.id == story.id:
            self.story.starred = starred
        self.headlines.set_starred(story.id, starred)
        self.set_status("Starred: kept in Starred, never purged (* again unstars it)." if starred else "Unstarred.")
        self._save_star(story.id, starred)

    @work(thread=True, group="star", exit_on_error=False)
    def _save_star(self, story_id: int, starred: bool) -> None:
        self.reader.store.set_starred(story_id, starred)  # queued for the sync server, too
        self.post_message(StoreChanged())

    def action_toggle_unread_only(self) -> None:
        self.unread_only = not self.unread_only
        self.reader.keep(unread_only=self.unread_only)
        self.set_status(
            "Unread stories only (U shows every story)." if self.unread_only else "Every story, read or not."
        )
        self._reload_view()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reader.keep(sort=self.sort)
        newest = " (newest first)" if self.sort == "date" else ""
        self.set_status(f"Sorted by {self.sort}{newest}; S for the next order.")
        self._reload_view()

    def _reload_view(self) -> None:
        current = self.headlines.current
        self._title_headlines()
        self.load_headlines(select_story=current.id if current else None)

    def _place_id(self) -> str:
        """The sources pane's id of the list shown (a tag's list is not an entry there: All stories)."""
        if self.starred:
            return STARRED
        if isinstance(self.source_id, Folder):
            return FOLDER + self.source_id.path
        return str(self.source_id) if isinstance(self.source_id, int) else ALL

    def _keep_place(self, *_: object) -> None:
        """Where the reader is, kept in memory as it changes (a dict update) and written as the reader quits."""
        if self._restoring:
            return  # not yet where the last run was: keep that place until it is shown
        current = self.headlines.current
        article = self.query_one(ArticleView)
        is_open = self.story is not None and self.story.id is not None and article.presented is not None
        # At the top of the list, the top is the place (whatever is newest next time): the first page cli reads
        # before the UI is up is then the list, in the first frame.
        at_top = self.headlines.cursor == 0 and not is_open
        place = {
            "source": self._place_id(),
            "story": current.id if current is not None and not at_top else None,
            "open": self.story.id if is_open and self.story is not None else None,
            "scroll": round(article.scroll_y, 1) if is_open else 0,
        }
        if self.reader.kept.get("place") != place:
            self.reader.keep(save=False, place=place)

    def _restore_place(self) -> bool:
        """Take the last run's settings and place (tui/state.py); True when its list is being read (ListMoved)."""
        kept = self.reader.kept
        self.unread_only = kept.get("unread_only") is True
        sort = kept.get("sort", SORTS[0])
        self.sort = sort if isinstance(sort, str) and sort in SORTS else SORTS[0]
        place = kept.get("place")
        place = place if isinstance(place, dict) else {}
        source = place.get("source", ALL)
        known = source in (ALL, STARRED) or (
            isinstance(source, str) and (source.isdigit() or source.startswith(FOLDER))
        )
        ident = source if isinstance(source, str) and known else ALL
        self.starred = ident == STARRED
        self.source_id = selection_of(ident)
        story, opened, scroll = place.get("story"), place.get("open"), place.get("scroll", 0)
        story = story if isinstance(story, int) and not isinstance(story, bool) else None
        opened = opened if isinstance(opened, int) and not isinstance(opened, bool) else None
        scroll = float(scroll) if isinstance(scroll, int | float) and not isinstance(scroll, bool) else 0.0
        if self._view() == View() and story is None and opened is None:
            return False  # the default place: the first page cli read (or reads) is the list
        self.reader.first_page = None  # All stories' first page: not what the kept place lists
        self._restoring = True
        self.query_one(SourceList).choose(ident)
        self._title_headlines()
        self._read_place(self._view(), story, opened, scroll)
        return True

    @work(thread=True, exclusive=True, group="headlines", exit_on_error=False)
    def _read_place(self, view: View, story: int | None, opened: int | None, scroll: float) -> None:
        """The kept place's list; a source or story gone since falls back quietly (All stories, the top)."""
        store = self.reader.store
        if isinstance(view.source_id, int) and store.source(view.source_id) is None:
            log.debug("the source %s kept from the last run is gone: All stories instead", view.source_id)
            view = replace(view, source_id=None)
        if isinstance(view.source_id, Folder):
            path = view.source_id.path
            if not any(s.folder == path or s.folder.startswith(path + "/") for s in store.sources()):
                log.debug("the folder %s kept from the last run is gone: All stories instead", path)
                view = replace(view, source_id=None)
        if view.starred_only and store.count(view) == 0:
            log.debug("nothing is starred any more: All stories instead of Starred")
            view = replace(view, starred_only=False)
        if story is not None and store.position(story, view=view) is None:
            log.debug("the story %s kept from the last run is gone", story)
            story = None
        if opened is not None and store.story(opened) is None:
            log.debug("the story %s open in the last run is gone", opened)
            opened, scroll = None, 0.0
        loaded = list_state(store, ListRequest((view, ""), view, select_story=story))
        self.post_message(ListMoved(view, loaded, opened, scroll, restored=True))

    def on_list_moved(self, message: ListMoved) -> None:
        if message.restored and not self._restoring:
            return  # the reader chose another list meanwhile
        self._restoring = False
        view = message.view
        self.source_id, self.starred, self.search_query = view.source_id, view.starred_only, ""
        self.unread_only, self.sort = view.unread_only, view.sort
        self.query_one(SourceList).choose(self._place_id())
        self._title_headlines()
        self.on_headlines_loaded(message.loaded)
        if message.note:
            self.set_status(message.note)
        if message.open_story is not None:
            self._pending_scroll = (message.open_story, message.scroll) if message.scroll else None
            self.load_story(message.open_story, mark_read=not message.restored)
            self.query_one(ArticleView).focus()
        self._keep_place()

    def _scroll_story(self, y: float, tries: int = 20) -> None:
        """Scroll the story to y once its body is laid out (the Markdown body mounts after show): tried again a
        bounded number of times while the story is still shorter than that."""
        article = self.query_one(ArticleView)
        if article.max_scroll_y >= y or tries <= 0:
            article.scroll_to(y=y, animate=False)
            return
        self.set_timer(0.05, lambda: self._scroll_story(y, tries - 1))

    def action_sync_now(self) -> None:  # sync (issue #18)
        line = self.query_one(AccountLine)
        if line.account is None:
            self.set_status("No sync account: add a [sync] table to config.toml (README, Sync).")
        elif self.reader.offline:
            self.set_status("Offline: no sync (start without --offline).")
        elif line.sync_now():
            self.set_status(f"Syncing with {line.host}…")
        else:
            self.set_status("A sync is already running.")
