"""The sync engine: the store's queue and mapping (SQLite on disk), then two reader profiles on one account of a
real FreshRSS, through the Google Reader API and Fever.

The FreshRSS tests need ../shared and php; without them they skip and say which is missing, except under .ci/run
(NEWSREADER_REQUIRE_FRESHRSS=1), where a missing FreshRSS is a failure.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from newsreader.cli import main
from newsreader.config import NetworkConfig
from newsreader.model import Story
from newsreader.store import APPLICATION_ID, MIGRATIONS, Store, SyncedStory
from newsreader.store.schema import statements
from newsreader.sync.base import Backend, SyncUnavailable
from newsreader.sync.engine import SyncReport, sync
from newsreader.sync.fever import Fever
from newsreader.sync.greader import GReader
from tests.freshrss import FeedServer, FreshRSS, free_port, running

NET = NetworkConfig(timeout=10.0, deadline=30.0)
OFFLINE_NET = NetworkConfig(timeout=2.0, deadline=5.0)

# -- the store: queue, mapping, adoption (no server) -------------------------------------------------------------


def _synced(store: Store, n: int = 3) -> tuple[int, list[int]]:
    source = store.add_source("http://127.0.0.1:1/feed.xml", title="Feed")
    assert source.id is not None
    items = [
        SyncedStory(str(1000 + i), Story(key="", title=f"story {i}", url=f"http://127.0.0.1:1/{i}.html"), False, False)
        for i in range(n)
    ]
    assert store.save_synced(source.id, items) == (n, 0)
    ids = [store.story_of_item(str(1000 + i)) for i in range(n)]
    assert all(i is not None for i in ids)
    return source.id, [i for i in ids if i is not None]


def test_an_existing_database_migrates_and_keeps_its_stories(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    for script in MIGRATIONS[:2]:
        for statement in statements(script):
            con.execute(statement)
    con.execute("PRAGMA user_version = 2")
    con.execute("INSERT INTO sources (id, url, added) VALUES (1, 'http://127.0.0.1:1/f.xml', 0)")
    con.execute(
        "INSERT INTO stories (source_id, key, title, sort_ts, read, first_seen) VALUES (1, 'k', 'Old', 0, 1, 0)"
    )
    con.commit()
    con.close()
    with Store(path) as store:
        assert not store.notice
        assert store.schema_version == len(MIGRATIONS) >= 3
        [story] = store.headlines()
        assert (story.title, story.read, story.starred) == ("Old", True, False)
        store.set_starred(story.id or 0)
        assert store.headlines(starred_only=True)[0].title == "Old"
        assert store.pending_count() == 0  # not a synced story: nothing to push


def test_changes_are_queued_as_sets_coalesced_per_item_and_survive_a_reopen(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        source_id, (s0, s1, s2) = _synced(store)
        local = store.add_source("http://127.0.0.1:1/local.xml")
        assert local.id is not None
        store.save_stories(local.id, [Story(key="l", title="local")])
        store.set_read([h.id or 0 for h in store.headlines(local.id)])  # not on the server: not queued
        assert store.pending_count() == 0
        store.set_read(s0)
        store.set_read(s0, False)
        store.set_read(s0)  # read, unread, read: one change, the last
        store.set_starred(s1)
        store.mark_source_read(source_id)  # s1 and s2 (s0 is read already)
    with Store(tmp_path / "a.db") as store:
        pending = {(c.item_id, c.flag, c.value) for c in store.pending_changes()}
        assert pending == {
            ("1000", "read", True),
            ("1001", "starred", True),
            ("1001", "read", True),
            ("1002", "read", True),
        }
        # Cleared only as accepted, and not when changed again since.
        changes = store.pending_changes()
        store.set_starred(s1, False)
        store.clear_pending(changes)
        assert [(c.item_id, c.flag, c.value) for c in store.pending_changes()] == [("1001", "starred", False)]
        assert s2


def test_the_server_state_is_adopted_except_where_a_change_is_pending(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        _, (s0, s1, s2) = _synced(store)
        store.set_read(s0)  # pending: read
        store.set_starred(s1)  # pending: starred
        # The server: everything unread, nothing starred, s2 starred.
        changed = store.adopt(unread={"1000", "1001", "1002"}, starred={"1002"})
        assert changed == 1
        flags = {h.id: (h.read, h.starred) for h in store.headlines()}
        assert flags == {s0: (True, False), s1: (False, True), s2: (False, True)}
        store.clear_pending(store.pending_changes())
        # Nothing pending: the server wins (s2 read; s1 and s2 unstarred; s0 was read already).
        assert store.adopt(unread={"1001"}, starred=set()) == 3
        flags = {h.id: (h.read, h.starred) for h in store.headlines()}
        assert flags == {s0: (True, False), s1: (False, False), s2: (True, False)}


def test_a_feed_refresh_takes_over_a_synced_story_of_the_same_link(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        source_id, (s0, _, _) = _synced(store)
        store.set_starred(s0)
        new = store.save_stories(source_id, [Story(key="guid-0", title="story 0", url="http://127.0.0.1:1/0.html")])
        assert new == 0 and store.count_stories(source_id) == 3
        story = store.story(s0)
        assert story is not None and (story.key, story.starred) == ("guid-0", True)
        assert store.item_of_story(s0) == "1000"


def test_star_unstar_and_list_starred_from_the_cli(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "a.db"
    with Store(db) as store:
        _, (s0, s1, _) = _synced(store)
    assert main(["--db", str(db), "star", str(s0)]) == 0
    assert capsys.readouterr().out == f"starred {s0}: story 0 (queued for the next sync)\n"
    assert main(["--db", str(db), "list", "--starred", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["starred"]) for s in listed] == [(s0, True)]
    assert main(["--db", str(db), "unstar", str(s0)]) == 0 and main(["--db", str(db), "star", str(s1)]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "list", "--starred"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.split()[:2] == [str(s1), "N*"]
    with Store(db) as store:
        pending = {(c.item_id, c.flag, c.value) for c in store.pending_changes()}
        assert pending == {("1000", "starred", False), ("1001", "starred", True)}
    assert main(["--db", str(db), "star", "999"]) == 1
    assert "no story 999" in capsys.readouterr().err


def test_sync_without_an_account_says_what_to_add(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    assert main(["--db", str(tmp_path / "a.db"), "--config", str(config), "sync"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("newsreader: error: no sync account: add a [sync] table") and err.count("\n") == 1
    assert main(["--db", str(tmp_path / "a.db"), "--config", str(config), "--offline", "sync"]) == 1
    assert "--offline means never to fetch" in capsys.readouterr().err


async def test_a_server_answering_500_or_hanging_leaves_the_queue_whole(tmp_path: Path) -> None:
    from tests.test_sync_clients import Trouble

    trouble = Trouble()
    try:
        with Store(tmp_path / "a.db") as store:
            _, (s0, s1, _) = _synced(store)
            store.set_read(s0)
            store.set_starred(s1)
            before = store.pending_changes()
            quick = NetworkConfig(timeout=0.5, deadline=2.0)
            for backend in (
                GReader(f"{trouble.base}/500", "u", "p", cfg=quick),
                Fever(f"{trouble.base}/500/fever.php", "u", "p", cfg=quick),
                GReader(f"{trouble.base}/hang", "u", "p", cfg=quick),
            ):
                async with backend:
                    with pytest.raises(SyncUnavailable):
                        await sync(store, backend)
                assert store.pending_changes() == before
                assert store.sync_state("last_error")
                assert store.sync_state("last_sync") is None
    finally:
        trouble.stop()


# -- against a real FreshRSS -------------------------------------------------------------------------------------


class Counting(httpx.AsyncBaseTransport):
    """The real transport, recording each request's path (to show that a sync sent no change)."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self._real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = (await request.aread()).decode("ascii", "replace")
        self.paths.append(f"{request.method} {request.url.path}?{request.url.query.decode()} {body}")
        return await self._real.handle_async_request(request)

    async def aclose(self) -> None:
        await self._real.aclose()


class Server:
    def __init__(self, freshrss: FreshRSS, feeds: FeedServer, protocol: str) -> None:
        self.freshrss, self.feeds, self.protocol = freshrss, feeds, protocol

    @property
    def url(self) -> str:
        return self.freshrss.greader_url if self.protocol == "greader" else self.freshrss.fever_url

    def backend(self, *, url: str = "", transport: httpx.AsyncBaseTransport | None = None) -> Backend:
        fr = self.freshrss
        kind = GReader if self.protocol == "greader" else Fever
        cfg = OFFLINE_NET if url else NET
        return kind(url or self.url, fr.user, fr.api_password, cfg=cfg, transport=transport)

    def offline_url(self) -> str:
        """The same API on a loopback port nobody listens on: the server is unreachable."""
        return self.url.replace(f":{self.freshrss.port}/", f":{free_port()}/")

    async def sync(self, store: Store, **kw: object) -> SyncReport:
        async with self.backend(**kw) as backend:  # type: ignore[arg-type]
            return await sync(store, backend)


@pytest.fixture(params=["greader", "fever"])
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with running(tmp_path_factory.mktemp("freshrss")) as (fr, feeds):
        yield Server(fr, feeds, request.param)


def _by_title(store: Store) -> dict[str, Story]:
    return {s.title: s for s in store.headlines(limit=1000)}


async def _server_sets(server: Server) -> tuple[set[str], set[str]]:
    async with server.backend() as b:
        return await b.unread_ids(), await b.starred_ids()


def _write_config(tmp_path: Path, server: Server, server_url: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        f'[sync]\nserver = "{server_url}"\nuser = "{server.freshrss.user}"\nprotocol = "{server.protocol}"\n'
        'password_env = "NEWSREADER_TEST_SYNC_PASSWORD"\n[network]\ntimeout = 2.0\ndeadline = 5.0\n',
        encoding="utf-8",
    )
    return path


async def test_two_profiles_share_reads_and_stars_online_and_offline(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    try:
        first = await server.sync(a)
        assert (first.new_sources, first.new_stories, first.pushed) == (2, 7, 0)
        await server.sync(b)
        stories = _by_title(a)
        assert all(not s.read and not s.starred for s in stories.values())
        for s in a.sources():
            assert a.source_folders(s.id or 0) == ("Uncategorized",)
        # The reader's own extraction still applies: the story's URL is the article's page, its content empty.
        assert stories["Tech story 1"].url == server.feeds.url("stories/tech-1.html")
        assert len(a.stories_needing_article(limit=100)) == 7

        # A reads one and stars another, syncs; the server and B agree.
        read, star = stories["Tech story 1"], stories["World story 0"]
        a.set_read(read.id or 0)
        a.set_starred(star.id or 0)
        assert a.pending_count() == 2
        pushed = await server.sync(a)
        assert (pushed.pushed, pushed.pending) == (2, 0)
        unread, starred = await _server_sets(server)
        assert a.item_of_story(read.id or 0) not in unread and a.item_of_story(star.id or 0) in starred
        assert len(unread) == 6 and len(starred) == 1
        adopted = await server.sync(b)
        assert adopted.adopted == 2
        seen = _by_title(b)
        assert seen["Tech story 1"].read and seen["World story 0"].starred
        assert sum(s.read for s in seen.values()) == 1 and sum(s.starred for s in seen.values()) == 1

        # A goes offline, marks 3 stories read and stars one: the CLI says the queue is kept (exit 0).
        offline = ["Tech story 0", "Tech story 2", "World story 1"]
        for title in offline:
            a.set_read(stories[title].id or 0)
        a.set_starred(stories["Tech story 3"].id or 0)
        with pytest.raises(SyncUnavailable):
            await server.sync(a, url=server.offline_url())
        assert a.pending_count() == 4
        a.close()
        monkeypatch.setenv("NEWSREADER_TEST_SYNC_PASSWORD", server.freshrss.api_password)
        config = _write_config(tmp_path, server, server.offline_url())
        capsys.readouterr()
        code = await asyncio.to_thread(main, ["--db", str(tmp_path / "a.db"), "--config", str(config), "sync"])
        out = capsys.readouterr().out
        assert code == 0 and out.startswith("server unreachable; 4 changes kept for the next sync"), out
        a = Store(tmp_path / "a.db")  # a restart: the queue is on disk
        assert a.pending_count() == 4

        # The server is back: A's queue drains, B sees all of it, the server agrees.
        writes = Counting()
        back = await server.sync(a, transport=writes)
        assert (back.pushed, back.pending) == (4, 0)
        assert [p for p in writes.paths if "edit-tag" in p or "mark=item" in p]  # how a change is seen to go
        await server.sync(b)
        seen = _by_title(b)
        assert {t for t, s in seen.items() if s.read} == {"Tech story 1", *offline}
        assert {t for t, s in seen.items() if s.starred} == {"World story 0", "Tech story 3"}
        unread, starred = await _server_sets(server)
        assert len(unread) == 3 and len(starred) == 2

        # A second sync right after sends nothing: no change pushed, nothing new, nothing adopted.
        counting = Counting()
        again = await server.sync(a, transport=counting)
        assert (again.pushed, again.new_stories, again.new_sources, again.adopted) == (0, 0, 0, 0)
        assert not [p for p in counting.paths if "edit-tag" in p or "mark=item" in p], counting.paths
        assert again.requests == len(counting.paths)
        config = _write_config(tmp_path, server, server.url)
        code = await asyncio.to_thread(
            main, ["--db", str(tmp_path / "b.db"), "--config", str(config), "sync", "--json"]
        )
        report = json.loads(capsys.readouterr().out)
        assert code == 0 and report["status"] == "ok" and report["pushed"] == report["new_stories"] == 0
    finally:
        a.close()
        b.close()


async def test_a_conflict_resolves_by_the_documented_rule(server: Server, tmp_path: Path) -> None:
    """B unreads a story that A read offline: the change still queued wins over the server's state until it is
    pushed; once pushed it is the server's state, which everyone without a pending change adopts."""
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    try:
        await server.sync(a)
        await server.sync(b)
        x_a, x_b = _by_title(a)["World story 2"], _by_title(b)["World story 2"]
        # Both read it once, online.
        a.set_read(x_a.id or 0)
        await server.sync(a)
        await server.sync(b)
        assert _by_title(b)["World story 2"].read
        # A goes offline and reads it (again: a set, queued); B unreads it and syncs first.
        a.set_read(x_a.id or 0)
        b.set_read(x_b.id or 0, False)
        await server.sync(b)
        unread, _ = await _server_sets(server)
        assert b.item_of_story(x_b.id or 0) in unread
        # A's pull sees it unread on the server, but A's pending read wins: pushed, and A keeps it read.
        report = await server.sync(a)
        assert report.pushed == 1 and _by_title(a)["World story 2"].read
        unread, _ = await _server_sets(server)
        assert a.item_of_story(x_a.id or 0) not in unread
        # B has nothing pending now: the server's state wins there.
        await server.sync(b)
        assert _by_title(b)["World story 2"].read
        # And a change queued in B wins over the server's "read" while it waits (a failed sync keeps it).
        b.set_read(x_b.id or 0, False)
        with pytest.raises(SyncUnavailable):
            await server.sync(b, url=server.offline_url())
        assert not _by_title(b)["World story 2"].read and b.pending_count() == 1
    finally:
        a.close()
        b.close()


def test_a_wrong_password_is_one_line_and_exit_1(
    server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSREADER_TEST_SYNC_PASSWORD", "wrong-password")
    config = _write_config(tmp_path, server, server.url)
    code = main(["--db", str(tmp_path / "a.db"), "--config", str(config), "sync"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsreader: error: sync: ") and "refused user" in lines[0]


# -- subscribing and unsubscribing on the server; changes the server refuses --------------------------------------


async def _server_feeds(server: Server) -> set[str]:
    async with server.backend() as backend:
        return {s.feed_url for s in await backend.subscriptions()}


async def test_subscribing_and_unsubscribing_in_a_shows_on_the_server_and_in_b(server: Server, tmp_path: Path) -> None:
    a, b = Store(tmp_path / "a.db"), Store(tmp_path / "b.db")
    a.sync_sources = b.sync_sources = True  # what the CLI and the TUI set when a [sync] account is configured
    try:
        await server.sync(a)
        await server.sync(b)
        extra, tech = server.feeds.url("extra.xml"), server.feeds.url("tech.xml")
        assert extra not in await _server_feeds(server)
        # A subscribes (as `add` does: the source and the queued subscribe in one transaction) and unsubscribes.
        a.add_source(extra, title="Extra")
        assert [(p.url, p.action) for p in a.pending_sources()] == [(extra, "subscribe")]
        assert a.remove_source(tech)
        assert {(p.url, p.action) for p in a.pending_sources()} == {(extra, "subscribe"), (tech, "unsubscribe")}
        if server.protocol == "fever":
            # Fever cannot: the subscribe is dropped with a note (the source stays here), the unsubscribe is kept,
            # so the next pull does not bring the source back while the server still lists it.
            report = await server.sync(a)
            assert report.subscribed == report.unsubscribed == 0
            assert any("cannot subscribe" in n for n in report.notes) and any(
                "still on the server" in n for n in report.notes
            )
            assert [(p.url, p.action) for p in a.pending_sources()] == [(tech, "unsubscribe")]
            assert tech not in {s.url for s in a.sources()} and extra in {s.url for s in a.sources()}
            again = await server.sync(a)
            assert tech not in {s.url for s in a.sources()} and again.new_sources == 0
            return
        report = await server.sync(a)
        assert (report.subscribed, report.unsubscribed, report.pending, report.dropped) == (1, 1, 0, 0)
        on_server = await _server_feeds(server)
        assert extra in on_server and tech not in on_server
        assert tech not in {s.url for s in a.sources()}  # the pull did not bring it back
        assert a.source_folders(a.source(extra).id or 0)  # type: ignore[union-attr]  # now one of the server's
        # B syncs: it has the new feed and no longer the removed one (it was one of the server's feeds).
        seen = await server.sync(b)
        assert (seen.new_sources, seen.removed_sources) == (1, 1)
        assert extra in {s.url for s in b.sources()} and tech not in {s.url for s in b.sources()}
        assert not [p for p in b.pending_sources()]  # B's removal is not queued back to the server
        b.sync_sources = False  # no account: a source never on the server, which a sync keeps
        local = b.add_source("http://127.0.0.1:1/local-only.xml")
        # A second sync of A sends no subscription change.
        counting = Counting()
        await server.sync(a, transport=counting)
        assert not [p for p in counting.paths if "quickadd" in p or "subscription/edit" in p], counting.paths
        await server.sync(b)
        assert local.url in {s.url for s in b.sources()}
    finally:
        a.close()
        b.close()


class Refusing(Counting):
    """The real FreshRSS, except that every item change (edit-tag, Fever's mark=item) is answered HTTP 400."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = (await request.aread()).decode("ascii", "replace")
        if "edit-tag" in request.url.path or "mark=item" in body or "mark=item" in str(request.url):
            self.paths.append("refused")
            return httpx.Response(400, stream=httpx.ByteStream(b"no such item"), request=request)
        self.paths.append(f"{request.method} {request.url.path}")
        return await self._real.handle_async_request(request)


async def test_a_change_the_server_refuses_is_dropped_after_max_tries(server: Server, tmp_path: Path) -> None:
    from newsreader.sync.engine import MAX_TRIES

    a = Store(tmp_path / "a.db")
    try:
        await server.sync(a)
        story = _by_title(a)["Tech story 0"]
        a.set_read(story.id or 0)
        for attempt in range(1, MAX_TRIES):
            report = await server.sync(a, transport=Refusing())
            # The sync goes on (pull, adopt) and keeps the change, counting the refusal.
            assert (report.pushed, report.pending, report.dropped) == (0, 1, 0)
            assert any("refused" in n and "kept to try again" in n for n in report.notes), report.notes
            assert list(a.pending_tries().values()) == [attempt]
            assert _by_title(a)["Tech story 0"].read  # the pending change still wins
        report = await server.sync(a, transport=Refusing())
        assert (report.dropped, report.pending) == (1, 0)
        assert any(f"dropped 1 after {MAX_TRIES} refusals" in n for n in report.notes), report.notes
        # Dropped: the server's state wins again at the next sync.
        await server.sync(a)
        assert not _by_title(a)["Tech story 0"].read
    finally:
        a.close()


def test_a_queued_change_set_again_starts_its_tries_over(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        _, (s0, _, _) = _synced(store)
        store.set_read(s0)
        assert store.refused(store.pending_changes(), 5) == 0 and store.pending_tries() == {("1000", "read"): 1}
        store.set_read(s0, False)
        assert store.pending_tries() == {("1000", "read"): 0}
        for _ in range(5):
            dropped = store.refused(store.pending_changes(), 5)
        assert dropped == 1 and store.pending_count() == 0


def test_without_an_account_sources_queue_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "a.db") as store:
        store.add_source("http://127.0.0.1:1/a.xml")
        assert store.remove_source("http://127.0.0.1:1/a.xml")
        assert store.pending_sources() == [] and store.pending_count() == 0
        store.sync_sources = True
        store.add_source("http://127.0.0.1:1/b.xml")
        store.remove_source("http://127.0.0.1:1/b.xml")
        assert [(p.url, p.action) for p in store.pending_sources()] == [("http://127.0.0.1:1/b.xml", "unsubscribe")]
        assert not store.remove_source("http://127.0.0.1:1/never.xml")
        assert store.pending_count() == 1
