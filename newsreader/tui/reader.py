"""What the screens need of the app, as an interface: they depend on this, not on the app that opens them."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor, Future
from datetime import datetime
from typing import Protocol

from newsreader.config import Config
from newsreader.model import Story
from newsreader.store import Store


class Reader(Protocol):
    """The state every screen shares (NewsReaderApp holds it)."""

    store: Store
    config: Config
    offline: bool
    demo: bool  # the bundled sample: offline because it has no network, not because the reader said so
    clock: Callable[[], datetime]
    first_page: Future[tuple[int, list[Story]]] | None  # "All stories", first page, read before the UI was up

    @property
    def kept(self) -> dict[str, object]:
        """What the last run kept (tui/state.py): the views' settings, the place."""
        ...

    def keep(self, *, save: bool = True, **values: object) -> None:
        """Keep these for the next run: written now (in a worker) when `save`, else at exit."""
        ...

    def worker_pool(self, sources: int) -> Executor | None:
        """Processes that parse and save for a refresh of many sources (blocks while they start)."""
        ...
