"""Issue #16 part C: [keys] remapping, copying and opening links, the pager and the terminal browser run with the
reader suspended, and the automatic refresh. Pilot over a store on disk; feeds on 127.0.0.1."""

from __future__ import annotations

import json
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from textual.drivers.headless_driver import HeadlessDriver
from werkzeug import Request, Response

from newsreader.config import Config, ConfigError, NetworkConfig, interval_for, key_name_ok, load_config
from newsreader.model import Story
from newsreader.store import Store
from newsreader.tui import commands
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.screens.dialogs import HelpScreen
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.key_bar import KeyBar
from tests.cli_run import run
from tests.test_tui import SIZE, headline_list, screen_text, settle

FIXTURES = Path(__file__).parent / "fixtures"


def make_app(store: Store, clock: Any, offline: bool = True, **settings: Any) -> NewsReaderApp:
    config = Config(network=NetworkConfig(timeout=3, deadline=10))
    for name, value in settings.items():
        setattr(config, name, value)
    return NewsReaderApp(store, config, clock=clock, offline=offline)


def status(app: NewsReaderApp) -> str:
    return str(app.screen.query_one("#status").render())


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


# -- [keys] in config.toml -----------------------------------------------------------------------------------


def test_keys_table_is_read_as_one_key_a_list_or_commas(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            '[keys]\n"main.refresh" = "ctrl+r"\n"headlines.down" = ["j", "down", "ctrl+n"]\n'
            '"main.help" = "f1, question_mark"\n"main.search" = "?"\n',
        )
    )
    assert cfg.keys == {
        "main.refresh": "ctrl+r",
        "headlines.down": "j,down,ctrl+n",
        "main.help": "f1,question_mark",
        "main.search": "?",
    }
    assert commands.unknown_ids(cfg.keys) == []


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ('"ctlr+r"', "'ctlr+r' is not a key name"),
        ('"bogus_key"', "'bogus_key' is not a key name"),
        ('"a,,b"', "an empty key"),
        ("3", "give a key, a list of keys"),
        ('["x", 3]', "give a key, a list of keys"),
    ],
)
def test_a_bad_key_name_is_a_config_error_naming_the_file_and_the_binding(
    tmp_path: Path, value: str, said: str
) -> None:
    path = write(tmp_path, f'[keys]\n"main.refresh" = {value}\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and "[keys] 'main.refresh'" in str(caught.value)
    assert said in str(caught.value)


def test_key_names_are_textuals() -> None:
    good = ["x", "X", "5", "?", "ctrl+r", "alt+shift+f5", "question_mark", "full_stop", "pagedown", "space"]
    assert all(key_name_ok(k) for k in good)
    assert not any(key_name_ok(k) for k in ["", "ctrl+", "hyper+nothing", "control+r", " ", ","])


def test_an_unknown_binding_id_stops_the_reader_at_start_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, '[keys]\n"main.refrsh" = "ctrl+r"\n')
    code, _out, err = run(capsys, "--config", str(path), "--db", str(tmp_path / "x.db"))
    assert code != 0
    assert str(path) in err and "unknown binding id 'main.refrsh' (did you mean 'main.refresh'?" in err


def test_every_binding_id_can_be_remapped_except_textuals_palette() -> None:
    ids = commands.binding_ids()
    assert "main.refresh" in ids and "article.link-3" in ids and "help.close" in ids
    assert "app.palette" not in ids
    assert commands.unknown_ids({"main.refresh": "x", "nope": "y", "app.palette": "z"}) == ["app.palette", "nope"]


async def test_a_remapped_key_works_the_old_one_does_not_and_help_and_key_bar_show_it(
    demo_store: Store, clock: Any
) -> None:
    app = make_app(demo_store, clock, keys={"headlines.down": "ctrl+n", "main.help": "f1"})
    async with app.run_test(size=(120, 80)) as pilot:
        await settle(app, pilot)
        heads = headline_list(app)
        await pilot.press("j")
        assert heads.cursor == 0  # j no longer moves down
        await pilot.press("ctrl+n", "ctrl+n")
        assert heads.cursor == 2
        await pilot.press("k")  # not remapped: as before
        assert heads.cursor == 1
        bar = str(app.screen.query_one(KeyBar).render())
        assert " f1 Help" in bar and " ? Help" not in bar
        await pilot.press("question_mark")
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        rows = text.splitlines()
        assert any("ctrl+n" in row and "Down" in row for row in rows)  # Headlines: the remapped key
        assert any(" f1 " in row and "Help" in row for row in rows)
        assert "1 2 3 4 5 6 7 8 9" in text  # the links by number: one row
        await pilot.press("escape")
        await pilot.pause()
        helps = [c.help for c in app.get_system_commands(app.screen) if c.title == "Help"]
        assert helps == ["key: f1"]  # the palette shows the remapped key too


# -- links -----------------------------------------------------------------------------------------------------


async def test_y_copies_the_highlighted_or_open_storys_link(demo_store: Store, clock: Any) -> None:
    first, second = (s.url for s in demo_store.headlines()[:2])
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "y")
        assert app.clipboard == second
        assert "Copied" in status(app) and "OSC 52" in status(app)
        await pilot.press("k", "enter")
        await settle(app, pilot)
        await pilot.press("y")  # in the story: the story's own link
        assert app.clipboard == first


async def test_number_keys_and_the_palette_open_the_storys_numbered_links(
    store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsreader.tui.browser as browser

    opened: list[list[str]] = []
    monkeypatch.setattr(browser.subprocess, "Popen", lambda argv, **kw: opened.append(argv))
    source = store.add_source("http://links.test/feed", title="Links", full_text=False)
    body = '<p>See <a href="http://one.test/a">one</a>, <a href="https://two.test/b?x=1">two</a>.</p>'
    store.save_stories(source.id, [Story(key="l", title="Linked", url="http://links.test/l", content=body)])  # type: ignore[arg-type]
    app = make_app(store, clock, browser="firefox")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("1")  # in the list: the headline list has no number keys
        await settle(app, pilot)
        assert opened == []
        await pilot.press("enter")
        await settle(app, pilot)
        links = app.screen.links  # type: ignore[attr-defined]
        assert links == ["http://one.test/a", "https://two.test/b?x=1"]
        assert app.screen.query_one(ArticleView).has_focus
        await pilot.press("2")
        await settle(app, pilot)
        assert opened[-1] == ["firefox", links[1]]
        await pilot.press("9")
        await settle(app, pilot)
        assert "The story has 2 links: there is no link 9." in status(app)
        offered = {c.title: c for c in app.get_system_commands(app.screen) if c.title.startswith("Open link")}
        assert len(offered) == len(links)
        command = next(c for title, c in offered.items() if title.startswith("Open link 1:"))
        command.callback()
        await settle(app, pilot)
        assert opened[-1] == ["firefox", links[0]]


# -- the pager and the terminal browser, with the reader suspended -------------------------------------------


@pytest.fixture
def stub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], Path]:
    """The stand-in program (tests/fixtures/record_run.py, copied to tmp_path) and where it records its run."""
    program = tmp_path / "record_run.py"
    shutil.copy(FIXTURES / "record_run.py", program)
    out = tmp_path / "ran.json"
    monkeypatch.setenv("NEWSREADER_STUB_OUT", str(out))
    return [sys.executable, str(program)], out


@pytest.fixture
def suspendable(monkeypatch: pytest.MonkeyPatch, stub: tuple[list[str], Path]) -> list[tuple[str, bool]]:
    """A headless driver that can suspend (Textual's cannot): each suspend and resume, and whether the stub had
    run by then."""
    events: list[tuple[str, bool]] = []
    out = stub[1]
    monkeypatch.setattr(HeadlessDriver, "can_suspend", property(lambda self: True))
    monkeypatch.setattr(
        HeadlessDriver, "suspend_application_mode", lambda self: events.append(("suspend", out.exists()))
    )
    monkeypatch.setattr(HeadlessDriver, "resume_application_mode", lambda self: events.append(("resume", out.exists())))
    return events


async def test_the_pager_gets_the_story_as_plain_text_with_the_reader_suspended(
    demo_store: Store, clock: Any, stub: tuple[list[str], Path], suspendable: list[tuple[str, bool]]
) -> None:
    argv, out = stub
    app = make_app(demo_store, clock, pager=[*argv, "-R"])
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        assert "Open a story first" in status(app)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("v")
        await settle(app, pilot)
        story = app.screen.story  # type: ignore[attr-defined]
    assert suspendable == [("suspend", False), ("resume", True)]  # it ran while the reader was suspended
    ran = json.loads(out.read_text(encoding="utf-8"))
    assert ran["argv"][0] == "-R" and len(ran["argv"]) == 2
    assert ran["text"].startswith(f"# {story.title}") and "\x1b" not in ran["text"]
    assert not Path(ran["argv"][1]).exists()  # the temporary file is gone


async def test_the_terminal_browser_gets_the_url_as_one_argument_with_the_reader_suspended(
    demo_store: Store, clock: Any, stub: tuple[list[str], Path], suspendable: list[tuple[str, bool]]
) -> None:
    argv, out = stub
    first = demo_store.headlines()[0].url
    app = make_app(demo_store, clock, text_browser=argv)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
    assert suspendable == [("suspend", False), ("resume", True)]
    assert json.loads(out.read_text(encoding="utf-8"))["argv"] == [first]


async def test_without_a_terminal_to_hand_over_the_reader_says_so(
    demo_store: Store, clock: Any, stub: tuple[list[str], Path]
) -> None:
    argv, out = stub
    app = make_app(demo_store, clock, text_browser=argv)
    async with app.run_test(size=SIZE) as pilot:  # Textual's headless driver cannot suspend
        await settle(app, pilot)
        await pilot.press("w")
        await settle(app, pilot)
        assert "cannot be handed over" in status(app)
    assert not out.exists()


async def test_no_terminal_browser_configured_says_how(demo_store: Store, clock: Any) -> None:
    app = make_app(demo_store, clock)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("w")
        assert "text_browser" in status(app)


# -- automatic refresh -----------------------------------------------------------------------------------------


def counting_feed(items: int, delay: float, seen: dict[str, int]) -> Any:
    """A feed that takes `delay` seconds; `seen` counts requests and the most at once."""
    lock = threading.Lock()

    def handler(request: Request) -> Response:
        with lock:
            seen["requests"] += 1
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        time.sleep(delay)
        n = seen["requests"]  # each fetch has one story more: something new every time
        body = "".join(f"<item><title>Story {i}</title><guid>s-{i}</guid></item>" for i in range(items + n))
        with lock:
            seen["now"] -= 1
        return Response(
            f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{body}</channel></rss>',
            content_type="application/rss+xml",
        )

    return handler


async def wait_for(app: NewsReaderApp, pilot: Any, done: Any, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    assert done(), "timed out"


async def test_the_timer_refreshes_one_at_a_time_and_says_what_is_new_quietly(
    store: Store, clock: Any, httpserver: HTTPServer
) -> None:
    seen = {"requests": 0, "now": 0, "most": 0}
    httpserver.expect_request("/feed.xml").respond_with_handler(counting_feed(1, 0.6, seen))
    store.add_source(httpserver.url_for("/feed.xml"), title="Timed", full_text=False)
    app = make_app(store, clock, offline=False, refresh_interval=0.005)  # 0.3 s: shorter than a fetch
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app, pilot, lambda: seen["requests"] >= 3)
        await settle(app, pilot)
        shown = [n.message for n in app._notifications]
    assert seen["most"] == 1  # never two refreshes at once
    assert "2 new stories in 1 source" in shown  # the first refresh: 2 stories, then 1 more each time
    assert "1 new story in 1 source" in shown


async def test_refresh_on_start_and_a_per_source_interval(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    fast = {"requests": 0, "now": 0, "most": 0}
    slow = {"requests": 0, "now": 0, "most": 0}
    httpserver.expect_request("/fast.xml").respond_with_handler(counting_feed(1, 0, fast))
    httpserver.expect_request("/slow.xml").respond_with_handler(counting_feed(1, 0, slow))
    store.add_source(httpserver.url_for("/fast.xml"), title="Fast", full_text=False)
    store.add_source(httpserver.url_for("/slow.xml"), title="Slow", full_text=False)
    intervals = {httpserver.url_for("/fast.xml"): 0.005}  # a URL prefix; every other source: never
    app = make_app(store, clock, offline=False, refresh_on_start=True, refresh_intervals=intervals)
    assert interval_for(app.config, httpserver.url_for("/fast.xml")) == 0.005
    assert interval_for(app.config, httpserver.url_for("/slow.xml")) == 0
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app, pilot, lambda: fast["requests"] >= 3)
        await settle(app, pilot)
    assert slow["requests"] == 1  # at start only


async def test_offline_never_refreshes_by_itself(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed.xml").respond_with_data("<rss/>")
    store.add_source(httpserver.url_for("/feed.xml"), title="Quiet", full_text=False)
    app = make_app(store, clock, offline=True, refresh_interval=0.005, refresh_on_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.8)
        await settle(app, pilot)
    assert len(httpserver.log) == 0


def test_reader_settings_of_part_c_are_read_and_checked(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            '[reader]\nrefresh_interval = 30\nrefresh_on_start = true\npager = ["less"]\ntext_browser = ["w3m"]\n'
            '[refresh_intervals]\n"news.example" = 5\n"https://blog.example/feed" = 0\n',
        )
    )
    assert (cfg.refresh_interval, cfg.refresh_on_start, cfg.pager, cfg.text_browser) == (30.0, True, ["less"], ["w3m"])
    assert interval_for(cfg, "https://www.news.example/rss") == 5
    assert interval_for(cfg, "https://blog.example/feed.xml") == 0
    assert interval_for(cfg, "https://other.example/") == 30
    for bad, said in [
        ('[reader]\npager = "less -R"', "'pager' must be a list of words"),
        ("[reader]\nrefresh_interval = -1", "'refresh_interval' must be 0 (off) or more"),
        ('[refresh_intervals]\n"x.example" = "often"', "[refresh_intervals]: 'x.example'"),
        ("refresh_intervals = 3", "'refresh_intervals' must be a table"),
    ]:
        with pytest.raises(ConfigError, match=said.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
            load_config(write(tmp_path, bad))


def test_the_readme_lists_every_binding_id() -> None:
    # The README's Keys section is what people remap by: a binding added without it is a key nobody can find.
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    missing = sorted(i for i in commands.binding_ids() if f"`{i}`" not in readme)
    assert missing == [], f"README.md's Keys section lacks {missing}"


async def test_a_refresh_by_hand_restarts_the_automatic_clock(store: Store, clock: Any, httpserver: HTTPServer) -> None:
    seen = {"requests": 0, "now": 0, "most": 0}
    httpserver.expect_request("/feed.xml").respond_with_handler(counting_feed(1, 0, seen))
    store.add_source(httpserver.url_for("/feed.xml"), title="Timed", full_text=False)
    app = make_app(store, clock, offline=False, refresh_interval=10)  # every 10 minutes
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, MainScreen)
        screen._auto_since -= 3600  # the reader has been open an hour: the source is due
        await pilot.press("R")
        await wait_for(app, pilot, lambda: seen["requests"] == 1 and not screen.refreshing)
        screen._auto_tick()  # the timer's next tick: fetched a moment ago by hand, so not due
        await settle(app, pilot)
        assert not screen.refreshing
    assert seen["requests"] == 1


# -- worker processes started ahead ---------------------------------------------------------------------------


async def test_the_worker_processes_start_while_the_headlines_are_read(
    store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsreader.tui import app as app_module

    monkeypatch.setattr(app_module, "POOL_WARM_AFTER", 0.05)
    app = make_app(store, clock, offline=False)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(app, pilot, lambda: app._pool is not None)
        pool = app._pool
        assert pool is not None and pool.submit(int).result(timeout=10) == 0  # started, and it serves
    assert app._pool is None  # stopped with the app
    assert app.worker_pool(1) is None  # and none starts after it


async def test_offline_starts_no_worker_processes(store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsreader.tui import app as app_module

    monkeypatch.setattr(app_module, "POOL_WARM_AFTER", 0.05)
    app = make_app(store, clock, offline=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.5)  # ten times the warm-up's delay
        assert app._pool is None
