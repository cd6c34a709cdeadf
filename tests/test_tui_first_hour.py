"""Issue #14, the reader's half: what a new user hit in the first hour, driven with Pilot."""

from __future__ import annotations

import subprocess
import sys
import webbrowser
from typing import Any

import pytest

from newsreader.store import Store
from newsreader.tui import browser
from tests.test_tui import SIZE, make_app, settle


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
