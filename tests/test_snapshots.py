"""The look of each screen, pinned at 120x36 on the demo with a fixed clock and time zone."""

from __future__ import annotations

from typing import Any

from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp

SIZE = (120, 36)


async def settle(pilot: Any) -> None:
    for _ in range(4):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def app_on(store: Store, clock: Any) -> NewsReaderApp:
    return NewsReaderApp(store, offline=True, clock=clock)


def test_headlines(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=settle)


def test_story_open(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def open_seed(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=open_seed)


def test_story_scrolled_to_related(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def open_and_page(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("G")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=open_and_page)


def test_help(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def help_open(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=help_open)


def test_every_list_repaints_after_a_theme_change(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def light(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("j")  # a cursor row, a read row and unread rows, all drawn in the old theme first
        await settle(pilot)
        pilot.app.theme = "textual-light"
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=SIZE, run_before=light)
