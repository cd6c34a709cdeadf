"""Issue #16 part B, driven with Pilot over stores on disk: `*` stars and the Starred view, `U` unread only, `S`
the order, `/` within the chosen view, `n` on into the next source, and the place kept across restarts."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from newsreader.model import Story
from newsreader.store import Store
from newsreader.tui import commands
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.headline_list import HeadlineList
from newsreader.tui.widgets.source_list import SourceList

SIZE = (120, 36)


def make_app(store: Store, clock: Callable[[], datetime], state: Path | None = None) -> NewsReaderApp:
    return NewsReaderApp(store, offline=True, clock=clock, state_path=state)


async def settle(app: NewsReaderApp, pilot: Any) -> None:
    for _ in range(5):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def heads(app: NewsReaderApp) -> HeadlineList:
    return app.screen.query_one(HeadlineList)


def sources(app: NewsReaderApp) -> SourceList:
    return app.screen.query_one(SourceList)


def titles(app: NewsReaderApp) -> list[str]:
    h = heads(app)
    return [s.title for s in (h.story_at(i) for i in range(h.total)) if s is not None]


def headline_title(app: NewsReaderApp) -> str:
    return str(app.screen.query_one("#headlines").border_title)


def screen_text(app: NewsReaderApp) -> str:
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


@pytest.fixture
def two_sources(store: Store, clock: Callable[[], datetime]) -> Store:
    """Two sources, 'Alpha' and 'Beta', three stories each, Alpha's the newest."""
    now = clock()
    for n, name in enumerate(("Alpha", "Beta")):
        source = store.add_source(f"https://{name.lower()}.example/feed", "feed", name)
        assert source.id is not None
        stories = [
            Story(
                key=f"{name}{i}",
                title=f"{name} story {i} about {('zebras', 'apples', 'mangoes')[i]}",
                url=f"https://{name.lower()}.example/{i}",
                summary=f"{name} text {i}",
                published=now - timedelta(hours=n * 10 + i),
            )
            for i in range(3)
        ]
        store.save_stories(source.id, stories)
    return store


def test_every_new_key_is_in_the_registry_with_an_id() -> None:
    ids = {b.id: b.key for b in commands.VIEWS}
    assert ids["main.star"] == "asterisk" and ids["main.unread-only"] == "U" and ids["main.sort"] == "S"
    assert (commands.VIEWS_PLACE, commands.VIEWS) in commands.TABLE  # help lists them
    keys = [k for b in commands.APP + commands.MAIN + commands.VIEWS for k in b.key.split(",")]
    assert len(keys) == len(set(keys))  # no key does two things


async def test_star_marks_the_row_and_the_starred_view_lists_starred_of_every_source(
    two_sources: Store, clock: Any
) -> None:
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert sources(app).option_count == 3  # no Starred entry while nothing is starred
        await pilot.press("asterisk")  # the highlighted headline: Alpha's newest
        await settle(app, pilot)
        first = heads(app).story_at(0)
        assert first is not None and first.starred
        assert "★ Alpha story 0" in screen_text(app)
        await pilot.press("G", "asterisk")  # Beta's oldest
        await settle(app, pilot)
        assert {s.title for s in two_sources.headlines(starred_only=True)} == {
            "Alpha story 0 about zebras",
            "Beta story 2 about mangoes",
        }
        assert " ".join(sources(app).label(1).split()) == "Starred 2"
        # Open the Starred view (a click, as a mouse would)
        await pilot.click(SourceList, offset=(3, 1))
        await settle(app, pilot)
        assert titles(app) == ["Alpha story 0 about zebras", "Beta story 2 about mangoes"]
        assert headline_title(app) == "Starred"
        # In a story, * unstars the story being read
        await pilot.press("enter", "enter")  # Sources -> Headlines -> the story
        await settle(app, pilot)
        assert app.screen.query_one(ArticleView).has_focus
        await pilot.press("asterisk")
        await settle(app, pilot)
        assert [s.title for s in two_sources.headlines(starred_only=True)] == ["Beta story 2 about mangoes"]
        assert " ".join(sources(app).label(1).split()) == "Starred 1"


async def test_a_star_from_the_reader_survives_a_purge(two_sources: Store, clock: Any) -> None:
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("asterisk", "j", "m")  # star the first; the second is read, not starred
        await settle(app, pilot)
    two_sources.set_read([s.id or 0 for s in two_sources.headlines()])
    assert two_sources.purge(time.time() + 86400, keep_unread=False) == 5  # all but the starred one
    assert [s.title for s in two_sources.headlines()] == ["Alpha story 0 about zebras"]


async def test_unread_only_is_in_the_title_and_kept(two_sources: Store, clock: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    two_sources.set_read([s.id or 0 for s in two_sources.headlines() if s.title.startswith("Alpha story 1")])
    app = make_app(two_sources, clock, state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert heads(app).total == 6
        await pilot.press("U")
        await settle(app, pilot)
        assert heads(app).total == 5 and "Alpha story 1 about apples" not in titles(app)
        assert headline_title(app) == "Headlines (unread only)"
        assert "Unread stories only" in screen_text(app)
    assert json.loads(state.read_text())["unread_only"] is True
    again = make_app(two_sources, clock, state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert heads(again).total == 5 and headline_title(again) == "Headlines (unread only)"
        await pilot.press("U")
        await settle(again, pilot)
        assert heads(again).total == 6 and headline_title(again) == "Headlines"


async def test_sort_cycles_through_source_and_title_and_is_kept(two_sources: Store, clock: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    two_sources.add_source("https://aardvark.example/feed", "feed", "Aardvark")
    aardvark = two_sources.sources()[0]
    assert aardvark.id is not None and aardvark.name == "Aardvark"
    two_sources.save_stories(
        aardvark.id,
        [
            Story(
                key="old",
                title="Oldest of all",
                url="https://aardvark.example/1",
                published=clock() - timedelta(days=9),
            )
        ],
    )
    app = make_app(two_sources, clock, state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert titles(app)[-1] == "Oldest of all"  # by date, newest first
        await pilot.press("S")
        await settle(app, pilot)
        assert titles(app)[0] == "Oldest of all" and headline_title(app) == "Headlines (by source)"
        assert titles(app)[1:4] == [f"Alpha story {i} about {w}" for i, w in enumerate(("zebras", "apples", "mangoes"))]
        await pilot.press("S")
        await settle(app, pilot)
        assert titles(app) == sorted(titles(app), key=str.lower) and headline_title(app) == "Headlines (by title)"
        assert titles(app)[0] == "Alpha story 0 about zebras"
    assert json.loads(state.read_text())["sort"] == "title"
    again = make_app(two_sources, clock, state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert headline_title(again) == "Headlines (by title)" and titles(again)[-1] == "Oldest of all"
        await pilot.press("S")  # back to by date
        await settle(again, pilot)
        assert headline_title(again) == "Headlines" and titles(again)[-1] == "Oldest of all"
        assert titles(again)[0] == "Alpha story 0 about zebras"


async def test_search_within_the_chosen_source_and_starred(two_sources: Store, clock: Any) -> None:
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"apples", "enter")
        await settle(app, pilot)
        assert sorted(titles(app)) == ["Alpha story 1 about apples", "Beta story 1 about apples"]
        await pilot.press("escape", "h", "j", "j")  # Sources: Beta
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Beta"
        await pilot.press("slash", *"apples", "enter")
        await settle(app, pilot)
        assert titles(app) == ["Beta story 1 about apples"]
        assert headline_title(app) == "Search in Beta: apples"
        await pilot.press("escape", "asterisk")  # star Beta's newest (story 0)
        await settle(app, pilot)
        await pilot.press("h", "g", "j")  # Sources: Starred
        await settle(app, pilot)
        assert headline_title(app) == "Starred"
        await pilot.press("l", "slash", *"Beta", "enter")
        await settle(app, pilot)
        assert titles(app) == ["Beta story 0 about zebras"] and headline_title(app) == "Search in Starred: Beta"


async def test_n_goes_on_into_the_next_source_with_unread_stories(two_sources: Store, clock: Any) -> None:
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("h", "j", "l")  # Alpha
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Alpha"
        await pilot.press("A")  # Alpha all read
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Beta"
        beta = sources(app).current
        assert beta is not None and beta.name == "Beta"
        view = app.screen.query_one(ArticleView)
        assert view.presented is not None and view.presented.title == "Beta story 0 about zebras"
        assert "On to Beta." in screen_text(app)
        await pilot.press("h", "p", "p")  # back: Beta has no unread before its first; Alpha has none at all
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Beta"
        assert "No more unread stories here." in screen_text(app)


async def test_the_place_is_restored_after_a_restart(two_sources: Store, clock: Any, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    long_story = two_sources.headlines()[4]  # Beta story 1
    assert long_story.title == "Beta story 1 about apples" and long_story.id is not None
    two_sources.save_stories(
        long_story.source_id or 0,
        [
            Story(
                key="Beta1",
                title=long_story.title,
                url=long_story.url,
                summary="\n".join(f"<p>Paragraph {i}</p>" for i in range(120)),
            )
        ],
    )
    app = make_app(two_sources, clock, state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("h", "j", "j", "l")  # Beta
        await settle(app, pilot)
        await pilot.press("j", "enter")  # its story 1, opened
        await settle(app, pilot)
        article = app.screen.query_one(ArticleView)
        for _ in range(3):
            await pilot.press("space")
        await settle(app, pilot)
        scrolled = article.scroll_y
        assert scrolled > 20
        await pilot.press("h")  # back to the list: the story stays open beside it
        await settle(app, pilot)
    kept = json.loads(state.read_text())["place"]
    assert kept["source"] == str(long_story.source_id) and kept["story"] == long_story.id
    assert kept["open"] == long_story.id and kept["scroll"] == pytest.approx(scrolled, abs=1)
    again = make_app(two_sources, clock, state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        await pilot.pause(0.3)
        await settle(again, pilot)
        assert headline_title(again) == "Headlines: Beta"
        beta = sources(again).current
        assert beta is not None and beta.name == "Beta"
        current = heads(again).current
        assert current is not None and current.id == long_story.id and heads(again).cursor == 1
        article = again.screen.query_one(ArticleView)
        assert article.presented is not None and article.presented.title == long_story.title
        assert article.scroll_y == pytest.approx(scrolled, abs=1)


async def test_a_place_that_is_gone_falls_back_quietly(
    two_sources: Store, clock: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"place": {"source": "9999", "story": 88888, "open": 77777, "scroll": 40}}))
    app = make_app(two_sources, clock, state)
    with caplog.at_level(logging.DEBUG, logger="newsreader.tui.screens.main"):
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            assert headline_title(app) == "Headlines" and heads(app).total == 6 and heads(app).cursor == 0
            assert sources(app).highlighted_id == "all"
            assert app.screen.query_one(ArticleView).presented is None
            assert not app.screen.query(".toast")  # quietly: no notification
    logged = caplog.text
    assert "source 9999 kept from the last run is gone" in logged and "story 77777 open in the last run" in logged
    # Starred, with nothing starred any more: All stories
    state.write_text(json.dumps({"place": {"source": "starred"}}))
    again = make_app(two_sources, clock, state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert headline_title(again) == "Headlines" and heads(again).total == 6


async def test_help_and_the_palette_list_the_new_keys(two_sources: Store, clock: Any) -> None:
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        offered = {c.help: c.title for c in app.get_system_commands(app.screen)}
        assert offered["key: asterisk"].startswith("Star or unstar")
        assert offered["key: U"].startswith("Unread stories only")
        assert offered["key: S"].startswith("Sort by date")
        await pilot.press("question_mark", "G")  # their group is the last
        await settle(app, pilot)
        text = screen_text(app)
        assert "Star or unstar" in text and "Unread stories only" in text


async def test_at_the_top_of_all_stories_the_place_is_the_top(two_sources: Store, clock: Any, tmp_path: Path) -> None:
    """The common place asks for no read at start: the first page cli reads before the UI is up is the list."""
    state = tmp_path / "state.json"
    app = make_app(two_sources, clock, state)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "k")
        await settle(app, pilot)
    assert json.loads(state.read_text())["place"] == {"source": "all", "story": None, "open": None, "scroll": 0}
    again = make_app(two_sources, clock, state)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert heads(again).cursor == 0 and heads(again).total == 6 and headline_title(again) == "Headlines"


async def test_unread_only_keeps_its_rows_in_place_as_stories_are_read(store: Store, clock: Any) -> None:
    """Rows read in an unread-only list stay listed until it is read anew: the next page skips none."""
    source = store.add_source("https://many.example/feed", "feed", "Many")
    assert source.id is not None
    now = clock()
    store.save_stories(
        source.id,
        [
            Story(
                key=f"m{i}",
                title=f"Story {i:03}",
                url=f"https://many.example/{i}",
                published=now - timedelta(minutes=i),
            )
            for i in range(260)
        ],
    )
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("U")
        await settle(app, pilot)
        assert heads(app).total == 260
        for _ in range(3):  # read three of the first page: opened, then back to the list
            await pilot.press("enter")
            await settle(app, pilot)
            await pilot.press("h", "j")
            await settle(app, pilot)
        assert store.count_stories(source.id, unread_only=True) == 257
        await pilot.press("G")  # the second page is read now
        await settle(app, pilot)
        assert titles(app) == [f"Story {i:03}" for i in range(260)]
        await pilot.press("U", "U")  # read anew: the three read ones leave
        await settle(app, pilot)
        assert heads(app).total == 257


async def test_n_goes_on_in_the_sources_pane_order_folders_first(two_sources: Store, clock: Any) -> None:
    # The pane shows folders first: "Z" (Alpha, Gamma), then Beta at the top level. From Alpha, n goes to Gamma,
    # the next source on screen, not to Beta (next by name).
    gamma = two_sources.add_source("https://gamma.example/feed", "feed", "Gamma")
    assert gamma.id is not None
    two_sources.save_stories(gamma.id, [Story(key="g0", title="Gamma story", url="https://gamma.example/0")])
    by_name = {s.name: s.id for s in two_sources.sources()}
    for name in ("Alpha", "Gamma"):
        assert two_sources.move_source(by_name[name] or 0, "Z")
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("h", "j", "j", "l")  # All stories -> folder Z -> Alpha
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Alpha"
        await pilot.press("A")
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert headline_title(app) == "Headlines: Gamma"
        assert "On to Gamma." in screen_text(app)


async def test_A_in_starred_asks_and_marks_only_the_starred_stories_and_u_undoes_an_m(
    two_sources: Store, clock: Any
) -> None:
    from newsreader.tui.screens.dialogs import ConfirmScreen

    starred = [s.id or 0 for s in two_sources.headlines(None)[:2]]
    two_sources.set_starred(starred, True)
    app = make_app(two_sources, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("h", "j", "l")  # All stories -> Starred
        await settle(app, pilot)
        assert headline_title(app) == "Starred"
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "of every starred story read?" in str(app.screen.question)
        await pilot.press("y")
        await settle(app, pilot)
        unread = {s.id for s in two_sources.headlines(None) if not s.read}
        assert len(unread) == 4 and not unread & set(starred)  # the 2 starred read, the other 4 untouched
        # m marks one story read; u gives it back, like an A.
        await pilot.press("h", "k", "l")  # All stories
        await settle(app, pilot)
        first = app.screen.query_one(HeadlineList).current
        assert first is not None and first.id is not None
        while first.read:  # the first unread one
            await pilot.press("j")
            first = app.screen.query_one(HeadlineList).current
            assert first is not None and first.id is not None
        first_id: int = first.id or 0
        await pilot.press("m")
        await settle(app, pilot)
        story = two_sources.story(first_id)
        assert story is not None and story.read
        await pilot.press("u")
        await settle(app, pilot)
        story = two_sources.story(first_id)
        assert story is not None and not story.read
        assert "unread again" in screen_text(app)
