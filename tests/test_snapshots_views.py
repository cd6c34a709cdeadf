"""The look of the views of issue #16 (part B), on the demo at 120x36 with a fixed clock and time zone: the Starred
view, unread only, and the place restored from the last run (a source, a story open and scrolled)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from newsreader.store import Store
from tests.snapshot_run import SIZE, app_on, settle


def test_starred_view(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    rows = demo_store.headlines()
    demo_store.set_starred([rows[1].id or 0, rows[4].id or 0])

    async def starred(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("h", "j", "l")  # Sources: the Starred entry, under All stories
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=starred)


def test_unread_only(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    rows = demo_store.headlines()
    demo_store.set_read([rows[0].id or 0, rows[2].id or 0, rows[3].id or 0])
    demo_store.set_starred(rows[5].id or 0)

    async def unread_only(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("U")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=unread_only)


def test_restored_place(snap_compare: Any, demo_store: Store, clock: Any, tmp_path: Path) -> None:
    rows = demo_store.headlines()
    story = rows[3]
    state = tmp_path / "state.json"
    place = {"source": str(story.source_id), "story": story.id, "open": story.id, "scroll": 12}
    state.write_text(json.dumps({"sort": "title", "place": place}))

    async def restored(pilot: Any) -> None:
        await settle(pilot)
        await pilot.pause(0.3)  # the story's body is laid out, then scrolled
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock, state), terminal_size=SIZE, run_before=restored)
