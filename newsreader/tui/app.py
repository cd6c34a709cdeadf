"""The Textual app: holds what every screen shares (store, config, clock) and opens the main screen."""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import Executor, Future
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import work
from textual.app import App, SystemCommand
from textual.binding import BindingType
from textual.screen import Screen

from newsreader import __version__, safe
from newsreader.config import Config
from newsreader.model import Story
from newsreader.store import Store
from newsreader.tui import commands, state
from newsreader.tui.reader import Reader
from newsreader.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from newsreader.sync.account import Account

POOL_WARM_AFTER = 2.0  # seconds after the first frame: start-up's own work is done by then
log = logging.getLogger(__name__)


class NewsReaderApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "newsreader"
    SUB_TITLE = __version__
    BINDINGS = list[BindingType](commands.APP)

    def __init__(
        self,
        store: Store,
        config: Config | None = None,
        *,
        offline: bool = False,
        demo: bool = False,
        notice: str = "",
        clock: Callable[[], datetime] | None = None,
        first_page: Future[tuple[int, list[Story]]] | None = None,
        state_path: Path | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.config = config or Config()
        self.offline = offline or demo
        self.demo = demo
        self.notice = notice
        self.clock = clock or (lambda: datetime.now(UTC))
        # "All stories", first page, already being read (cli starts it before importing Textual).
        self.first_page = first_page
        self.sync_account: Account | None = None  # sync (issue #18): set by run_tui when [sync] is configured
        self._pool: Executor | None = None
        self._pool_lock = threading.Lock()  # the warm-up and a first story or refresh may both ask
        self._closed = False
        if self.config.keys:
            self.set_keymap(self.config.keys)  # [keys] in config.toml, by binding id (cli checked the ids)
        # What the last run kept (the theme): read here, before the event loop runs (a file of a few bytes).
        self.state_path = state_path
        self._state: dict[str, object] = {}
        self._state_unsaved = False  # kept in memory since the last write (the place): written at exit
        self._state_problem = ""
        if state_path is not None:
            try:
                self._state = state.load(state_path)
            except state.StateError as exc:
                log.warning("%s", exc)
                self._state_problem = str(exc)

    def get_default_screen(self) -> Screen[Any]:
        # The first screen itself, not one pushed over Textual's blank default: one screen fewer to lay out
        # and draw before the first headlines are up.
        return MainScreen()

    def on_mount(self) -> None:
        self.call_after_refresh(self._started)
        if self.notice:
            self.notify(safe.line(self.notice), severity="warning", timeout=15, markup=False)
        theme = self._state.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme
        elif theme is not None:
            log.warning("the saved theme %r is not one of this Textual's themes", theme)
        if self._state_problem:
            self.notify(safe.line(self._state_problem), severity="warning", timeout=10, markup=False)
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, theme: object) -> None:
        if self.state_path is not None:
            self._state["theme"] = self.theme
            self._save_state(self.state_path, dict(self._state))

    # -- the views' settings and the place (issue #16) --
    @property
    def kept(self) -> dict[str, object]:
        return self._state

    def keep(self, *, save: bool = True, **values: object) -> None:
        self._state.update(values)
        if save and self.state_path is not None:
            self._state_unsaved = False
            self._save_state(self.state_path, dict(self._state))
        else:
            self._state_unsaved = True

    def _save_at_exit(self) -> None:
        """The place changes with every key: kept in memory, and written once here, as the reader quits (a few
        hundred bytes; nothing waits for a key any more)."""
        if self._state_unsaved and self.state_path is not None:
            self._state_unsaved = False
            try:
                state.save(self.state_path, dict(self._state))
            except state.StateError as exc:
                log.warning("%s", exc)

    # -- end of the views' settings --

    @work(thread=True, exclusive=True, group="state", exit_on_error=False)
    def _save_state(self, path: Path, kept: dict[str, object]) -> None:
        try:
            state.save(path, kept)
        except state.StateError as exc:
            log.warning("%s", exc)
            message = safe.line(f"Not kept for the next run: {exc}")
            self.call_from_thread(self.notify, message, severity="warning", markup=False)

    def worker_pool(self, sources: int) -> Executor | None:
        """Processes that parse and save for a refresh of many sources: started by the first, kept until exit.

        Blocks while they start (~0.3-0.6 s the first time): call it from a thread, not the event loop.
        """
        with self._pool_lock:
            if self._pool is None and not self._closed:
                from newsreader.refresh import POOL_MIN_SOURCES, worker_pool

                # One pool for every refresh and story of the session, the big kind (two workers that save).
                self._pool = worker_pool(max(sources, POOL_MIN_SOURCES))
                if self._pool is not None:
                    self._pool.submit(int).result()  # the processes start now, here, not at the first parse
            return self._pool

    @work(thread=True, exclusive=True, group="pool", exit_on_error=False)
    def _warm_pool(self) -> None:
        """The worker processes started while the reader looks at the headlines, so that the first story opened
        (its page extracted under a time limit) does not wait for them (0.3-1 s)."""
        try:
            self.worker_pool(1)
        except OSError as exc:  # no processes to be had: the first story or refresh that needs them says so
            log.warning("worker processes not started ahead: %s", exc)

    def on_unmount(self) -> None:
        self._save_at_exit()
        with self._pool_lock:  # a pool being started now is stopped once it is up, and none starts after
            self._closed = True
            if self._pool is not None:
                self._pool.shutdown(wait=False, cancel_futures=True)
                self._pool = None

    def _started(self) -> None:
        """After the first frame: garbage collection back on (cli turns it off to start faster).

        What start-up built lives as long as the app; frozen, collections never walk it again.
        """
        if not gc.isenabled():
            gc.freeze()
            gc.enable()
        if not self.offline:  # offline (and the demo) never fetch a page: no workers to start
            self.set_timer(POOL_WARM_AFTER, self._warm_pool)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette offers every binding of the reader, from the same table as the help screen."""
        yield from super().get_system_commands(screen)
        if not isinstance(screen, MainScreen):
            return
        for place, bindings in commands.TABLE:
            if place not in commands.IN_PALETTE:
                # A pane's commands the screen runs (Sources: unsubscribe, rename, move, tag) are offered too.
                bindings = [b for b in bindings if b.action.startswith("screen.")]
            for binding in bindings:
                action = binding.action
                if action == "command_palette":
                    continue  # the palette is open already
                keys = commands.keys_of(binding, self.config.keys)
                yield SystemCommand(binding.description, f"key: {keys}", lambda a=action: self._run(screen, a))
        # issue #16 part C: the open story's numbered links, "Open link N" (typing "open 3" finds the third)
        for n, url in enumerate(screen.links, 1):
            title = f"Open link {n}: {url[:60]}"
            yield SystemCommand(title, "in the browser (keys 1-9 in the story)", lambda n=n: screen.open_numbered(n))

    def _run(self, screen: Screen[Any], action: str) -> None:
        self.call_later(screen.run_action, action)


def _as_reader(app: NewsReaderApp) -> Reader:
    """Never called: mypy checks here that the app is all that the screens expect of it (tui/reader.py)."""
    return app
