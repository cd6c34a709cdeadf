"""A refresh killed with SIGKILL loses nothing committed; two instances at once both work."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.model import Story
from newsreader.store import RefreshResult, Store
from tests.site_server import serving

FEEDS, ITEMS = 60, 20


def feed(n: int) -> bytes:
    items = "".join(f"<item><title>Feed {n} story {i}</title><guid>f{n}-{i}</guid></item>" for i in range(ITEMS))
    return f'<rss version="2.0"><channel><title>Feed {n}</title>{items}</channel></rss>'.encode()


class SlowFeeds(http.server.BaseHTTPRequestHandler):
    delay = 0.25

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        time.sleep(self.delay)  # slow enough that the refresh is mid-run when it is killed
        body = feed(int(self.path.split("/")[-1].split(".")[0]))
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


@pytest.fixture
def slow_server() -> Iterator[str]:
    with serving(_Server(("127.0.0.1", 0), SlowFeeds)) as base:
        yield base


def env_for(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        env[f"XDG_{var}_HOME"] = str(tmp_path / var.lower())
    return env


def prepared_store(tmp_path: Path, base: str) -> tuple[Path, list[int]]:
    """Sources subscribed, and an older source whose stories were read before the crash."""
    path = tmp_path / "data" / "newsreader" / "newsreader.db"
    store = Store(path)
    for n in range(FEEDS):
        store.add_source(f"{base}/feed/{n}.xml", full_text=False)
    old = store.add_source("http://old.test/feed", full_text=False)
    assert old.id is not None
    store.save_stories(old.id, [Story(key=str(i), title=f"Read before {i}") for i in range(10)])
    read = [s.id for s in store.headlines(old.id) if s.id is not None][:6]
    store.set_read(read)
    store.record_refresh(old.id, RefreshResult(backoff_until=None))
    store.close()
    return path, read


def no_pool_process_left(home: Path) -> bool:
    """No process of a parsing pool is left running, within a few seconds (re-parented ones are found by what they run).

    Only processes started for this test count (their environment names `home`): the machine may be running other
    readers' pools meanwhile.
    """
    mark = f"XDG_DATA_HOME={home / 'data'}".encode()

    def leftovers() -> list[str]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                    status = (entry / "status").read_text()
                    environ = (entry / "environ").read_bytes().split(b"\0")
                except OSError:
                    continue
                if mark not in environ:
                    continue
                if "State:\tZ" in status:
                    continue
                if "multiprocessing.forkserver" in cmd:  # the pool's server and workers (forked from it) alike
                    found.append(cmd)
        return found

    deadline = time.monotonic() + 5
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.1)
    return not leftovers()


def test_sigkill_mid_refresh_loses_nothing_committed(tmp_path: Path, slow_server: str) -> None:
    path, read_before = prepared_store(tmp_path, slow_server)
    config = tmp_path / "config" / "newsreader" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text("[network]\nconcurrency = 4\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "refresh", "--no-full-text", "--db", str(path)],
        env=env_for(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        watcher = Store(path)
        deadline = time.monotonic() + 30
        while watcher.count_stories() < 10 + 3 * ITEMS and time.monotonic() < deadline:
            time.sleep(0.05)  # until a few sources have committed, and the rest are still in flight
        watcher.close()
        assert proc.poll() is None, "the refresh finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert no_pool_process_left(tmp_path)

    store = Store(path)
    assert store.notice == "" and store.integrity_check() == "ok"
    by_source: dict[int, int] = {}
    for source in store.sources():
        assert source.id is not None
        by_source[source.id] = store.count_stories(source.id)
        assert by_source[source.id] == len(store.headlines(source.id, 0, 100))  # the counters agree with the rows
    refreshed = [n for n in by_source.values() if n]
    assert 3 <= len(refreshed) - 1 < FEEDS  # some sources committed, not all
    assert all(n in (10, ITEMS) for n in refreshed)  # each source's refresh is all or nothing
    old = store.source("http://old.test/feed")
    assert old is not None
    assert [s.id for s in store.headlines(old.id) if s.read] == read_before
    store.close()


def test_two_instances_refresh_and_read_at_once(tmp_path: Path, slow_server: str) -> None:
    path, _ = prepared_store(tmp_path, slow_server)
    env = env_for(tmp_path)
    cmd = [sys.executable, "-m", "newsreader", "refresh", "--no-full-text", "--json", "--db", str(path)]
    first = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    second = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader = subprocess.run(
        [sys.executable, "-m", "newsreader", "list", "--json", "--db", str(path)],
        env=env,
        capture_output=True,
        timeout=60,
    )
    outs = [p.communicate(timeout=120) for p in (first, second)]
    assert reader.returncode == 0 and reader.stdout.startswith(b"[")
    assert [first.returncode, second.returncode] == [0, 0], [o[1][-300:] for o in outs]
    store = Store(path)
    assert store.count_stories() == 10 + FEEDS * ITEMS  # no duplicates from the race
    assert store.integrity_check() == "ok"
    store.close()
