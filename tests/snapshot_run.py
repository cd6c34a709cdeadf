"""What every snapshot test module shares: the size, letting the app settle (workers done), the demo app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp

SIZE = (120, 36)


async def settle(pilot: Any) -> None:
    """Pauses and waits for the workers, a bounded number of times: a worker's message may start another."""
    for _ in range(6):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def app_on(store: Store, clock: Any, state: Path | None = None) -> NewsReaderApp:
    """The reader on `store`, offline, at a fixed clock (and state file, if given)."""
    return NewsReaderApp(store, offline=True, clock=clock, state_path=state)
