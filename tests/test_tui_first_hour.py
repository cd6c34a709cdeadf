"""Issue #14, the reader's half: what a new user hit in the first hour, driven with Pilot."""

from __future__ import annotations

import subprocess
import sys
import webbrowser
from typing import Any

import pytest

from newsreader.store import Store
from newsreader.tui import browser
from tests.test_tui import SIZE, make_app, screen_text, settle


def status(app: Any) -> str:
    return str(app.screen.query_one("#status").render())


# -- 1. o: a wrong browser, no browser, the browser's own output ------------------------------------------------


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("/nonexistent/browser", "Could not start the browser '/nonexistent/browser': No such file"),
        ("sh -c 'unterminated", "The browser command in config.toml cannot be read (No closing quotation)"),
    ],
)
async def test_o_with_a_wrong_browser_says_why_and_the_reader_goes_on(
    demo_store: Store, clock: Any, command: str, said: str
) -> None:
    app = make_app(demo_store, clock)
    app.config.browser = command
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert app.is_running
        assert said in status(app)
        await pilot.press("j")
        assert app.screen.query_one("#headlines").cursor == 1  # type: ignore[attr-defined]


async def test_o_with_no_browser_at_all_says_so(demo_store: Store, clock: Any, monkeypatch: Any) -> None:
    def none_found(using: str | None = None) -> Any:
        raise webbrowser.Error("could not locate runnable browser")

    monkeypatch.setattr(browser.webbrowser, "get", none_found)
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert "No browser found" in status(app) and "only http" not in status(app)


async def test_o_with_the_system_browser_sends_its_output_nowhere(
    demo_store: Store, clock: Any, monkeypatch: Any
) -> None:
    calls: list[tuple[list[str], dict[str, Any]]] = []
    monkeypatch.setattr(browser.webbrowser, "get", lambda using=None: webbrowser.Chrome("google-chrome"))
    monkeypatch.setattr(browser.subprocess, "Popen", lambda argv, **kw: calls.append((argv, kw)))
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert "Opened" in status(app)
    ((argv, kw),) = calls
    url = demo_store.headlines()[0].url
    assert argv == [sys.executable, "-m", "webbrowser", "-t", url]
    assert kw["stdout"] is kw["stderr"] is kw["stdin"] is subprocess.DEVNULL and not kw.get("shell")


def test_a_browser_from_BROWSER_gets_the_url_as_one_argument(monkeypatch: Any) -> None:
    monkeypatch.setattr(
        browser.webbrowser, "get", lambda using=None: webbrowser.BackgroundBrowser(["my-browser", "%s"])
    )
    launch = browser.launch_for("https://x.test/a b;ls")
    assert launch.argv == ["my-browser", "https://x.test/a%20b;ls"] and not launch.in_terminal
    monkeypatch.setattr(browser.webbrowser, "get", lambda using=None: webbrowser.GenericBrowser("lynx"))
    assert browser.launch_for("https://x.test/").in_terminal


# -- 10. Related headlines -----------------------------------------------------------------------------------------


async def open_related_list(app: Any, pilot: Any) -> Any:
    from newsreader.tui.widgets.article_view import RelatedList

    await settle(app, pilot)
    await pilot.press("enter")  # the seed story, whose related headlines include cached stories
    await settle(app, pilot)
    await pilot.press("tab")
    related = app.screen.query_one(RelatedList)
    assert app.focused is related
    return related


async def test_related_j_k_move_its_cursor_and_o_opens_the_highlighted_link(
    demo_store: Store, clock: Any, monkeypatch: Any
) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(browser.subprocess, "Popen", lambda argv, **kw: opened.append(argv))
    app = make_app(demo_store, clock)
    app.config.browser = "firefox"
    async with app.run_test(size=SIZE) as pilot:
        related = await open_related_list(app, pilot)
        view = app.screen.query_one("#article")
        scrolled = view.scroll_y
        await pilot.press("j", "j", "k")
        assert related.highlighted == 1 and view.scroll_y >= scrolled
        await pilot.press("o")
        await settle(app, pilot)
    assert [argv[-1] for argv in opened] == [related.items[1].url]


async def test_a_story_opened_from_related_is_read_has_focus_and_m_toggles_it(demo_store: Store, clock: Any) -> None:
    from newsreader.tui.widgets.article_view import ArticleView

    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        related = await open_related_list(app, pilot)
        target = related.items[0]
        cached = demo_store.story_by_url(target.url)
        assert cached is not None and cached.id is not None and not cached.read
        highlighted = app.screen.query_one("#headlines").current  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ArticleView)
        assert view.presented is not None and view.presented.url == target.url
        assert app.focused is view
        assert demo_store.story(cached.id).read  # type: ignore[union-attr]
        await pilot.press("m")  # the story being read, not the headline highlighted in the list
        await settle(app, pilot)
        assert not demo_store.story(cached.id).read  # type: ignore[union-attr]
        assert demo_store.story(highlighted.id).read  # type: ignore[union-attr]


# -- 15. Help --------------------------------------------------------------------------------------------------------


async def test_help_scrolls_with_j_k_has_a_scrollbar_and_lists_the_palette(demo_store: Store, clock: Any) -> None:
    from textual.containers import VerticalScroll

    from newsreader.tui.screens.dialogs import HelpScreen

    app = make_app(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        scroll = app.screen.query_one(VerticalScroll)
        assert scroll.max_scroll_y > 0 and scroll.show_vertical_scrollbar
        await pilot.press("j", "j", "j")
        assert scroll.scroll_y == 3
        await pilot.press("k")
        assert scroll.scroll_y == 2
        await pilot.press("G")
        assert scroll.scroll_y == scroll.max_scroll_y
        await pilot.press("g")
        assert scroll.scroll_y == 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


def test_help_lists_ctrl_p() -> None:
    from newsreader.tui.screens.dialogs import _keys, binding_table

    keys = [_keys(b) for _, bindings in binding_table() for b in bindings]
    assert "Ctrl+P" in keys


# -- 2. Unsubscribe and subscribe in the reader; names never break the pane -------------------------------------------


def two_sources(store: Store) -> tuple[Any, Any]:
    from newsreader.model import Story

    a = store.add_source("http://a.test/feed", title="Alpha")
    b = store.add_source("http://b.test/feed", title="Beta")
    store.save_stories(
        a.id,  # type: ignore[arg-type]
        [Story(key=f"a{i}", title=f"Alpha story {i}") for i in range(3)],
    )
    store.save_stories(
        b.id,  # type: ignore[arg-type]
        [Story(key=f"b{i}", title=f"Beta story {i}") for i in range(5)],
    )
    return a, b


async def test_d_unsubscribes_the_highlighted_source_after_asking(store: Store, clock: Any) -> None:
    from newsreader.tui.screens.dialogs import ConfirmScreen
    from newsreader.tui.widgets.source_list import SourceList

    two_sources(store)
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one(SourceList).focus()
        await pilot.press("j", "d")  # Alpha
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # no: nothing happens
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen) and len(store.sources()) == 2
        await pilot.press("d")
        await settle(app, pilot)
        await pilot.press("y")
        await settle(app, pilot)
        assert [s.title for s in store.sources()] == ["Beta"]
        assert "Unsubscribed from Alpha." in status(app)
        assert app.screen.query_one("#headlines").total == 5
        assert [r[1] for r in app.screen.query_one(SourceList)._rows] == ["All stories", "Beta"]
        app.screen.query_one(SourceList).cursor = 0
        await pilot.press("d")  # on All stories: nothing to unsubscribe, and it says so
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen) and "Highlight a source" in status(app)


async def test_a_subscribes_to_a_url_typed_in_a_dialog(store: Store, clock: Any, httpserver: Any) -> None:
    from newsreader.tui.screens.dialogs import AddSourceScreen

    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Loopback News</title><link>http://x.test/</link>'
        "<item><title>First loopback story</title><link>http://x.test/1</link><guid>1</guid></item>"
        "</channel></rss>"
    )
    httpserver.expect_request("/feed.xml").respond_with_data(feed, content_type="application/rss+xml")
    app = make_app(store, clock, offline=False)
    app.config.full_text = False
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert isinstance(app.screen, AddSourceScreen)
        await pilot.press(*httpserver.url_for("/feed.xml"), "enter")
        await settle(app, pilot)
        assert [s.title for s in store.sources()] == ["Loopback News"]
        assert app.screen.query_one("#headlines").total == 1  # type: ignore[attr-defined]
        await pilot.press("a", "escape")  # Esc: nothing added
        await settle(app, pilot)
        assert len(store.sources()) == 1


async def test_source_names_with_combining_and_wide_characters_never_break_the_border(store: Store, clock: Any) -> None:
    from rich.cells import cell_len

    from newsreader.tui.widgets.source_list import SourceList

    store.add_source("http://c.test/feed", title="Z\u0335\u0321\u0300a\u0336\u0301l\u0337g\u0338o" * 6)
    store.add_source("http://w.test/feed", title="全角の見出しがとても長いニュース源の名前です")
    store.add_source("http://e.test/feed", title="\x1b[31mred\x1b]0;owned\x07 \u202eevil")
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        pane = app.screen.query_one(SourceList)
        for row in range(pane.row_count):
            assert cell_len(pane.label(row)) <= pane.scrollable_content_region.width
            assert "\x1b" not in pane.label(row) and "\u202e" not in pane.label(row)
        lines = screen_text(app).splitlines()
        border = cell_len(lines[0][: lines[0].index("╮") + 1])
        for line in lines[1:6]:
            # The sources pane's right border stands in the same column on every line.
            assert cell_len(line[: line.index("│", 1) + 1]) == border, line


def test_safe_label_keeps_letters_and_drops_stacked_marks() -> None:
    from newsreader import safe

    assert safe.label("Cafe\u0301") == "Café"  # composed
    assert safe.label("a" + "\u0300\u0301\u0302\u0303\u0304" + "b") == "\u00e0\u0301\u0302b"  # à and 2 marks
    assert safe.label("\u0301\x1b[2Jx") == "x"


# -- 16. A on All stories asks, u undoes; the Headlines title names the source; the theme is kept ------------------


async def test_A_on_all_stories_asks_first_and_u_undoes_it(store: Store, clock: Any) -> None:
    from newsreader.tui.screens.dialogs import ConfirmScreen

    two_sources(store)
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("A")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await settle(app, pilot)
        assert sum(s.unread for s in store.sources()) == 8
        await pilot.press("A", "y")
        await settle(app, pilot)
        assert sum(s.unread for s in store.sources()) == 0
        assert "Marked 8 stories of every source read. u undoes it." in status(app)
        await pilot.press("u")
        await settle(app, pilot)
        assert sum(s.unread for s in store.sources()) == 8
        assert "8 stories of every source unread again." in status(app)
        await pilot.press("u")
        assert "Nothing to undo" in status(app)


async def test_A_on_one_source_marks_it_at_once_and_the_title_names_it(store: Store, clock: Any) -> None:
    from newsreader.tui.widgets.source_list import SourceList

    two_sources(store)
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        heads = app.screen.query_one("#headlines")
        assert heads.border_title == "Headlines"
        app.screen.query_one(SourceList).focus()
        await pilot.press("j", "j")  # Beta
        await settle(app, pilot)
        assert str(heads.border_title) == "Headlines: Beta"
        await pilot.press("A")
        await settle(app, pilot)
        assert [(s.title, s.unread) for s in store.sources()] == [("Alpha", 3), ("Beta", 0)]
        assert "Marked 5 stories of Beta read." in status(app)
        await pilot.press("k")
        await settle(app, pilot)
        assert str(heads.border_title) == "Headlines: Alpha"


# -- 11. Messages ---------------------------------------------------------------------------------------------------


async def test_demo_r_says_the_demo_has_no_network(demo_store: Store, clock: Any) -> None:
    from newsreader.tui.app import NewsReaderApp

    app = NewsReaderApp(demo_store, demo=True, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert "--offline" not in status(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert "demo has no network" in status(app) and "--offline" not in status(app)


async def test_refreshed_one_source_is_singular(store: Store, clock: Any, httpserver: Any) -> None:
    feed = '<?xml version="1.0"?><rss version="2.0"><channel><title>One</title></channel></rss>'
    httpserver.expect_request("/one.xml").respond_with_data(feed, content_type="application/rss+xml")
    store.add_source(httpserver.url_for("/one.xml"), title="One")
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        assert "Refreshed 1 source: 0 new." in status(app)


async def test_esc_after_a_search_clears_its_status(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"wolf", "enter")
        await settle(app, pilot)
        assert "wolf" in status(app)
        await pilot.press("escape")
        await settle(app, pilot)
        assert "wolf" not in status(app)
        assert app.screen.query_one("#headlines").border_title == "Headlines"


# -- 7. The layout adapts -----------------------------------------------------------------------------------------------

LONG = "President Toqayev to Meet Putin in Moscow on November 12"  # 56 characters
LONGER = "Damaged Baikonur Launch Pad Facility Restored After 2025 Collapse"  # 65


async def test_at_80_columns_one_pane_at_a_time_and_the_title_has_the_room(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert LONG in text  # whole: 56 characters
        assert "Sources" not in text.splitlines()[0] and "Story" not in text.splitlines()[0]
        await pilot.press("enter")  # the story, full width
        await settle(app, pilot)
        assert screen_text(app).splitlines()[0].startswith("╭─ Story")
        await pilot.press("h")  # back to the list
        assert screen_text(app).splitlines()[0].startswith("╭─ Headlines")
        await pilot.press("h")  # the sources
        assert screen_text(app).splitlines()[0].startswith("╭─ Sources")
        await pilot.press("enter")
        assert screen_text(app).splitlines()[0].startswith("╭─ Headlines")


async def test_at_160_columns_titles_get_60_columns_and_the_story_a_reading_measure(
    demo_store: Store, clock: Any
) -> None:
    from newsreader.tui.widgets.article_view import ArticleView

    for width, height in ((160, 45), (220, 55)):
        app = make_app(demo_store, clock)
        async with app.run_test(size=(width, height)) as pilot:
            await settle(app, pilot)
            assert LONGER[:60] in screen_text(app)  # at least 60 characters of a 65-character title
            heads = app.screen.query_one("#headlines")
            assert heads.scrollable_content_region.width >= 62  # the unread mark, 60 of the title, "…"
            await pilot.press("enter")
            await settle(app, pilot)
            view = app.screen.query_one(ArticleView)
            body = view.query_one("#article-body")
            assert 60 <= body.size.width <= 90, (width, body.size.width)


async def test_long_lists_have_no_horizontal_scrollbar(store: Store, clock: Any) -> None:
    from newsreader.model import Story
    from newsreader.tui.widgets.source_list import SourceList

    for i in range(40):
        s = store.add_source(f"http://s{i}.test/feed", title=f"Source number {i} with a rather long name")
        store.save_stories(s.id, [Story(key=f"{i}-{j}", title=f"Story {i}.{j} " * 12) for j in range(3)])  # type: ignore[arg-type]
    app = make_app(store, clock)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("G")
        await settle(app, pilot)
        heads = app.screen.query_one("#headlines")
        assert heads.total == 120  # type: ignore[attr-defined]
        assert heads.show_vertical_scrollbar and not heads.show_horizontal_scrollbar
        app.screen.query_one(SourceList).focus()
        await pilot.press("G")
        await settle(app, pilot)
        sources = app.screen.query_one(SourceList)
        assert sources.show_vertical_scrollbar and not sources.show_horizontal_scrollbar


async def test_a_maximized_pane_fits_the_screen(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=(160, 45)) as pilot:
        await settle(app, pilot)
        for pane_id in ("#sources", "#headlines", "#article"):
            pane = app.screen.query_one(pane_id)
            app.screen.maximize(pane)
            await settle(app, pilot)
            assert pane.region.width <= 160 and pane.region.right <= 160, (pane_id, pane.region)
            assert pane.region.width >= 150, (pane_id, pane.region)
            app.screen.minimize()
            await settle(app, pilot)


async def test_the_theme_is_kept_across_restarts(demo_store: Store, clock: Any, tmp_path: Any) -> None:
    import json

    from newsreader.tui.app import NewsReaderApp

    path = tmp_path / "state" / "newsreader" / "state.json"
    app = NewsReaderApp(demo_store, offline=True, clock=clock, state_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.theme = "textual-light"
        await settle(app, pilot)
    assert json.loads(path.read_text())["theme"] == "textual-light"
    again = NewsReaderApp(demo_store, offline=True, clock=clock, state_path=path)
    async with again.run_test(size=SIZE) as pilot:
        await settle(again, pilot)
        assert again.theme == "textual-light"


async def test_a_broken_state_file_is_said_and_the_reader_starts(demo_store: Store, clock: Any, tmp_path: Any) -> None:
    from newsreader.tui.app import NewsReaderApp

    path = tmp_path / "state.json"
    path.write_text("{not json")
    app = NewsReaderApp(demo_store, offline=True, clock=clock, state_path=path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.is_running and app.theme == "textual-dark"
        assert any("is not JSON" in str(n.message) for n in app._notifications)
        app.theme = "nord"
        await settle(app, pilot)
    assert '"nord"' in path.read_text()


def test_the_state_file_lives_under_xdg_state_home(tmp_path: Any, monkeypatch: Any) -> None:
    from newsreader.config import state_path

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert state_path() == tmp_path / "newsreader" / "state.json"


async def test_o_with_a_console_browser_that_cannot_have_the_terminal_says_so(
    demo_store: Store, clock: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(browser.webbrowser, "get", lambda using=None: webbrowser.GenericBrowser("lynx"))
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:  # headless: the terminal cannot be handed over
        await settle(app, pilot)
        await pilot.press("o")
        await settle(app, pilot)
        assert app.is_running and "'lynx' runs in the terminal" in status(app)


async def test_a_offline_says_why_it_cannot_subscribe(demo_store: Store, clock: Any) -> None:
    from newsreader.tui.screens.dialogs import AddSourceScreen

    app = make_app(demo_store, clock)  # offline
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("a")
        await settle(app, pilot)
        assert not isinstance(app.screen, AddSourceScreen) and "the reader is offline" in status(app)


async def test_a_feed_title_with_markup_shows_as_text_and_never_ends_the_app(store: Store, clock: Any) -> None:
    # Textual reads a plain border title as markup: "[/b]" in a feed's title raised MarkupError on choosing it.
    from rich.markup import escape

    from newsreader.model import Story
    from newsreader.store import RefreshResult
    from newsreader.tui.widgets.source_list import SourceList

    hostile = "[/b]Evil [reverse]feed[link=http://x.example]"
    story = Story(key="k", title="A story", url="https://evil.example/1")
    store.subscribe("https://evil.example/feed.xml", [story], RefreshResult(title=hostile), title=hostile)
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.screen.query_one(SourceList).focus()
        await pilot.press("j")  # the feed
        await settle(app, pilot)
        # Kept as escaped markup: the terminal shows the title's brackets as they are, and nothing they ask for.
        assert str(app.screen.query_one("#headlines").border_title) == f"Headlines: {escape(hostile)}"
        assert app.is_running
        await pilot.press("slash", *"[/]", "enter")  # a search for markup is text too
        await settle(app, pilot)
        # Within the chosen source (issue #16), whose title is text too
        assert str(app.screen.query_one("#headlines").border_title) == f"Search in {escape(hostile)}: {escape('[/]')}"
        assert app.is_running
