"""The reader driven as a person would, with Pilot, over a store on disk (and a feed on 127.0.0.1)."""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from pytest_httpserver import HTTPServer
from rich.console import Console
from rich.text import Text
from textual.widgets import Static
from werkzeug import Request, Response

from newsreader.config import Config, NetworkConfig
from newsreader.model import Article, Related, Story
from newsreader.store import RefreshResult, Store, StoreError
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.screens.dialogs import ErrorScreen, FailureScreen, HelpScreen, binding_table
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.headline_list import KEEP_PAGES, PAGE, HeadlineList
from newsreader.tui.widgets.key_bar import KeyBar
from newsreader.tui.widgets.source_list import SourceList

SIZE = (120, 36)
SEED_TITLE = "President Toqayev to Meet Putin in Moscow on November 12"


def make_app(store: Store, clock: Callable[[], datetime], **kw: Any) -> NewsReaderApp:
    config = Config(network=NetworkConfig(timeout=3, deadline=10))
    return NewsReaderApp(store, config, clock=clock, offline=kw.pop("offline", True), **kw)


async def settle(app: NewsReaderApp, pilot: Any) -> None:
    """Let workers finish and their messages land."""
    for _ in range(5):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def headline_list(app: NewsReaderApp) -> HeadlineList:
    return app.screen.query_one(HeadlineList)


def screen_text(app: NewsReaderApp) -> str:
    """What the terminal would show, as text; escape characters would survive in it, styles do not."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def test_keys_move_through_headlines(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        heads = headline_list(app)
        assert heads.total == 10 and heads.has_focus
        await pilot.press("j", "j", "down")
        assert heads.cursor == 3
        await pilot.press("k")
        assert heads.cursor == 2
        await pilot.press("G")
        assert heads.cursor == 9
        await pilot.press("g")
        assert heads.cursor == 0
        assert heads.current is not None and heads.current.title == SEED_TITLE


async def test_enter_opens_the_story_with_its_metadata_and_marks_it_read(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.screen.query_one(ArticleView)
        assert view.has_focus
        shown = view.presented
        assert shown is not None
        assert shown.title == SEED_TITLE and shown.authors == ["Elizaveta Azarenka"]
        assert shown.caption == "Photo: screenshot from Akorda's video"
        assert len(shown.related) == 20
        text = screen_text(app)
        assert "Photo: screenshot from Akorda" in text and "By Elizaveta Azarenka" in text
        seed = demo_store.headlines()[0]
        assert seed.title == SEED_TITLE and seed.read
        sources = app.screen.query_one(SourceList)
        assert " ".join(sources.label(0).split()) == "All stories 9"
        await pilot.press("h")  # back to the list
        assert headline_list(app).has_focus


async def test_next_unread_skips_read_stories_and_m_toggles(demo_store: Store, clock: Any) -> None:
    ids = [s.id for s in demo_store.headlines() if s.id is not None]
    demo_store.set_read([ids[1], ids[2]])
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")  # from the first row: the next unread is row 3
        await settle(app, pilot)
        heads = headline_list(app)
        assert heads.cursor == 3
        assert app.screen.query_one(ArticleView).presented.title == demo_store.story(ids[3]).title  # type: ignore[union-attr]
        await pilot.press("p")
        await settle(app, pilot)
        assert heads.cursor == 0
        heads.focus()
        await pilot.press("m")
        await settle(app, pilot)
        assert demo_store.story(ids[0]).read is False  # type: ignore[union-attr]
        await pilot.press("m")
        await settle(app, pilot)
        assert demo_store.story(ids[0]).read is True  # type: ignore[union-attr]


async def test_tab_cycles_panes(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await pilot.press("tab")
        assert screen.query_one(ArticleView).has_focus
        await pilot.press("tab")
        assert screen.query_one(SourceList).has_focus
        await pilot.press("tab")
        assert headline_list(app).has_focus


async def test_choosing_a_source_filters_the_headlines(store: Store, clock: Any) -> None:
    a = store.add_source("http://a.test/feed", title="Alpha")
    b = store.add_source("http://b.test/feed", title="Beta")
    store.save_stories(a.id, [Story(key=f"a{i}", title=f"Alpha story {i}") for i in range(3)])  # type: ignore[arg-type]
    store.save_stories(b.id, [Story(key=f"b{i}", title=f"Beta story {i}") for i in range(5)])  # type: ignore[arg-type]
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert headline_list(app).total == 8
        app.screen.query_one(SourceList).focus()
        await pilot.press("j", "j")  # All stories -> Alpha -> Beta
        await settle(app, pilot)
        assert headline_list(app).total == 5
        await pilot.press("enter")
        assert headline_list(app).has_focus


async def test_help_lists_every_binding(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=(120, 80)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        # The whole table, not only what fits on the screen (help scrolls).
        console = Console(width=76, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#help-table", Static).content)
        text = console.export_text()
        for _, bindings in binding_table():
            for binding in bindings:
                assert binding.description in text, binding.description
        assert all(b.id for _, bindings in binding_table() for b in bindings)
        await pilot.press("escape")
        assert isinstance(app.screen, MainScreen)


async def test_search_shows_matching_stories(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"Leninsky", "enter")
        await settle(app, pilot)
        heads = headline_list(app)
        assert heads.total == 1 and heads.current is not None and heads.current.title == SEED_TITLE
        await pilot.press("escape")  # leave the search
        await settle(app, pilot)
        assert headline_list(app).total == 10


async def test_hostile_text_shows_literally_and_no_escape_reaches_the_screen(store: Store, clock: Any) -> None:
    src = store.add_source("http://evil.test/feed", title="Evil \x1b]2;pwned\x07 feed")
    evil = Story(
        key="1",
        title="[bold]x[/] \x1b]52;c;ZXZpbA==\x07 clip \x1b[31mred\x1b[0m \u202eevil\u202c [link=file:///etc]y[/link]",
        url="javascript:alert(1)",
        authors=["\x9b31mMallory [i]"],
        summary="<p>Body \x1b]8;;http://x\x1b\\\\link\x1b]8;;\x1b\\\\ and [red]markup[/red]</p>",
    )
    store.save_stories(src.id, [evil])  # type: ignore[arg-type]
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        shown = app.screen.query_one(ArticleView).presented
        assert shown is not None
        assert shown.title == "[bold]x[/] clip red evil [link=file:///etc]y[/link]"
        assert shown.authors == ["Mallory [i]"]
        text = screen_text(app)
        for bad in ("\x1b", "\x9b", "\x07", "\u202e", "]52;", "]2;", "]8;"):
            assert bad not in text
        assert "[bold]x[/]" in text and "[red]markup[/red]" in text
        await pilot.press("o")  # a javascript: link is refused, never opened
        await pilot.pause()
        status = app.screen.query_one("#status").render()
        assert "only http and https links are opened" in str(status)


def slow_feed(items: int, delay: float) -> Callable[[Request], Response]:
    body = "".join(
        f"<item><title>Fresh story {i}</title><link>http://127.0.0.1/{i}</link><guid>fresh-{i}</guid></item>"
        for i in range(items)
    )
    xml = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Fresh</title>{body}</channel></rss>'

    def handler(request: Request) -> Response:
        time.sleep(delay)
        return Response(xml, content_type="application/rss+xml")

    return handler


async def test_refresh_lands_new_stories_while_keys_keep_working(
    store: Store, clock: Any, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/feed.xml").respond_with_handler(slow_feed(3, 2.0))
    httpserver.expect_request("/broken.xml").respond_with_data("nope", status=500)
    store.add_source(httpserver.url_for("/feed.xml"), title="Fresh", full_text=False)
    store.add_source(httpserver.url_for("/broken.xml"), title="Broken", full_text=False)
    old = store.add_source("http://old.test/feed", title="Old", full_text=False)
    store.save_stories(old.id, [Story(key=str(i), title=f"Old story {i}") for i in range(5)])  # type: ignore[arg-type]
    app = make_app(store, clock, offline=False)
    app.store.record_refresh(old.id, RefreshResult(backoff_until=datetime(2999, 1, 1, tzinfo=clock().tzinfo)))  # type: ignore[arg-type]
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        started = time.monotonic()
        await pilot.press("j", "j")  # typing goes on while the slow feed (2 s) is fetched
        assert time.monotonic() - started < 1.5, "keys waited for the refresh"
        assert headline_list(app).cursor == 2
        assert "Refreshing" in str(app.screen.query_one("#status").render())
        await settle(app, pilot)
        assert headline_list(app).total == 8
        current = headline_list(app).current
        assert current is not None and current.title == "Old story 2"  # the reload kept the reader's place
        status = str(app.screen.query_one("#status").render())
        assert "Refreshed 3 sources: 3 new. 1 failed" in status
        sources = app.screen.query_one(SourceList)
        labels = [sources.label(i) for i in range(sources.option_count)]
        assert "! Broken" in labels[1]
        sources.focus()
        sources.highlighted = 1
        await settle(app, pilot)
        await pilot.press("e")
        await pilot.pause()
        assert isinstance(app.screen, ErrorScreen)
        assert "HTTP 500 INTERNAL SERVER ERROR" in screen_text(app).upper()


async def test_offline_never_fetches(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("<rss/>")
    store.add_source(httpserver.url_for("/feed.xml"), title="Feed")
    app = make_app(store, clock, offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R", "r")
        await settle(app, pilot)
        assert "Offline: not refreshing" in str(app.screen.query_one("#status").render())
    assert httpserver.log == []


async def test_opening_a_teaser_fetches_the_whole_story_on_demand(
    store: Store, clock: Any, httpserver: HTTPServer
) -> None:
    from tests.site_server import KZ_PAGES

    page = (KZ_PAGES / "toqayev-to-meet-putin-in-moscow.html").read_text(encoding="utf-8")
    httpserver.expect_request("/story.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    src = store.add_source("http://feed.test/rss", title="Teasers")
    teaser = Story(key="t", title=SEED_TITLE, url=httpserver.url_for("/story.html"), summary="Only a teaser.")
    store.save_stories(src.id, [teaser])  # type: ignore[arg-type]
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        shown = app.screen.query_one(ArticleView).presented
        assert shown is not None and shown.caption == "Photo: screenshot from Akorda's video"
        assert "Oral (Uralsk)" in shown.body
    stored = store.story_by_url(httpserver.url_for("/story.html"))
    assert stored is not None and stored.article is not None and stored.read


def test_header_is_plain_text_not_markup() -> None:
    from newsreader.render import Presented

    header = ArticleView.header(Presented(title="[b]t[/b]", authors=["[i]a"]))
    assert isinstance(header, Text) and header.plain.startswith("[b]t[/b]\nBy [i]a")


async def test_related_headline_opens_as_a_story(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # the seed story, whose first related headline is cached
        await settle(app, pilot)
        await pilot.press("tab")  # article -> its related headlines
        assert app.focused is app.screen.query_one("#related")
        await pilot.press("enter")
        await settle(app, pilot)
        shown = app.screen.query_one(ArticleView).presented
        assert shown is not None and shown.title == "Damaged Baikonur Launch Pad Facility Restored After 2025 Collapse"
        assert shown.caption.startswith("Photo:")


async def test_q_quits(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_notice_is_shown_at_start(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock, notice="The cache was damaged and moved aside \x1b[31m[b]")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        shown = [n.message for n in app._notifications]
        assert shown == ["The cache was damaged and moved aside [b]"]


def fill(store: Store, count: int) -> list[int]:
    src = store.add_source("http://many.test/feed", title="Many", full_text=False)
    start = datetime(2025, 11, 10, 11, 0, tzinfo=UTC)
    stories = [Story(key=str(i), title=f"Story {i:05d}", published=start - timedelta(minutes=i)) for i in range(count)]
    store.save_stories(src.id, stories)  # type: ignore[arg-type]
    return [s.id for s in store.headlines(limit=count) if s.id is not None]


async def test_headline_list_is_virtual_and_loads_pages_on_demand(store: Store, clock: Any) -> None:
    fill(store, 2500)
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        heads = headline_list(app)
        assert heads.total == 2500 and list(heads.children) == []  # no widget per headline
        assert set(heads._pages) == {0}  # only the first page was read at start
        await pilot.press("G")
        await settle(app, pilot)
        assert heads.cursor == 2499 and heads.current is not None and heads.current.title == "Story 02499"
        assert "Story 02499" in screen_text(app)
        for _ in range(12):  # page through the whole list: memory stays bounded
            heads.cursor = (heads.cursor + PAGE) % heads.total
            await settle(app, pilot)
        assert len(heads._pages) <= KEEP_PAGES
        await pilot.press("g")
        await settle(app, pilot)
        assert heads.current is not None and heads.current.title == "Story 00000"


async def test_space_pages_the_story_from_the_headline_list(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("h")  # back to the list; the story stays in its pane
        article = app.screen.query_one(ArticleView)
        assert headline_list(app).has_focus and article.scroll_y == 0
        await pilot.press("space")
        await pilot.pause()
        assert article.scroll_y > 10 and headline_list(app).has_focus
        await pilot.press("b")
        await pilot.pause()
        assert article.scroll_y == 0


async def test_related_headline_not_in_the_cache_is_fetched(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    from tests.site_server import KZ_PAGES

    page = (KZ_PAGES / "a-rare-black-melanist-wolf-was-shot-in-eastern-kazakhstan.html").read_text("utf-8")
    httpserver.expect_request("/wolf.html").respond_with_data(page, content_type="text/html; charset=utf-8")
    src = store.add_source("http://feed.test/rss", title="Feed", full_text=False)
    store.save_stories(src.id, [Story(key="s", title="Seed", url="http://feed.test/seed", summary="<p>Seed.</p>")])  # type: ignore[arg-type]
    seed = store.headlines()[0]
    assert seed.id is not None
    wolf = Related("A wolf, elsewhere", httpserver.url_for("/wolf.html"))
    store.save_article(seed.id, Article(url=seed.url, title="Seed", text="Seed body.", related=[wolf]))
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("tab", "enter")  # to the related headlines, open the first
        await settle(app, pilot)
        shown = app.screen.query_one(ArticleView).presented
        assert shown is not None and shown.title == "A Rare Black Melanist Wolf Was Shot in Eastern Kazakhstan"
        assert shown.url == wolf.url and "A Rare Black Melanist Wolf" in screen_text(app)
    assert len(httpserver.log) == 1


async def test_related_headline_offline_and_not_cached_says_so(store: Store, clock: Any) -> None:
    src = store.add_source("http://feed.test/rss", title="Feed", full_text=False)
    store.save_stories(src.id, [Story(key="s", title="Seed", url="http://feed.test/seed")])  # type: ignore[arg-type]
    seed = store.headlines()[0]
    assert seed.id is not None
    gone = Related("Never fetched", "http://127.0.0.1:9/never.html")
    store.save_article(seed.id, Article(url=seed.url, title="Seed", text="Seed body.", related=[gone]))
    app = make_app(store, clock, offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("tab", "enter")
        await settle(app, pilot)
        assert "not in the cache, and the reader is offline" in str(app.screen.query_one("#status").render())
        shown = app.screen.query_one(ArticleView).presented
        assert shown is not None and shown.title == "Seed"


async def test_empty_lists_say_so(store: Store, clock: Any) -> None:
    store.add_source("http://empty.test/feed", title="Empty")
    app = make_app(store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert headline_list(app).total == 0 and "No stories here." in screen_text(app)
        await pilot.press("slash", *"nothing", "enter")
        await settle(app, pilot)
        assert "No stories match" in screen_text(app)
        assert "0 stories match “nothing”" in str(app.screen.query_one("#status").render())


async def test_a_second_refresh_waits_for_the_first(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_handler(slow_feed(2, 0.5))
    store.add_source(httpserver.url_for("/feed.xml"), title="Slow", full_text=False)
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R", "R", "r")
        assert "already running" in str(app.screen.query_one("#status").render())
        await settle(app, pilot)
        assert "Refreshed 1 source: 2 new." in str(app.screen.query_one("#status").render())
        assert headline_list(app).total == 2
    assert len(httpserver.log) == 1


async def test_o_opens_the_highlighted_headline_from_the_list(demo_store: Store, clock: Any, monkeypatch: Any) -> None:
    import newsreader.tui.browser as browser

    opened: list[list[str]] = []
    monkeypatch.setattr(browser.subprocess, "Popen", lambda argv, **kw: opened.append(argv))
    app = make_app(demo_store, clock)
    app.config.browser = "firefox --new-tab"
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # read the first story
        await settle(app, pilot)
        await pilot.press("o")  # from the story: its link
        await settle(app, pilot)
        await pilot.press("h", "j", "o")  # from the list: the highlighted headline's
        await settle(app, pilot)
    first, second = (s.url for s in demo_store.headlines()[:2])
    assert [argv[-1] for argv in opened] == [first, second]


def test_browser_command_gets_the_url_as_one_argument(monkeypatch: Any) -> None:
    import pytest

    import newsreader.tui.browser as browser

    calls: list[list[str]] = []
    monkeypatch.setattr(browser.subprocess, "Popen", lambda argv, **kw: calls.append(argv))
    url = "http://x.test/a b;$(rm -rf ~)"
    browser.start(browser.launch_for(url, "firefox --new-tab"))
    assert calls and calls[0][:2] == ["firefox", "--new-tab"] and len(calls[0]) == 3
    with pytest.raises(browser.BrowserError, match="only http and https"):
        browser.launch_for("file:///etc/passwd", "firefox")
    assert len(calls) == 1


async def test_key_bar_follows_focus_and_a_click_presses_the_key(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        bar = app.screen.query_one(KeyBar)
        shown = str(bar.render())
        assert "⏎ Open" in shown and "q Quit" in shown and shown.rstrip().endswith("^p palette")
        await pilot.press("shift+tab")  # to the sources pane: the list's own keys go
        await pilot.pause()
        assert "⏎ Open" not in str(bar.render()) and "? Help" in str(bar.render())
        x = str(bar.render()).index(" ? ") + 1
        assert await pilot.click(KeyBar, offset=(x, 0))
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


async def test_the_first_page_read_before_start_is_in_the_first_frame(demo_store: Store, clock: Any) -> None:
    first: Future[tuple[int, list[Story]]] = Future()
    first.set_result((demo_store.count_stories(), demo_store.headlines(None, 0, PAGE)))
    app = make_app(demo_store, clock, first_page=first)
    async with app.run_test(size=SIZE) as pilot:
        # No worker has run yet: the list was filled from the page cli read while Textual was loading.
        assert headline_list(app).total == 10 and SEED_TITLE[:30] in screen_text(app)
        assert app.first_page is None
        await settle(app, pilot)
        assert headline_list(app).total == 10


async def test_a_first_page_that_failed_is_read_again_by_the_worker(demo_store: Store, clock: Any) -> None:
    first: Future[tuple[int, list[Story]]] = Future()
    first.set_exception(RuntimeError("the thread could not read it"))
    app = make_app(demo_store, clock, first_page=first)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert headline_list(app).total == 10 and app.first_page is None


async def test_refreshing_many_sources_parses_and_saves_in_worker_processes(
    store: Store, clock: Any, httpserver: HTTPServer
) -> None:
    """20+ sources: the TUI's refresh uses worker processes (under Textual's captured stderr, which has no fd)."""
    for n in range(22):
        items = "".join(f"<item><title>Feed {n} story {i}</title><guid>f{n}-{i}</guid></item>" for i in range(3))
        body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed {n}</title>{items}</channel></rss>'
        httpserver.expect_request(f"/f{n}.xml").respond_with_data(body, content_type="application/rss+xml")
        store.add_source(httpserver.url_for(f"/f{n}.xml"), full_text=False)
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        deadline = time.monotonic() + 30
        while "Refreshed" not in str(app.screen.query_one("#status").render()) and time.monotonic() < deadline:
            await pilot.pause(0.1)
        await settle(app, pilot)
        assert "Refreshed 22 sources: 66 new." in str(app.screen.query_one("#status").render())
        assert headline_list(app).total == 66
        sources = app.screen.query_one(SourceList)
        assert " ".join(sources.label(0).split()) == "All stories 66" and sources.option_count == 23


async def test_a_store_error_in_a_worker_is_shown_and_the_reader_goes_on(
    demo_store: Store, clock: Any, monkeypatch: Any, caplog: Any
) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise StoreError("the database is busy or read-only: database is locked")

    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(demo_store, "set_read", refuse)
        await pilot.press("m")  # marking read fails in its worker
        await settle(app, pilot)
        assert app.is_running and isinstance(app.screen, MainScreen)
        status = str(app.screen.query_one("#status").render())
        assert "Saving what was read failed: the database is busy or read-only" in status
        assert any("Saving what was read failed" in r.getMessage() and r.exc_info for r in caplog.records)
        assert headline_list(app).current.read is False  # type: ignore[union-attr]  # as the store has it
        await pilot.press("j")  # the keys still work
        assert headline_list(app).cursor == 1


async def test_an_unexpected_worker_failure_opens_a_dialog_and_closes_again(
    demo_store: Store, clock: Any, monkeypatch: Any
) -> None:
    def broken(*_args: object, **_kw: object) -> None:
        raise ValueError("a bug \x1b[31mhere")

    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        monkeypatch.setattr(demo_store, "story", broken)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, FailureScreen)
        assert "Opening the story failed." in screen_text(app) and "ValueError: a bug here" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen) and app.is_running


async def test_a_theme_change_redraws_the_rows_in_the_new_theme(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j")
        await settle(app, pilot)
        app.theme = "textual-light"
        await settle(app, pilot)
        for pane in (headline_list(app), app.screen.query_one(SourceList)):
            background = pane.rich_style.bgcolor
            # A row that is not the cursor's: its background is the pane's, in the new theme.
            index = next(i for i in range(pane.row_count) if i != pane.cursor)
            row = pane.render_line(index * pane.ROW)
            assert {s.style.bgcolor for s in row if s.style} == {background}, type(pane).__name__
