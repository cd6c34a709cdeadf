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
