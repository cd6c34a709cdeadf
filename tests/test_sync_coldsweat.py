"""Fever against a second, independent server: coldsweat (PyPI), besides FreshRSS's own Fever API.

coldsweat pins libraries older than the reader's (urllib3 1.x, MarkupSafe 2), so it lives in a venv of its own,
named by NEWSREADER_COLDSWEAT (its `coldsweat` program); `.ci/run` makes that venv. Without it these tests skip
and say so, except under .ci/run (NEWSREADER_REQUIRE_FRESHRSS=1: every sync server must run), where it fails.
The server runs on a free loopback port, its feeds from a loopback feed server, and is stopped by its PID.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsreader.config import NetworkConfig
from newsreader.sync.base import Action, SyncAuthError
from newsreader.sync.fever import Fever
from tests.freshrss import REQUIRE_ENV, FeedServer, default_feeds

COLDSWEAT_ENV = "NEWSREADER_COLDSWEAT"
EMAIL, PASSWORD = "reader@example.com", "a-password-of-sixteen"  # coldsweat wants 12 characters or more
NET = NetworkConfig(timeout=10.0, deadline=30.0)


@dataclass
class Coldsweat:
    fever_url: str
    feeds: FeedServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _program() -> Path:
    given = os.environ.get(COLDSWEAT_ENV, "")
    if given and Path(given).is_file():
        return Path(given)
    reason = f"coldsweat is not installed (set {COLDSWEAT_ENV} to its `coldsweat` program; .ci/run does)"
    if os.environ.get(REQUIRE_ENV):
        pytest.fail(f"{reason}: {REQUIRE_ENV} is set, so it must run here")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def coldsweat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Coldsweat]:
    program = _program()
    work = tmp_path_factory.mktemp("coldsweat")
    env = {**os.environ, "FLASK_DATABASE_URL": f"sqlite:///{work / 'coldsweat.db'}", "FLASK_SECRET_KEY": "test"}
    feeds = FeedServer(default_feeds())
    try:
        opml = work / "feeds.opml"
        outlines = "".join(
            f'<outline type="rss" text="{name}" xmlUrl="{feeds.url(name + ".xml")}"/>' for name in ("tech", "world")
        )
        opml.write_text(f'<opml version="1.0"><body>{outlines}</body></opml>', encoding="utf-8")

        def manage(*args: str) -> None:
            done = subprocess.run(
                [str(program), *args], env=env, cwd=work, capture_output=True, text=True, timeout=120, check=False
            )
            assert done.returncode == 0, f"coldsweat {args[0]}: {done.stdout}{done.stderr}"

        manage("setup", EMAIL, "-p", PASSWORD)
        manage("import", "--fetch", str(opml), EMAIL)
        port = _free_port()
        log = (work / "server.log").open("w")
        server = subprocess.Popen(
            [str(program), "run", "-h", "127.0.0.1", "-p", str(port)],
            env=env,
            cwd=work,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stopped whole by its PID below
        )
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:  # bounded: up in ~1 s
                if server.poll() is not None:
                    pytest.fail(f"coldsweat ended at start: {(work / 'server.log').read_text()}")
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            else:
                pytest.fail("coldsweat did not listen within 30 s")
            yield Coldsweat(f"http://127.0.0.1:{port}/fever/", feeds)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
            log.close()
    finally:
        feeds.stop()


@pytest.fixture
async def fever(coldsweat: Coldsweat) -> AsyncIterator[Fever]:
    async with Fever(coldsweat.fever_url, EMAIL, PASSWORD, cfg=NET) as client:
        yield client


async def test_fever_logs_in_to_coldsweat(fever: Fever) -> None:
    await fever.login()


async def test_a_wrong_password_is_an_auth_error_not_an_empty_success(coldsweat: Coldsweat) -> None:
    async with Fever(coldsweat.fever_url, EMAIL, "not-the-password", cfg=NET) as client:
        with pytest.raises(SyncAuthError):
            await client.login()
        with pytest.raises(SyncAuthError):
            await client.pull()


async def test_pull_brings_coldsweats_items_and_marks_are_sets(coldsweat: Coldsweat, fever: Fever) -> None:
    pulled = await fever.pull()
    titles = {i.title for i in pulled.items}
    assert {"Tech story 1", "World story 1"} <= titles
    subs = {s.feed_url for s in await fever.subscriptions()}
    assert subs == {coldsweat.feeds.url("tech.xml"), coldsweat.feeds.url("world.xml")}
    ids = sorted(i.id for i in pulled.items)[:2]
    a, b = ids
    await fever.push(Action.READ, [a])
    await fever.push(Action.READ, [a])  # a set, not a toggle
    await fever.push(Action.STARRED, [b])
    unread, starred = await fever.unread_ids(), await fever.starred_ids()
    assert a not in unread and b in unread
    assert b in starred and a not in starred
    await fever.push(Action.UNREAD, [a])
    await fever.push(Action.UNSTARRED, [b])
    assert a in await fever.unread_ids()
    assert b not in await fever.starred_ids()
