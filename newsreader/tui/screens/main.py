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
from newsreader.config import save_dir
from newsreader.model import Source, Story
from newsreader.store import Store, StoreError
from newsreader.tui import browser, commands
from newsreader.tui.messages import (
    HeadlinesLoaded,
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
from newsreader.tui.screens.dialogs import AddSourceScreen, ConfirmScreen, ErrorScreen, FailureScreen, HelpScreen
from newsreader.tui.widgets.account_line import AccountLine, SourcesPane
from newsreader.tui.widgets.article_view import ArticleView, RelatedList
from newsreader.tui.widgets.headline_list import PAGE, HeadlineList
from newsreader.tui.widgets.key_bar import KeyBar
from newsreader.tui.widgets.source_list import SourceList
from newsreader.words import plural

if TYPE_CHECKING:
    from textual.widgets import Markdown

    from newsreader.refresh import Outcome

PANES = ("sources", "headlines", "article")  # the panes' ids, left to right

PROGRESS_EVERY = 0.25  # seconds between refresh progress updates on screen

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
    "save": "Saving the story",
    "browser": "Opening the link",
    "remove": "Unsubscribing",
    "add": "Subscribing",
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
    source_id: int | None
    query: str = ""
    select_story: int | None = None
    open_it: bool = False
    first: Future[tuple[int, list[Story]]] | None = None  # the page cli read before start, if not taken yet


def list_state(store: Store, request: ListRequest) -> HeadlinesLoaded:
    """The headline list's contents with the cursor on request.select_story (runs in a worker thread)."""
    key, source_id, select_story = request.key, request.source_id, request.select_story
    if request.query:
        rows = store.search(request.query, limit=PAGE)
        cursor = next((i for i, s in enumerate(rows) if s.id == select_story), 0)
        return HeadlinesLoaded(key, len(rows), {0: rows}, cursor)
    first = request.first
    # If that read failed, read again here.
    if first is not None and source_id is None and select_story is None and first.exception() is None:
        total, rows = first.result()
        return HeadlinesLoaded(key, total, {0: rows}, 0)
    pages = {0: store.headlines(source_id, 0, PAGE)}
    cursor = 0
    if select_story is not None:
        cursor = store.position(select_story, source_id) or 0
        if cursor // PAGE not in pages:
            pages[cursor // PAGE] = store.headlines(source_id, cursor // PAGE * PAGE, PAGE)
    total = store.count_stories(source_id)
    return HeadlinesLoaded(key, total, pages, cursor, select_story if request.open_it else None)


class MainScreen(Screen[None]):
    BINDINGS = list[BindingType](commands.MAIN)
    # The layout's classes by the terminal's width (app.tcss): a headline gets 40+ columns of title at 80, 60+ at 160.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-medium"), (120, "-wide"), (150, "-wider"), (180, "-widest")]
    AUTO_FOCUS = "HeadlineList"  # not the first pane: in the narrow layout that would show Sources first

    def __init__(self) -> None:
        super().__init__(classes="-pane-headlines")  # the pane in use at start (see on_descendant_focus)
        self.source_id: int | None = None
        self.search_query = ""
        self.story: Story | None = None
        self.refreshing = False
        self._refresh_loop: asyncio.AbstractEventLoop | None = None  # the running refresh's own loop
        self.verified = False
        self._last_marked: tuple[str, list[int]] | None = None  # what `A` marked read last (for `u`): name, ids

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
        first = self.reader.first_page
        if first is not None and first.done() and first.exception() is None:
            # Read before the UI had loaded: in the very first frame, without a round trip through a worker.
            self.reader.first_page = None
            total, rows = first.result()
            self.on_headlines_loaded(HeadlinesLoaded(self._list_key(), total, {0: rows}))
        else:
            self.load_headlines()  # first: the headlines are what the reader is waiting for
        self.call_after_refresh(self.load_sources)  # the sources pane fills in just after the first frame
        self.query_one(HeadlineList).focus()
        if self.reader.demo:
            self.set_status("The demo: a bundled sample, read offline (there is nothing to fetch).")
        elif self.reader.offline:
            self.set_status("Offline: reading the cache only.")

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
        return (self.source_id, self.search_query)

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
        self.post_message(SourcesLoaded(sources, sum(s.unread for s in sources)))

    def load_headlines(self, select_story: int | None = None) -> None:
        """Read the headline list for what the screen shows now, with the cursor on `select_story`."""
        query = self.search_query
        first = None
        if not query:
            # Started before the UI was (usually done by now); taken here, on the event loop, not in the thread.
            first, self.reader.first_page = self.reader.first_page, None
        self._load_headlines(ListRequest(self._list_key(), self.source_id, query, select_story, first=first))

    @work(thread=True, exclusive=True, group="headlines", exit_on_error=False)
    def _load_headlines(self, request: ListRequest) -> None:
        self.post_message(list_state(self.reader.store, request))

    @work(thread=True, group="pages", exit_on_error=False)
    def load_page(self, key: tuple[object, ...], page: int) -> None:
        source_id = key[0] if isinstance(key[0], int) else None
        self.post_message(PageLoaded(key, page, self.reader.store.headlines(source_id, page * PAGE, PAGE)))

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
    def jump_unread(self, forward: bool, request: ListRequest) -> None:
        """The next (or previous) unread story after request.select_story, opened once its list is shown."""
        store = self.reader.store
        found = store.next_unread(request.select_story, request.source_id, forward)
        if found is None or found.id is None:
            self.post_message(StatusChanged("No more unread stories here."))
            return
        self.post_message(list_state(store, replace(request, select_story=found.id, open_it=True)))

    # -- workers: the network -------------------------------------------------------------------------

    @work(exclusive=True, group="article", exit_on_error=False)
    async def fetch_article(self, story: Story) -> None:
        from newsreader.fetch import Fetcher
        from newsreader.refresh import Refresher

        self.set_status("Fetching the whole story…")
        async with Fetcher(self.reader.config.network) as fetcher:
            refresher = Refresher(self.reader.store, fetcher, self.reader.config)
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
    def run_refresh(self, only: Source | None = None) -> None:
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
            sources = [only] if only else self.reader.store.sources()
            if not sources:
                self._status_from_thread("No sources yet: add one with `newsreader add URL`.")
                return
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
            self.refreshing = False
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
        if worker.group == "read":
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
        self.query_one(SourceList).show(message.sources, message.total_unread)
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
        self.query_one(ArticleView).show(message.presented)
        if story.id is not None:
            self.headlines.set_read(story.id, story.read)
            self.load_sources()
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
        current = self.headlines.current
        self.load_sources()
        self.load_headlines(select_story=current.id if current else None)

    # -- what the panes report ------------------------------------------------------------------------

    @on(SourceList.Chosen)
    def source_chosen(self, message: SourceList.Chosen) -> None:
        if message.source_id == self.source_id and not self.search_query:
            return
        self.source_id = message.source_id
        self.search_query = ""
        self._title_headlines()
        self.load_headlines()

    def _title_headlines(self) -> None:
        """The Headlines pane says whose headlines (or which search) it shows."""
        pane = self.query_one("#headlines")
        if self.search_query:
            pane.border_title = Text(f"Search: {safe.line(self.search_query)}")  # Text: never read as markup
            return
        source = self.query_one(SourceList).sources.get(self.source_id) if self.source_id is not None else None
        # Text, not str: Textual reads a plain border title as markup ("[/b]" in a feed's title raised).
        pane.border_title = Text(f"Headlines: {safe.line(source.name)}") if source is not None else "Headlines"

    @on(SourceList.Entered)
    def source_entered(self) -> None:
        self.headlines.focus()

    @on(HeadlineList.NeedPage)
    def page_needed(self, message: HeadlineList.NeedPage) -> None:
        if message.key == self._list_key() and not self.search_query:
            self.load_page(message.key, message.page)

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
        request = ListRequest(self._list_key(), self.source_id, self.search_query, current.id if current else None)
        self.jump_unread(forward, request)

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

    def _run_in_terminal(self, launch: browser.Launch) -> None:
        """A console browser gets the terminal while it runs (the reader is suspended), then the reader is back."""
        name = launch.argv[0]
        try:
            with self.app.suspend():
                subprocess.run(launch.argv, check=False)
        except SuspendNotSupported:
            self.set_status(f"The browser {name!r} runs in the terminal, which cannot be handed over here.")
        except OSError as exc:
            log.warning("could not run the browser %s", name, exc_info=exc)
            self.set_status(f"Could not start the browser {name!r}: {exc.strerror or exc}")

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
        source_id = self.source_id
        if source_id is not None:
            source = self.query_one(SourceList).sources.get(source_id)
            self._mark_all_read(source_id, safe.line(source.name) if source else "this source")
            return
        # Every source at once: asked first (u undoes it, too).
        unread = self.query_one(SourceList).total_unread

        def answered(yes: bool | None) -> None:
            if yes:
                self._mark_all_read(None, "every source")

        question = Text(f"Mark all {plural(unread, 'unread story', 'unread stories')} of every source read?")
        self.app.push_screen(ConfirmScreen("Mark everything read", question), answered)

    @work(thread=True, group="read", exit_on_error=False)
    def _mark_all_read(self, source_id: int | None, name: str) -> None:
        ids = self.reader.store.mark_source_read(source_id)
        self.post_message(MarkedRead(name, ids))
        self.post_message(StoreChanged(headlines=True))

    def on_marked_read(self, message: MarkedRead) -> None:
        self._last_marked = (message.name, message.ids) if message.ids else None
        marked = plural(len(message.ids), "story", "stories")
        self.set_status(f"Marked {marked} of {message.name} read." + (" u undoes it." if message.ids else ""))

    def action_undo_mark_read(self) -> None:
        if self._last_marked is None:
            self.set_status("Nothing to undo (u undoes the last A, mark source read).")
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

    def action_add_source(self) -> None:
        if self.reader.demo or self.reader.offline:
            why = "the demo has no network" if self.reader.demo else "the reader is offline"
            self.set_status(f"Cannot subscribe here: {why} (newsreader add URL, or start without --offline).")
            return

        def answered(url: str | None) -> None:
            if url:
                self.set_status(f"Subscribing to {safe.url(url)[:100]}…")
                self._add_source(url)

        self.app.push_screen(AddSourceScreen(), answered)

    @work(exclusive=True, group="add", exit_on_error=False)
    async def _add_source(self, url: str) -> None:
        from newsreader.fetch import Fetcher
        from newsreader.refresh import Refresher, SubscribeError

        try:
            async with Fetcher(self.reader.config.network) as fetcher:
                done = await Refresher(self.reader.store, fetcher, self.reader.config).subscribe(url)
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
        if source is None and self.source_id is not None:
            source = self.query_one(SourceList).sources.get(self.source_id)
        self.run_refresh(source)

    def action_refresh_all(self) -> None:
        if not self._busy():
            self.run_refresh(None)

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
        if source is None and self.source_id is not None:
            source = self.query_one(SourceList).sources.get(self.source_id)
        if source is None or not (source.error or source.warning):
            self.set_status("This source has no error.")
            return
        self.app.push_screen(ErrorScreen(source))

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

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
