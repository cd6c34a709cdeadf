"""The look of each screen, pinned at 120x36 (and 80x24, 160x45) on the demo with a fixed clock and time zone."""

from __future__ import annotations

from typing import Any

from newsreader.store import Store
from tests.snapshot_run import SIZE, app_on, settle


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


# The smallest and a large terminal (issue #14): one pane at a time at 80x24, a reading measure at 160x45.


def test_headlines_80x24(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    assert snap_compare(app_on(demo_store, clock), terminal_size=(80, 24), run_before=settle)


def test_story_80x24(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def open_seed(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=(80, 24), run_before=open_seed)


def test_headlines_160x45(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    assert snap_compare(app_on(demo_store, clock), terminal_size=(160, 45), run_before=settle)


def test_story_160x45(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def open_seed(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=(160, 45), run_before=open_seed)


def test_confirm_unsubscribe_80x24(snap_compare: Any, demo_store: Store, clock: Any) -> None:
    async def ask(pilot: Any) -> None:
        await settle(pilot)
        await pilot.press("h", "j", "d")
        await settle(pilot)

    assert snap_compare(app_on(demo_store, clock), terminal_size=(80, 24), run_before=ask)
