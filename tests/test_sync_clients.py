"""The sync back-ends against a real FreshRSS (both protocols, one server state), and against servers that fail.

The FreshRSS fixture needs ../shared and php; without them these tests skip and say which is missing, except
under .ci/run (NEWSREADER_REQUIRE_FRESHRSS=1), where a missing FreshRSS is a failure.
"""

from __future__ import annotations

import http.server
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.config import ConfigError, NetworkConfig, load_config
from newsreader.sync import greader as greader_module
from newsreader.sync.account import Account, load_account, parse_account
from newsreader.sync.base import (
    Action,
    SyncAuthError,
    SyncProtocolError,
    SyncRefused,
    SyncUnavailable,
    SyncUnsupported,
    canonical_id,
    greader_long_id,
)
from newsreader.sync.fever import Fever, api_key
from newsreader.sync.greader import GReader
from tests.freshrss import FeedServer, FreshRSS, Story, running

NET = NetworkConfig(timeout=10.0, deadline=30.0)  # FreshRSS runs one PHP worker; quickadd fetches the feed first


# -- the server ------------------------------------------------------------------------------------------------


class Server:
    def __init__(self, freshrss: FreshRSS, feeds: FeedServer) -> None:
        self.freshrss = freshrss
        self.feeds = feeds

    def greader(self, password: str | None = None) -> GReader:
        fr = self.freshrss
        return GReader(fr.greader_url, fr.user, password or fr.api_password, cfg=NET)

    def fever(self, password: str | None = None) -> Fever:
        fr = self.freshrss
        return Fever(fr.fever_url, fr.user, password or fr.api_password, cfg=NET)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("freshrss")) as (fr, feeds):
        print(f"FreshRSS: extracted in {fr.extract_seconds:.2f} s, started in {fr.start_seconds:.2f} s")
        yield Server(fr, feeds)


@pytest.fixture
async def greader(server: Server) -> AsyncIterator[GReader]:
    async with server.greader() as client:
        yield client


@pytest.fixture
async def fever(server: Server) -> AsyncIterator[Fever]:
    async with server.fever() as client:
        yield client


# -- logging in --------------------------------------------------------------------------------------------------


async def test_both_protocols_log_in(greader: GReader, fever: Fever) -> None:
    await greader.login()
    await fever.login()
    assert (greader.requests, fever.requests) == (1, 1)


async def test_a_wrong_password_is_one_clear_auth_error(server: Server) -> None:
    async with server.greader("wrong-password") as g:
        with pytest.raises(SyncAuthError, match=r"refused user 'alice'.*HTTP 401.*API password"):
            await g.subscriptions()
        assert g.requests == 1  # no retry of a refused login
    async with server.fever("wrong-password") as f:
        # FreshRSS says {"auth": 0} with HTTP 200: an error, never an empty list of feeds
        with pytest.raises(SyncAuthError, match=r"refused user 'alice'.*\"auth\": 0"):
            await f.subscriptions()
        with pytest.raises(SyncAuthError):
            await f.unread_ids()
        assert f.requests == 2


# -- reading -----------------------------------------------------------------------------------------------------


async def test_subscriptions_with_folders_agree_across_protocols(
    server: Server, greader: GReader, fever: Fever
) -> None:
    g = {s.feed_url: s for s in await greader.subscriptions()}
    f = {s.feed_url: s for s in await fever.subscriptions()}
    tech, world = server.feeds.url("tech.xml"), server.feeds.url("world.xml")
    assert {tech, world} <= set(g)
    assert set(g) == set(f)
    for url in (tech, world):
        assert g[url].folders == f[url].folders == ("Uncategorized",)  # FreshRSS's default category
        assert g[url].title == f[url].title != ""
        assert g[url].html_url == f[url].html_url == url.removesuffix(".xml") + "/"
        assert g[url].id == f"feed/{f[url].id}"


async def test_pull_brings_every_item_with_its_fields_through_both(
    server: Server, greader: GReader, fever: Fever
) -> None:
    g, f = await greader.pull(), await fever.pull()
    assert g.complete and f.complete
    g_items = {i.id: i for i in g.items}
    f_items = {i.id: i for i in f.items}
    assert len(g_items) >= 7  # 4 tech + 3 world (other tests may add)
    assert set(g_items) == set(f_items)
    subs = {s.id: s.feed_url for s in await greader.subscriptions()}
    story = next(i for i in g.items if i.title == "Tech story 1")
    assert story.url == server.feeds.url("stories/tech-1.html")
    assert story.author == "Tech Writer"
    assert "The tech story number 1." in story.content
    assert story.published is not None and abs(time.time() - 7200 - story.published.timestamp()) < 600
    assert subs[story.feed_id] == server.feeds.url("tech.xml")
    other = f_items[story.id]
    assert (other.title, other.url, other.author, other.published) == (
        story.title,
        story.url,
        story.author,
        story.published,
    )
    assert [int(i.id) for i in g.items] == sorted(int(i.id) for i in g.items)  # oldest first


async def test_pull_since_a_mark_brings_what_is_new(server: Server, greader: GReader, fever: Fever) -> None:
    g0, f0 = await greader.pull(), await fever.pull()
    assert g0.mark is not None and f0.mark is not None
    assert (await fever.pull(f0.mark)).items == []  # nothing new since
    server.feeds.add("world.xml", Story("world-new", "World fresh story", "Late Writer", "Just in.", time.time()))
    assert "1 new article" in server.freshrss.refresh()
    g1, f1 = await greader.pull(g0.mark), await fever.pull(f0.mark)
    assert [i.title for i in f1.items] == ["World fresh story"]
    # GReader's mark is a crawl second, inclusive: items of that second may come again; merge by id
    assert "World fresh story" in [i.title for i in g1.items]
    assert {i.id for i in g1.items} <= {i.id for i in g0.items} | {f1.items[0].id}
    assert int(f1.mark or 0) > int(f0.mark)


async def test_id_streams_are_followed_through_continuations(
    server: Server, greader: GReader, monkeypatch: pytest.MonkeyPatch
) -> None:
    everything = await greader.pull()
    unread = await greader.unread_ids()
    monkeypatch.setattr(greader_module, "IDS_PAGE", 3)
    assert await greader.unread_ids() == unread
    before = greader.requests
    assert {i.id for i in (await greader.pull()).items} == {i.id for i in everything.items}
    pages = len(everything.items) // 3 + 1  # the last page is short (or empty)
    contents = -(-len(everything.items) // greader_module.CONTENTS_BATCH)
    assert greader.requests - before == pages + contents
    # a pull stopped by the page bound says so, and goes on from its mark
    async with GReader(greader.base, greader.user, server.freshrss.api_password, cfg=NET, max_pages=1) as short:
        first = await short.pull()
        assert not first.complete and len(first.items) == 3
        seen = {i.id for i in first.items}
        mark = first.mark
        for _ in range(10):
            more = await short.pull(mark)
            seen |= {i.id for i in more.items}
            mark = more.mark
            if more.complete:
                break
        assert seen == {i.id for i in everything.items}


async def test_items_by_id_in_either_form(greader: GReader, fever: Fever) -> None:
    ids = sorted(await greader.unread_ids() | await greader.starred_ids())[:2]
    assert len(ids) == 2
    by_long = await greader.items([greader_long_id(ids[0]), ids[1]])
    assert sorted(i.id for i in by_long) == ids
    assert sorted(i.id for i in await fever.items(ids)) == ids


# -- writing: batched set operations, one state behind both protocols -------------------------------------------


async def test_marks_pushed_through_one_protocol_are_read_back_through_the_other(
    greader: GReader, fever: Fever, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = sorted(i.id for i in (await greader.pull()).items)[:5]
    a, b, c, d, e = ids
    await greader.push(Action.UNREAD, ids)
    await greader.push(Action.UNSTARRED, ids)

    monkeypatch.setattr(greader_module, "EDIT_BATCH", 2)
    before = greader.requests
    await greader.push(Action.READ, [a, greader_long_id(b), c])  # both id forms in one batch
    assert greader.requests - before == 2  # 3 ids in batches of 2: two edit-tag requests (T already known)
    await greader.push(Action.STARRED, [d])

    unread, starred = await fever.unread_ids(), await fever.starred_ids()
    assert {a, b, c} & unread == set()
    assert {d, e} <= unread
    assert starred & set(ids) == {d}

    before = fever.requests
    await fever.push(Action.UNREAD, [b])
    await fever.push(Action.UNSTARRED, [d])
    await fever.push(Action.STARRED, [a, e])
    assert fever.requests - before == 4  # Fever marks one item per request
    assert (await greader.unread_ids()) & set(ids) == {b, d, e}
    assert (await greader.starred_ids()) & set(ids) == {a, e}
    states = {i.id: (i.read, i.starred) for i in await greader.items(ids)}
    assert states == {a: (True, True), b: (False, False), c: (True, False), d: (False, False), e: (False, True)}
    states = {i.id: (i.read, i.starred) for i in await fever.items(ids)}
    assert states == {a: (True, True), b: (False, False), c: (True, False), d: (False, False), e: (False, True)}


async def test_set_operations_are_not_toggles(greader: GReader, fever: Fever) -> None:
    item = sorted(await greader.unread_ids())[0]
    for _ in range(2):
        await greader.push(Action.READ, [item])
    assert item not in await fever.unread_ids()
    for _ in range(2):
        await fever.push(Action.UNREAD, [item])
    assert item in await greader.unread_ids()


async def test_a_rejected_action_token_is_fetched_again_once(greader: GReader, fever: Fever) -> None:
    item = sorted(await greader.unread_ids())[0]
    await greader.push(Action.STARRED, [item])
    greader._token = "stale-token"  # as after the server rotated it
    before = greader.requests
    await greader.push(Action.UNSTARRED, [item])
    assert greader.requests - before == 4  # edit-tag 401, ClientLogin, token, edit-tag
    assert item not in await fever.starred_ids()


# -- subscribing -------------------------------------------------------------------------------------------------


async def test_subscribe_and_unsubscribe_through_greader(server: Server, greader: GReader, fever: Fever) -> None:
    url = server.feeds.url("extra.xml")
    sub = await greader.subscribe(url, title="Extra reading", folder="Sync Test")
    assert (sub.feed_url, sub.title, sub.folders) == (url, "Extra reading", ("Sync Test",))
    assert server.feeds.hits.get("extra.xml", 0) >= 1  # FreshRSS fetched it
    seen = {s.feed_url: s for s in await fever.subscriptions()}
    assert seen[url].folders == ("Sync Test",) and seen[url].title == "Extra reading"
    await greader.unsubscribe(url)
    assert url not in {s.feed_url for s in await greader.subscriptions()}
    assert url not in {s.feed_url for s in await fever.subscriptions()}
    with pytest.raises(SyncRefused, match="no subscription"):
        await greader.unsubscribe(url)


async def test_a_feed_the_server_cannot_read_is_refused(server: Server, greader: GReader) -> None:
    with pytest.raises(SyncRefused, match="could not subscribe"):
        await greader.subscribe(server.feeds.url("nothing-here.xml"))


async def test_fever_says_it_cannot_subscribe(server: Server, fever: Fever) -> None:
    with pytest.raises(SyncUnsupported, match="Fever API cannot subscribe"):
        await fever.subscribe(server.feeds.url("extra.xml"))
    with pytest.raises(SyncUnsupported, match="cannot unsubscribe"):
        await fever.unsubscribe(server.feeds.url("tech.xml"))
    assert fever.requests == 0


# -- servers that fail: a loopback server of our own -------------------------------------------------------------

HANG_SECONDS = 10  # a hanging request is answered (too late) after this, so no thread outlives the test for long


class Trouble:
    """Answers every request by its first path segment: /500, /hang, /html, /notjson; counts requests."""

    def __init__(self) -> None:
        self.hits = 0
        self.released = threading.Event()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self.answer()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(min(length, 1 << 20))
                self.answer()

            def answer(self) -> None:
                outer.hits += 1
                kind = self.path.strip("/").split("/")[0].split("?")[0]
                if kind == "hang":
                    outer.released.wait(HANG_SECONDS)
                status, body = {
                    "500": (500, b"boom"),
                    "429": (429, b"slow down"),
                    "html": (200, b"<html>a login page</html>"),
                }.get(kind, (200, b"surely not json"))
                try:
                    self.send_response(status)
                    if status == 429:
                        self.send_header("Retry-After", "120")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except OSError:
                    pass  # the client gave up first: that is the point of /hang

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def trouble() -> Iterator[Trouble]:
    t = Trouble()
    yield t
    t.stop()


async def test_a_server_answering_500_is_unavailable_after_bounded_retries(trouble: Trouble) -> None:
    async with GReader(f"{trouble.base}/500", "alice", "pw", cfg=NET) as g:
        with pytest.raises(SyncUnavailable, match=r"HTTP 500.*3 tries.*try again later"):
            await g.unread_ids()
    assert trouble.hits == 3
    async with Fever(f"{trouble.base}/500/fever.php", "alice", "pw", cfg=NET) as f:
        with pytest.raises(SyncUnavailable, match="HTTP 500"):
            await f.push(Action.READ, ["1"])
    assert trouble.hits == 6


async def test_a_server_that_asks_to_wait_is_not_asked_again_now(trouble: Trouble) -> None:
    async with GReader(f"{trouble.base}/429", "alice", "pw", cfg=NET) as g:
        with pytest.raises(SyncUnavailable, match=r"asks us to wait \(HTTP 429\)") as caught:
            await g.login()
    assert trouble.hits == 1
    when = caught.value.retry_after
    assert when is not None and 100 < (when - datetime.now(UTC)).total_seconds() <= 120


async def test_a_hanging_server_is_unavailable_within_the_deadline(trouble: Trouble) -> None:
    cfg = NetworkConfig(timeout=0.5, deadline=2.0)
    for client in (
        GReader(f"{trouble.base}/hang", "u", "p", cfg=cfg),
        Fever(f"{trouble.base}/hang", "u", "p", cfg=cfg),
    ):
        start = time.monotonic()
        async with client:
            with pytest.raises(SyncUnavailable, match=r"timed out|within 2 s"):
                await client.login()
        assert time.monotonic() - start < 3.0


async def test_a_server_that_is_not_there_is_unavailable() -> None:
    from tests.freshrss import free_port

    port = free_port()  # nothing listens there any more
    async with GReader(f"http://127.0.0.1:{port}/api", "u", "p", cfg=NetworkConfig(timeout=1, deadline=5)) as g:
        with pytest.raises(SyncUnavailable, match="could not connect"):
            await g.login()
        assert g.requests == 3


async def test_nonsense_answers_are_protocol_errors(trouble: Trouble) -> None:
    for bad in ("http://127.0.0.1:99999/api", "ftp://127.0.0.1/api", "http:///api"):
        with pytest.raises(SyncProtocolError, match=r"check \[sync\] server"):
            GReader(bad, "u", "p")
        with pytest.raises(SyncProtocolError, match=r"check \[sync\] server"):
            Fever(bad, "u", "p")
    async with GReader(f"{trouble.base}/html", "u", "p", cfg=NET) as g:
        with pytest.raises(SyncProtocolError, match="without an Auth= line"):
            await g.login()
    async with Fever(f"{trouble.base}/notjson", "u", "p", cfg=NET) as f:
        with pytest.raises(SyncProtocolError, match="not JSON; is this a Fever API"):
            await f.unread_ids()


# -- ids and the account -----------------------------------------------------------------------------------------


def test_item_ids_have_one_canonical_form() -> None:
    assert canonical_id("1730000000123456") == "1730000000123456"
    assert canonical_id("tag:google.com,2005:reader/item/000625c0d1ed8640") == str(0x625C0D1ED8640)
    assert canonical_id(greader_long_id("42")) == "42"
    assert greader_long_id("42") == "tag:google.com,2005:reader/item/000000000000002a"
    assert canonical_id("-1") == str(2**64 - 1)  # old Google Reader's signed decimal
    assert canonical_id(7) == "7"
    for bad in ("", "abc", "tag:google.com,2005:reader/item/", "tag:google.com,2005:reader/item/xyz", "1" * 30):
        with pytest.raises(SyncProtocolError, match="not one"):
            canonical_id(bad)


def test_the_fever_key_is_the_one_freshrss_expects(server: Server) -> None:
    fr = server.freshrss
    assert api_key(fr.user, fr.api_password) == fr.env["FRESHRSS_FEVER_API_KEY"]  # start.sh's md5sum


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_sync_table_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(
        tmp_path,
        '[network]\ntimeout = 5\n[sync]\nserver = "https://rss.example/api/fever.php"\nuser = "alice"\n'
        'protocol = "fever"\npassword_env = "NR_TEST_PASSWORD"\n',
    )
    assert load_config(path).network.timeout == 5.0
    account = load_account(path)
    assert account == Account("https://rss.example/api/fever.php", "alice", "fever", password_env="NR_TEST_PASSWORD")
    monkeypatch.delenv("NR_TEST_PASSWORD", raising=False)
    with pytest.raises(SyncAuthError, match="password_env: the environment variable NR_TEST_PASSWORD is not set"):
        account.password()
    monkeypatch.setenv("NR_TEST_PASSWORD", "s3cret")
    assert account.password() == "s3cret"
    assert isinstance(account.backend(), Fever)
    assert load_account(write(tmp_path, "[network]\ntimeout = 5\n")) is None
    assert load_account(tmp_path / "missing.toml") is None


def test_the_password_command_runs_without_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    argv = [sys.executable, "-c", "print('pw from command; $(touch x)')", f"> {marker}"]
    account = parse_account(
        {"server": "http://127.0.0.1:1/api/greader.php", "user": "u", "password_command": argv}, "config.toml"
    )
    assert account.password() == "pw from command; $(touch x)"
    assert not marker.exists()
    assert isinstance(account.backend(), GReader)
    failing = Account("http://x", "u", "greader", password_command=(sys.executable, "-c", "import sys; sys.exit('no')"))
    with pytest.raises(SyncAuthError, match=r"password_command: .* failed \(exit 1: no\)"):
        failing.password()
    absent = Account("http://x", "u", "greader", password_command=("/nonexistent/pass-tool",))
    with pytest.raises(SyncAuthError, match="no such program: /nonexistent/pass-tool"):
        absent.password()


def test_the_keyring_source_says_what_is_missing() -> None:
    account = Account("http://x", "alice", "greader", password_keyring="newsreader-test-absent")
    try:
        import keyring  # noqa: F401
    except ImportError:
        with pytest.raises(SyncAuthError, match="keyring package is not installed"):
            account.password()
    else:
        with pytest.raises(SyncAuthError, match="password_keyring"):
            account.password()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('user = "u"\npassword_env = "X"', "'server' is required"),
        ('server = "ftp://x"\nuser = "u"\npassword_env = "X"', "'server' must be an http"),
        ('server = "http://x:99999/"\nuser = "u"\npassword_env = "X"', "'server' must be an http"),
        ('server = "http://x"\npassword_env = "X"', "'user' is required"),
        ('server = "http://x"\nuser = "u"\nprotocol = "nntp"\npassword_env = "X"', "'protocol' must be"),
        ('server = "http://x"\nuser = "u"', "exactly one of .* \\(found none\\)"),
        ('server = "http://x"\nuser = "u"\npassword_env = "X"\npassword_keyring = "k"', "found password_env and"),
        ('server = "http://x"\nuser = "u"\npassword = "hunter2"', "'password' is not allowed"),
        ('server = "http://x"\nuser = "u"\npassword_command = "pass show x"', "'password_command' must be a list"),
        ('server = "http://x"\nuser = 3\npassword_env = "X"', "'user' must be a string"),
        ('server = "http://x"\nuser = "u"\npasswd = "x"', "\\[sync\\]: unknown setting 'passwd'"),
    ],
)
def test_sync_table_errors_name_the_key(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_account(write(tmp_path, f"[sync]\n{table}\n"))
