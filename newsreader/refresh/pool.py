"""The worker processes of a big refresh: they parse and save (each with its own connection to the store its
parent opened and checked) so the network's process keeps its core for the network. They write nothing to
stderr (the TUI draws there) and leave when their parent is gone.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from newsreader import logs
from newsreader.fetch import Response
from newsreader.model import ScrapeRule
from newsreader.refresh.reading import read_response
from newsreader.store import RefreshResult, Store

if TYPE_CHECKING:
    from newsreader.refresh.guard import GuardedPool

POOL_MIN_SOURCES = 20  # below this a process pool costs more to start than it saves


def worker_pool(sources: int) -> GuardedPool:
    """Worker processes that parse and extract under a time limit (refresh.guard), and for a refresh of many
    sources also save (see parse_and_save): two for POOL_MIN_SOURCES sources or more (on 2 cores or more), else one.

    Off this process's GIL: in the TUI, parsing in threads kept the keys waiting (p95 ~0.5 s over 500 feeds). In
    processes, a document that overruns its limit can be abandoned (its process killed); a thread could not be.
    """
    from newsreader.refresh.guard import GuardedPool

    cores = os.cpu_count() or 1
    big = sources >= POOL_MIN_SOURCES and cores >= 2
    return GuardedPool(workers=2 if big else 1, saves=big)


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
    # Ctrl-C reaches the whole process group: the parent stops its workers itself (GuardedPool.shutdown, the watch
    # below), so a worker ignores it rather than dying mid-job and being logged and replaced during shutdown.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
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


def parse_and_save(
    db: str, source_id: int, kind: str, resp: Response, rule: ScrapeRule | None, cap: int = 0
) -> tuple[int, str, str]:
    """In a refresh's worker process: a source's response to stories in the store, with its validators.

    Returns (new stories, the feed's title, a warning). The worker keeps one connection to the store
    its parent opened and checked.
    """
    store = _worker_stores.get(db)
    if store is None:
        store = _worker_stores[db] = Store(db, checked=True)
    from newsreader.refresh.guard import lap

    read = read_response(resp, kind, rule, cap)
    lap(done=True)  # parsed: saving waits on the store's lock, which is no document's fault (no limit)
    new = store.save_stories(
        source_id,
        read.stories,
        RefreshResult(title=read.title or None, etag=resp.etag, last_modified=resp.last_modified, warning=read.warning),
    )
    return new, read.title, read.warning
