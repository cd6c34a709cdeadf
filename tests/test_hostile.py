"""Hostile input and faults: a loopback server misbehaving in every way we know, all in one refresh run.

Each source's outcome is asserted exactly, and the good sources refreshed in the same run must have landed.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.config import Config, NetworkConfig
from newsreader.fetch import Fetcher
from newsreader.refresh import Outcome, Refresher
from newsreader.store import Store
from newsreader.tui.browser import BrowserError, launch_for, start
from tests.hostile_server import Handler, HostileServer

CONFIG = Config(network=NetworkConfig(timeout=1.0, deadline=2.5, max_bytes=1024 * 1024, concurrency=64, per_host=64))

EXPECTED: dict[str, tuple[str, int, str]] = {
    # path: (status, new stories, error starts with)
    "/good.xml": ("ok", 3, ""),
    "/good-atom.xml": ("ok", 2, ""),
    "/jsonfeed.json": ("ok", 1, ""),
    "/drip.xml": ("error", 0, "gave up after 2.5 s (the server is too slow)"),
    "/stall.xml": ("error", 0, "timed out waiting for the server"),
    "/endless.xml": ("error", 0, "too large (over the 1.0 MiB limit)"),
    "/gzip-bomb.xml": ("error", 0, "too large (over the 1.0 MiB limit once decompressed)"),
    "/deflate-bomb.xml": ("error", 0, "too large (over the 1.0 MiB limit once decompressed)"),
    "/br.xml": ("error", 0, "the server used an encoding we did not ask for (br)"),
    "/loop-a.xml": ("error", 0, "redirect loop"),
    "/chain": ("error", 0, "too many redirects (more than 5)"),
    "/to-file.xml": ("error", 0, "refused a redirect to a URL whose scheme is file (only http and https)"),
    "/to-javascript.xml": ("error", 0, "refused a redirect to something that is not an http(s) URL"),
    "/reset.xml": ("error", 0, "the connection failed mid-response"),
    "/short.xml": ("error", 0, "the server broke the connection (peer closed connection without sending complete"),
    "/429.xml": ("error", 0, "HTTP 429 Too Many Requests: the server asks us to wait until"),
    "/503.xml": ("error", 0, "HTTP 503 Service Unavailable: the server asks us to wait until"),
    "/404.xml": ("error", 0, "HTTP 404 Not Found"),
    "/500.xml": ("error", 0, "HTTP 500 Internal Server Error"),
    "/lol.xml": ("error", 0, "refused: the feed declares XML entities"),
    "/xxe.xml": ("error", 0, "refused: the feed declares XML entities"),
    "/empty.xml": ("error", 0, "the server sent an empty response"),
    "/html.xml": ("error", 0, "this is a web page, not a feed"),
    "/json.xml": ("error", 0, "this is JSON, not an RSS or Atom feed"),
    "/controls.xml": ("ok", 2, ""),
    "/markup.xml": ("ok", 1, ""),
    "/bidi.xml": ("ok", 1, ""),
    "/shell.xml": ("ok", 1, ""),
    "/malformed.xml": ("ok", 2, ""),
    "/latin1.xml": ("ok", 1, ""),
    "/lying-charset.xml": ("ok", 1, ""),
    "/dupes.xml": ("ok", 2, ""),
    "/no-guids.xml": ("ok", 2, ""),
    "/dates.xml": ("ok", 3, ""),
    "/relative.xml": ("ok", 1, ""),
    "/etag.xml": ("ok", 1, ""),
    "/brotli-bomb.xml": ("error", 0, "the server used an encoding we did not ask for (br)"),
    "/gzip-gzip.xml": ("error", 0, "the server used an encoding we did not ask for (gzip, gzip)"),
    "/gzip-good.xml": ("ok", 3, ""),
    "/raw-deflate.xml": ("ok", 3, ""),
    "/declared-huge.xml": ("error", 0, "too large (over the 1.0 MiB limit)"),
    "/silent.xml": ("error", 0, "timed out waiting for the server"),
    "/endless-headers.xml": ("error", 0, "the server broke the connection"),
    "/no-location.xml": ("error", 0, "HTTP 302: a redirect without a Location"),
    "/retry-huge.xml": ("error", 0, "HTTP 429 Too Many Requests: the server asks us to wait until"),
    "/retry-garbage.xml": ("error", 0, "HTTP 503 Service Unavailable: the server asks us to wait until"),
    # A body that names a file: feedparser, given bytes, opens them as a path (it read /dev/zero until out of memory).
    "/local-file.xml": ("error", 0, "not an RSS or Atom feed"),
    "/dev-zero.xml": ("error", 0, "not an RSS or Atom feed"),
    "/lol-padded.xml": ("error", 0, "refused: the feed declares XML entities"),
    "/xxe-utf16.xml": ("error", 0, "refused: the feed declares XML entities"),
    "/less-than.xml": ("error", 0, "not an RSS or Atom feed"),
    "/surrogate.json": ("ok", 1, ""),
    "/surrogate-ref.xml": ("ok", 2, ""),
    "/ampersands.xml": ("ok", 2, ""),
    "/nested.xml": ("ok", 2, ""),
    "/bad-etag.xml": ("ok", 1, ""),
}


@pytest.fixture(scope="module")
def server() -> Iterator[HostileServer]:
    srv = HostileServer()
    yield srv
    srv.stop()


def refresh(store: Store, config: Config = CONFIG) -> dict[str, Outcome]:
    async def run() -> list[Outcome]:
        async with Fetcher(config.network) as fetcher:
            return await Refresher(store, fetcher, config).refresh_all(full_text=False)

    return {o.url: o for o in asyncio.run(run())}


@pytest.fixture(scope="module")
def first_run(server: HostileServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict[str, Outcome]]:
    store = Store(tmp_path_factory.mktemp("hostile") / "newsreader.db")
    for path in EXPECTED:
        store.add_source(server.url(path), full_text=False)
    return store, refresh(store)


def test_the_corpus_covers_at_least_25_cases() -> None:
    assert len(EXPECTED) >= 25 and set(EXPECTED) <= set(Handler.routes) | {"/chain"}


@pytest.mark.parametrize("path", list(EXPECTED))
def test_each_hostile_source_has_its_exact_outcome(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer, path: str
) -> None:
    store, outcomes = first_run
    status, new, error = EXPECTED[path]
    outcome = outcomes[server.url(path)]
    assert (outcome.status, outcome.new) == (status, new), outcome
    assert outcome.error.startswith(error) if error else outcome.error == ""
    source = store.source(server.url(path))
    assert source is not None and source.error == outcome.error  # kept, for the UI to show on demand


def stories_of(store: Store, server: HostileServer, path: str) -> list:
    source = store.source(server.url(path))
    assert source is not None
    return [store.story(s.id) for s in store.headlines(source.id, limit=100)]  # type: ignore[arg-type]


def test_good_sources_in_the_same_run_landed(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer
) -> None:
    store, _ = first_run
    assert sorted(s.title for s in stories_of(store, server, "/good.xml")) == [
        "Good story 0",
        "Good story 1",
        "Good story 2",
    ]
    assert sorted(s.title for s in stories_of(store, server, "/good-atom.xml")) == ["Atom one", "Atom two"]
    assert store.integrity_check() == "ok"


def test_recovered_text_is_decoded_and_identified_sensibly(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer
) -> None:
    store, outcomes = first_run
    assert outcomes[server.url("/malformed.xml")].warning.startswith(
        "the feed is malformed; read what could be recovered"
    )
    assert store.source(server.url("/malformed.xml")).warning.startswith("the feed is malformed")  # type: ignore[union-attr]
    assert [s.title for s in stories_of(store, server, "/latin1.xml")] == ["Café crème"]
    assert [s.title for s in stories_of(store, server, "/lying-charset.xml")] == ["Привет"]
    assert [s.url for s in stories_of(store, server, "/relative.xml")] == [server.url("/stories/relative.html")]
    assert {s.title for s in stories_of(store, server, "/dupes.xml")} == {"One", "Three"}
    dated = stories_of(store, server, "/dates.xml")
    assert [s.published for s in dated] == [None, None, None]  # 1900, 2750 and garbage are all unknown


def test_nothing_of_etc_passwd_or_an_expanded_entity_is_stored(first_run: tuple[Store, dict[str, Outcome]]) -> None:
    store, _ = first_run
    assert store.search("root") == [] and store.search("lollol") == []
    assert store.search("LOCAL SECRET") == []  # the local file a body named was never read


def test_odd_texts_are_kept_as_far_as_they_are_text(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer
) -> None:
    store, outcomes = first_run
    assert [s.title for s in stories_of(store, server, "/surrogate.json")] == ["Lone \ufffd surrogate"]
    assert sorted(s.title for s in stories_of(store, server, "/surrogate-ref.xml")) == ["Fine", "Ref \ufffd here"]
    amp = {s.key: s.title for s in stories_of(store, server, "/ampersands.xml")}
    assert amp["amp2"] == "After" and amp["amp1"] == "&" * 20_000 + " […]"  # cut, not parsed for minutes
    assert "Deep" in {s.title for s in stories_of(store, server, "/nested.xml")}
    assert outcomes[server.url("/nested.xml")].warning.startswith("the feed is malformed; read what could be recovered")
    # A validator we could not send back is not kept: the source would fail on every later refresh.
    assert store.source(server.url("/bad-etag.xml")).etag == ""  # type: ignore[union-attr]
    huge = store.source(server.url("/retry-huge.xml")).backoff_until  # type: ignore[union-attr]
    assert huge is not None and huge - datetime.now(UTC) <= timedelta(days=1)
    garbage = store.source(server.url("/retry-garbage.xml")).backoff_until  # type: ignore[union-attr]
    assert garbage is not None and timedelta(minutes=14) < garbage - datetime.now(UTC) <= timedelta(minutes=15)


def test_second_refresh_backs_off_uses_validators_and_adds_nothing(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer
) -> None:
    store, _ = first_run
    backoff = store.source(server.url("/429.xml")).backoff_until  # type: ignore[union-attr]
    assert backoff is not None and timedelta(seconds=100) < backoff - datetime.now(UTC) <= timedelta(seconds=121)
    later = store.source(server.url("/503.xml")).backoff_until  # type: ignore[union-attr]
    assert later is not None and timedelta(minutes=55) < later - datetime.now(UTC) <= timedelta(hours=1)
    assert store.source(server.url("/etag.xml")).etag == '"v1"'  # type: ignore[union-attr]
    wanted = ["/429.xml", "/503.xml", "/etag.xml", "/no-guids.xml", "/good.xml", "/bad-etag.xml"]
    sources = [store.source(server.url(p)) for p in wanted]
    config = Config(network=CONFIG.network)

    async def run() -> list[Outcome]:
        async with Fetcher(config.network) as fetcher:
            return await Refresher(store, fetcher, config).refresh_all([s for s in sources if s], full_text=False)

    again = {o.url: o for o in asyncio.run(run())}
    assert again[server.url("/429.xml")].status == "backing_off"
    assert again[server.url("/503.xml")].status == "backing_off"
    assert again[server.url("/etag.xml")].status == "not_modified"
    assert again[server.url("/no-guids.xml")].new == 0  # title-only items keep a stable identity
    assert again[server.url("/good.xml")].new == 0
    assert (again[server.url("/bad-etag.xml")].status, again[server.url("/bad-etag.xml")].new) == ("ok", 0)


def test_refresh_json_reports_each_outcome(
    server: HostileServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db, config = tmp_path / "cli.db", tmp_path / "config.toml"
    config.write_text("[network]\ntimeout = 1.0\ndeadline = 2.5\nmax_bytes = 1048576\n", encoding="utf-8")
    paths = ["/good.xml", "/404.xml", "/controls.xml", "/lol.xml"]
    store = Store(db)
    for path in paths:
        store.add_source(server.url(path), full_text=False)
    store.close()
    assert main(["refresh", "--json", "--no-full-text", "--db", str(db), "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    report = {o["url"]: o for o in json.loads(out)}
    assert {u: (o["status"], o["new"]) for u, o in report.items()} == {
        server.url("/good.xml"): ("ok", 3),
        server.url("/404.xml"): ("error", 0),
        server.url("/controls.xml"): ("ok", 2),
        server.url("/lol.xml"): ("error", 0),
    }
    assert report[server.url("/404.xml")]["error"] == "HTTP 404 Not Found"
    assert report[server.url("/controls.xml")]["title"] == "Evil feed"


def test_cli_output_carries_no_escape_bidi_or_markup_interpretation(
    first_run: tuple[Store, dict[str, Outcome]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, _ = first_run
    for argv in (
        ["list", "--db", str(store.path)],
        ["list", "--json", "--db", str(store.path)],
        ["sources", "--db", str(store.path)],
    ):
        assert main(argv) == 0
        out = capsys.readouterr().out
        for bad in ("\x1b", "\x9b", "\x07", "\u202e", "\u2066", "\u200b"):
            assert bad not in out, (argv, repr(bad))
        assert "[bold]x[/]" in out or "sources" in argv
    main(["list", "--json", "--db", str(store.path)])
    titles = {s["title"] for s in json.loads(capsys.readouterr().out)}
    assert "Clip board" in titles and "Title bar red" in titles  # the sequences go whole, the words stay
    assert "Invoice gpj.exe isolated zero" in titles


def test_shell_metacharacters_never_reach_a_shell(
    first_run: tuple[Store, dict[str, Outcome]], server: HostileServer, tmp_path: Path
) -> None:
    store, _ = first_run
    (story,) = stories_of(store, server, "/shell.xml")
    record = tmp_path / "argv.json"
    browser = f"{sys.executable} -c 'import json,sys; json.dump(sys.argv[1:], open(sys.argv[1], \"w\"))' {record}"
    start(launch_for(story.url, browser))
    for _ in range(100):  # the browser runs detached; wait for it, boundedly
        if record.exists() and record.read_text():
            break
        asyncio.run(asyncio.sleep(0.05))
    assert json.loads(record.read_text()) == [str(record), "http://evil.test/a;touch%20/tmp/newsreader-pwned-too"]
    assert not Path("/tmp/newsreader-pwned-too").exists() and not Path("/tmp/newsreader-pwned").exists()
    for refused in ("javascript:alert(1)", "file:///etc/passwd", "data:text/html,hi", "ftp://x.test/", "//x.test/a"):
        with pytest.raises(BrowserError, match="only http and https"):
            launch_for(refused, browser)


def test_a_100000_item_feed_lands_whole_without_a_cap(server: HostileServer, tmp_path: Path) -> None:
    store = Store(tmp_path / "big.db")
    store.add_source(server.url("/big.xml"), full_text=False)
    big = Config(network=NetworkConfig(timeout=5, deadline=60, max_bytes=32 * 1024 * 1024), max_items_per_source=0)
    (outcome,) = refresh(store, big).values()
    assert (outcome.status, outcome.new) == ("ok", 100_000)
    assert store.count_stories() == 100_000 and len(store.search("Item 99999")) >= 1
    store.close()


def test_a_100000_item_feed_keeps_its_newest_by_default(server: HostileServer, tmp_path: Path) -> None:
    store = Store(tmp_path / "big.db")
    store.add_source(server.url("/big.xml"), full_text=False)
    big = Config(network=NetworkConfig(timeout=5, deadline=60, max_bytes=32 * 1024 * 1024))
    (outcome,) = refresh(store, big).values()
    assert (outcome.status, outcome.new) == ("ok", big.max_items_per_source)
    assert "it lists 100,000 stories; the newest 5,000 are kept" in outcome.warning
    assert store.count_stories() == 5_000
    store.close()
