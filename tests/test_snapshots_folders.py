"""The look of the folder tree (issue #16): nested folders with counts that add up, one closed, the cursor on a
folder (its headlines shown), at 120x36 with a fixed clock."""

from __future__ import annotations

from typing import Any

from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.source_list import SourceList
from tests.snapshot_run import SIZE, settle
from tests.test_tui_folders import fill


def test_folder_tree(snap_compare: Any, store: Store, clock: Any) -> None:
    fill(store)

    async def open_tree(pilot: Any) -> None:
        await settle(pilot)
        sources = pilot.app.screen.query_one(SourceList)
        sources.focus()
        sources.toggle("f:News")  # closed: its count stays on the folder
        for _ in range(sources.option_count):
            if sources.highlighted_id == "f:Tech/Python":
                break
            await pilot.press("j")
        await settle(pilot)

    assert snap_compare(NewsReaderApp(store, offline=True, clock=clock), terminal_size=SIZE, run_before=open_tree)
