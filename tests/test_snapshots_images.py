"""The story pane with pictures (issue #17): the demo's lead photo drawn in half cells (deterministic), with its
caption under it, at 120x36 and with the article pane maximised."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from newsreader.config import Config, image_cache_dir
from newsreader.images import ImageCache
from newsreader.refresh import load_demo
from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.article_view import PictureBlock
from tests.snapshot_run import SIZE, settle


def app_with_photos(tmp_path: Path, clock: Any) -> NewsReaderApp:
    store = Store(tmp_path / "data" / "photos.db")
    load_demo(store, ImageCache(image_cache_dir()))
    return NewsReaderApp(store, Config(images="halfcell"), offline=True, clock=clock)


async def pictures_drawn(pilot: Any) -> None:
    """Until every picture of the story has arrived (a worker decodes them; its message may come after the
    workers are waited for under load), a bounded number of times; then settled."""
    for _ in range(100):
        blocks = list(pilot.app.screen.query(PictureBlock))
        if blocks and all(block.image is not None for block in blocks):
            break
        await pilot.pause(0.05)
    await settle(pilot)


def test_story_with_its_lead_photo_in_half_cells(snap_compare: Any, tmp_path: Path, clock: Any) -> None:
    async def open_seed(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pictures_drawn(pilot)

    assert snap_compare(app_with_photos(tmp_path, clock), terminal_size=SIZE, run_before=open_seed)


def test_photo_and_caption_in_the_maximised_pane(snap_compare: Any, tmp_path: Path, clock: Any) -> None:
    async def open_wide(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await pictures_drawn(pilot)
        pilot.app.screen.maximize(pilot.app.screen.query_one("#article"))
        await settle(pilot)

    assert snap_compare(app_with_photos(tmp_path, clock), terminal_size=SIZE, run_before=open_wide)
