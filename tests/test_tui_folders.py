"""The sources pane as a tree (issue #16), driven with Pilot: folders open and close (Enter, l, a click), their
unread counts add up, a folder shows its sources' headlines; c/F2 renames, M moves, T tags the highlighted
source through a dialog (Esc changes nothing); # lists tags and shows a tag's stories."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from textual.widgets import Input, OptionList

from newsreader.model import Article, Folder, Story, Tag
from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.screens.dialogs import ConfirmScreen, TagsScreen, TextInputScreen
from newsreader.tui.widgets.headline_list import HeadlineList
from newsreader.tui.widgets.source_list import SourceList

SIZE = (160, 45)
WHEN = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def fill(store: Store) -> dict[str, int]:
    """Sources in nested folders, with stories (some read) and page tags."""
    layout = [
        ("https://top.test/feed", "Top level", "", 1),
        ("https://py.test/feed", "PyWeekly", "Tech/Python", 3),
        ("https://async.test/feed", "Aio", "Tech/Python/Async", 2),
        ("https://rust.test/feed", "Rust blog", "Tech", 4),
        ("https://world.test/feed", "W <b>[r]", "News/World", 5),
    ]
    ids: dict[str, int] = {}
    for url, title, folder, count in layout:
        source = store.add_source(url, title=title, folder=folder)
        assert source.id is not None
        ids[title] = source.id
        store.save_stories(
            source.id, [Story(key=f"{url}{i}", title=f"{title} {i}", published=WHEN) for i in range(count)]
        )
    rust = store.headlines(ids["Rust blog"])
    assert rust[0].id is not None and rust[1].id is not None
    store.set_read(rust[0].id)  # Tech: 4 - 1 + 3 + 2 = 8 unread
    store.save_article(rust[1].id, Article(url="https://rust.test/1", tags=["Borrow checker"]))
    world = store.headlines(ids["W <b>[r]"])[0]
    assert world.id is not None
    store.save_article(world.id, Article(url="https://world.test/0", tags=["Borrow checker", "Politics"]))
    return ids


@pytest.fixture
def tree_store(store: Store) -> Store:
    fill(store)
    return store


async def settle(app: NewsReaderApp, pilot: Any) -> None:
    for _ in range(5):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def pane(app: NewsReaderApp) -> SourceList:
    return app.screen.query_one(SourceList)


def labels(app: NewsReaderApp) -> list[str]:
    sources = pane(app)
    return [sources.label(i).rstrip() for i in range(sources.option_count)]


async def go_to(app: NewsReaderApp, pilot: Any, ident: str) -> None:
    """Focus Sources and move the cursor (with j) to the entry `ident`."""
    sources = pane(app)
    sources.focus()
    await pilot.press("g")
    for _ in range(sources.option_count):
        if sources.highlighted_id == ident:
            break
        await pilot.press("j")
    assert sources.highlighted_id == ident
    await settle(app, pilot)


def ident_of(app: NewsReaderApp, name: str) -> str:
    sources = pane(app)
    return next(s for s in sources.sources.values() if s.name == name).id.__str__()


async def test_the_tree_nests_folders_and_their_counts_add_up(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert [" ".join(label.split()) for label in labels(app)] == [
            "All stories 14",
            "▾ News 5",
            "▾ World 5",
            "W <b>[r] 5",
            "▾ Tech 8",
            "▾ Python 5",
            "▾ Async 2",
            "Aio 2",
            "PyWeekly 3",
            "Rust blog 3",
            "Top level 1",
        ]
        sources = pane(app)
        # Each folder's count is the sum of its sources', subfolders included, and the folders add up to all.
        for path, unread in sources.folder_unread.items():
            inside = [s.unread for s in sources.sources.values() if (s.folder + "/").startswith(path + "/")]
            assert unread == sum(inside)
        top_level = sum(s.unread for s in sources.sources.values() if not s.folder)
        assert sources.folder_unread["News"] + sources.folder_unread["Tech"] + top_level == sources.total_unread == 14
        assert labels(app)[2].startswith("    ▾ World")  # indented by its depth


async def test_enter_l_and_a_click_open_and_close_a_folder(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "f:Tech/Python")
        await pilot.press("enter")
        assert "Aio" not in " ".join(labels(app)) and "▸ Python" in labels(app)[5]
        assert pane(app).highlighted_id == "f:Tech/Python" and pane(app).has_focus  # Enter stayed in the pane
        await pilot.press("l")
        assert "Aio" in " ".join(labels(app))
        # A click on the highlighted folder closes it (the first click on a row only highlights it).
        row = pane(app).cursor
        await pilot.click(SourceList, offset=(4, row))
        await settle(app, pilot)
        assert "▸ Python" in labels(app)[5]
        await pilot.click(SourceList, offset=(4, row))
        await settle(app, pilot)
        assert "▾ Python" in labels(app)[5]


async def test_closing_a_folder_moves_the_cursor_from_inside_it_to_the_folder(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        sources = pane(app)
        await go_to(app, pilot, ident_of(app, "Aio"))
        sources.toggle("f:Tech")
        await settle(app, pilot)
        assert sources.highlighted_id == "f:Tech"
        assert app.screen.source_id == Folder("Tech")  # type: ignore[attr-defined]


async def test_a_folder_shows_the_headlines_of_all_its_sources(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "f:Tech")
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 4 + 3 + 2
        titles = {headlines.story_at(i).source_title for i in range(headlines.total)}  # type: ignore[union-attr]
        assert titles == {"Rust blog", "PyWeekly", "Aio"}
        assert str(app.screen.query_one("#headlines").border_title) == "Headlines: Folder: Tech"
        await go_to(app, pilot, "f:Tech/Python/Async")
        assert headlines.total == 2
        # A on a folder asks first, then marks that folder read, nothing else.
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Mark all 2 unread stories of Folder: Tech/Python/Async read?" in str(app.screen.question)
        await pilot.press("y")
        await settle(app, pilot)
        assert pane(app).folder_unread["Tech"] == 6 and pane(app).total_unread == 12


async def _answer(app: NewsReaderApp, pilot: Any, value: str) -> None:
    assert isinstance(app.screen, TextInputScreen)
    app.screen.query_one(Input).value = value
    await pilot.press("enter")
    await settle(app, pilot)


@pytest.mark.parametrize("key", ["c", "f2"])
async def test_c_or_f2_renames_the_highlighted_source(tree_store: Store, clock: Any, key: str) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        ident = ident_of(app, "Rust blog")
        await go_to(app, pilot, ident)
        await pilot.press(key)
        await settle(app, pilot)
        assert isinstance(app.screen, TextInputScreen)
        assert app.screen.query_one(Input).value == "Rust blog"
        await _answer(app, pilot, "Rust \x1b]2;pwned\x07[b]news")
        assert tree_store.source(int(ident)).title == "Rust \x1b]2;pwned\x07[b]news"  # type: ignore[union-attr]
        assert "Rust [b]news" in " ".join(labels(app))  # shown through safe.py, never as markup
        assert "Renamed to Rust [b]news." in str(app.screen.query_one("#status").render())


async def test_m_moves_the_highlighted_source_and_esc_changes_nothing(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        ident = ident_of(app, "Top level")
        await go_to(app, pilot, ident)
        await pilot.press("M")
        await settle(app, pilot)
        await _answer(app, pilot, "Archive / Old/ Deep")
        assert tree_store.source(int(ident)).folder == "Archive/Old/Deep"  # type: ignore[union-attr]
        assert [" ".join(label.split()) for label in labels(app)][1:5] == [
            "▾ Archive 1",
            "▾ Old 1",
            "▾ Deep 1",
            "Top level 1",
        ]
        assert pane(app).highlighted_id == ident  # the cursor followed the source
        await pilot.press("M")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert tree_store.source(int(ident)).folder == "Archive/Old/Deep"  # type: ignore[union-attr]
        await pilot.press("M")
        await settle(app, pilot)
        await _answer(app, pilot, "")  # empty: the top level
        assert tree_store.source(int(ident)).folder == ""  # type: ignore[union-attr]


async def test_t_tags_the_highlighted_source(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        ident = ident_of(app, "PyWeekly")
        await go_to(app, pilot, ident)
        await pilot.press("T")
        await settle(app, pilot)
        await _answer(app, pilot, "weekly, python, , weekly")
        assert tree_store.source(int(ident)).tags == ["weekly", "python"]  # type: ignore[union-attr]
        await pilot.press("T")
        await settle(app, pilot)
        assert app.screen.query_one(Input).value == "weekly, python"
        await _answer(app, pilot, "")
        assert tree_store.source(int(ident)).tags == []  # type: ignore[union-attr]


async def test_the_keys_on_a_folder_say_what_they_need(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, "f:News")
        for key, said in (("c", "c (or F2) to rename it"), ("M", "M to move it"), ("T", "T to tag it")):
            await pilot.press(key)
            await settle(app, pilot)
            assert not isinstance(app.screen, TextInputScreen)
            assert f"Highlight a source in Sources, then press {said}" in str(app.screen.query_one("#status").render())


async def test_number_sign_lists_tags_and_shows_a_tags_stories(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("number_sign")
        await settle(app, pilot)
        assert isinstance(app.screen, TagsScreen)
        options = app.screen.query_one(OptionList)
        assert [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)] == [
            "Borrow checker  2/2",
            "Politics  1/1",
        ]
        await pilot.press("enter")
        await settle(app, pilot)
        assert not isinstance(app.screen, TagsScreen)
        assert app.screen.source_id == Tag("Borrow checker")
        headlines = app.screen.query_one(HeadlineList)
        assert headlines.total == 2 and headlines.has_focus
        assert str(app.screen.query_one("#headlines").border_title) == "Headlines: Tag: Borrow checker"
        await pilot.press("number_sign")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen.source_id == Tag("Borrow checker")


async def test_the_palette_offers_rename_move_tag_and_tags(tree_store: Store, clock: Any) -> None:
    app = NewsReaderApp(tree_store, offline=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await go_to(app, pilot, ident_of(app, "Rust blog"))
        offered = {c.title: c for c in app.get_system_commands(app.screen)}
        for title in ("Rename the source", "Move the source to a folder", "Tag the source", "Tags: the stories of one"):
            assert title in offered
        offered["Move the source to a folder"].callback()
        await settle(app, pilot)
        assert isinstance(app.screen, TextInputScreen)
        await _answer(app, pilot, "Lang")
        assert tree_store.source(int(ident_of(app, "Rust blog"))).folder == "Lang"  # type: ignore[union-attr]
