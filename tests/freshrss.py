"""A real FreshRSS on 127.0.0.1 for the sync tests, fed by a loopback feed server of the tests' own feeds.

FreshRSS comes from ../shared/servers/freshrss (its README: Debian's PHP, SQLite, start.sh/stop.sh). The source
tarball is extracted into a temporary directory, `start.sh` runs it on a free loopback port, `STATE/env` says
where its APIs are, `STATE/refresh.sh` makes it fetch its feeds, and `stop.sh` stops it by the PID it started.
Nothing reaches the internet: every feed is served here, and every server binds 127.0.0.1.
"""

from __future__ import annotations

import email.utils
import http.server
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tarfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
FRESHRSS_DIR = SHARED / "servers" / "freshrss"
REQUIRE_ENV = "NEWSREADER_REQUIRE_FRESHRSS"  # set by .ci/run when ../shared exists: a skip is then a failure
START_TIMEOUT = 60.0
MAX_SECONDS = 900  # FreshRSS's own hard lifetime (start.sh wraps php -S in `timeout`), should we ever fail to stop it


def missing() -> str | None:
    """Why FreshRSS cannot run here (which of ../shared, its tarball, php, curl is missing), or None."""
    if not SHARED.is_dir():
        return f"the sync tests need ../shared (absent: {SHARED})"
    if not (FRESHRSS_DIR / "start.sh").is_file():
        return f"the sync tests need ../shared/servers/freshrss/start.sh (absent: {FRESHRSS_DIR})"
    if not list(FRESHRSS_DIR.glob("freshrss-*.tar.gz")):
        return f"the sync tests need the FreshRSS tarball in {FRESHRSS_DIR} (none found)"
    for tool, hint in (("php", "apt-get install php-cli php-sqlite3 php-xml php-mbstring ..."), ("curl", "")):
        if shutil.which(tool) is None:
            return f"the sync tests need {tool} on PATH (not found{': ' + hint if hint else ''})"
    return None


# -- the feeds FreshRSS subscribes to ---------------------------------------------------------------------------


@dataclass
class Story:
    guid: str
    title: str
    author: str
    summary: str
    published: float  # epoch seconds


@dataclass
class Feed:
    title: str
    stories: list[Story] = field(default_factory=list)

    def rss(self, base: str, path: str) -> bytes:
        items = []
        for s in self.stories:
            items.append(
                f"<item><title>{s.title}</title><link>{base}/stories/{s.guid}.html</link>"
                f'<guid isPermaLink="false">{s.guid}</guid><dc:creator>{s.author}</dc:creator>'
                f"<pubDate>{email.utils.formatdate(s.published, usegmt=True)}</pubDate>"
                f"<description><![CDATA[<p>{s.summary}</p>]]></description></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
            f"<title>{self.title}</title><link>{base}/{path.removesuffix('.xml')}/</link>"
            f"<description>{self.title} for the sync tests</description>{''.join(items)}</channel></rss>"
        ).encode()


def _stories(prefix: str, name: str, n: int) -> list[Story]:
    now = time.time()
    return [
        Story(
            f"{prefix}-{i}",
            f"{name} story {i}",
            f"{name} Writer",
            f"The {name.lower()} story number {i}.",
            now - 3600 * (i + 1),
        )
        for i in range(n)
    ]


def default_feeds() -> dict[str, Feed]:
    return {
        "tech.xml": Feed("Tech Feed", _stories("tech", "Tech", 4)),
        "world.xml": Feed("World Feed", _stories("world", "World", 3)),
        "extra.xml": Feed("Extra Feed", _stories("extra", "Extra", 2)),  # not subscribed at start
    }


class FeedServer:
    """Serves `feeds` (path -> Feed, changeable while it runs) on 127.0.0.1; counts requests per path."""

    def __init__(self, feeds: dict[str, Feed]) -> None:
        self.feeds = feeds
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.lstrip("/").split("?")[0]
                with outer._lock:
                    outer.hits[path] = outer.hits.get(path, 0) + 1
                    feed = outer.feeds.get(path)
                    body = feed.rss(outer.base, path) if feed else b"not here"
                self.send_response(200 if feed else 404)
                self.send_header("Content-Type", "application/rss+xml" if feed else "text/plain")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"{self.base}/{path}"

    def add(self, path: str, story: Story) -> None:
        with self._lock:
            self.feeds[path].stories.insert(0, story)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


# -- FreshRSS itself ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _read_env(path: Path) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            parts = shlex.split(value)
            env[key] = parts[0] if parts else ""
    return env


class FreshRSS:
    """One FreshRSS started by `start.sh` in `workdir`; `stop()` (always call it) stops it by its PID."""

    def __init__(self, workdir: Path, feed_urls: list[str]) -> None:
        self.workdir = workdir
        self.src = workdir / "src"
        self.state = workdir / "state"
        self.src.mkdir(parents=True)
        tarball = sorted(FRESHRSS_DIR.glob("freshrss-*.tar.gz"))[-1]
        t0 = time.monotonic()
        with tarfile.open(tarball) as tar:
            tar.extractall(self.src, filter="data")
        self.extract_seconds = time.monotonic() - t0
        self.pid: int | None = None
        self.port = free_port()
        env = {
            **os.environ,
            "FRESHRSS_STATE_DIR": str(self.state),
            "FRESHRSS_FEEDS": " ".join(feed_urls),
            "FRESHRSS_MAX_SECONDS": str(MAX_SECONDS),
        }
        t0 = time.monotonic()
        done = subprocess.run(
            ["bash", str(FRESHRSS_DIR / "start.sh"), str(self.src), str(self.port)],
            env=env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        self.start_seconds = time.monotonic() - t0
        pidfile = self.state / "server.pid"
        if pidfile.is_file():
            self.pid = int(pidfile.read_text().strip())
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"FreshRSS start.sh failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
        self.env = _read_env(self.state / "env")
        self.base = done.stdout.strip()
        self.greader_url = self.env["FRESHRSS_GREADER_URL"]
        self.fever_url = self.env["FRESHRSS_FEVER_URL"]
        self.user = self.env["FRESHRSS_USER"]
        self.api_password = self.env["FRESHRSS_API_PASSWORD"]
        self.start_log = done.stderr

    def refresh(self) -> str:
        """Make FreshRSS fetch every feed now; returns its one-line report."""
        done = subprocess.run(
            [str(self.state / "refresh.sh")],
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        if done.returncode not in (0, 1):  # 1: no feed had anything new (start.sh's own reading)
            raise RuntimeError(f"FreshRSS refresh.sh failed (exit {done.returncode}): {done.stdout}{done.stderr}")
        return done.stdout.strip()

    def running(self) -> bool:
        if self.pid is None:
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def stop(self) -> None:
        """stop.sh, then make sure: the PID start.sh started (the `timeout` wrapper of php -S) must be gone."""
        if self.pid is None:
            return
        subprocess.run(
            ["bash", str(FRESHRSS_DIR / "stop.sh"), str(self.state)],
            capture_output=True,
            timeout=30,
            check=False,
            stdin=subprocess.DEVNULL,
        )
        for _ in range(50):
            if not self.running():
                break
            time.sleep(0.1)
        else:
            os.killpg(self.pid, signal.SIGKILL)  # `timeout` leads its own process group: php -S and its workers
        self.pid = None


@contextmanager
def running(workdir: Path) -> Iterator[tuple[FreshRSS, FeedServer]]:
    """A FreshRSS with the default feeds (served from a loopback feed server), both stopped at the end.

    Skips with the reason where PHP or ../shared is missing; fails instead where REQUIRE_ENV is set (CI)."""
    import pytest

    reason = missing()
    if reason:
        if os.environ.get(REQUIRE_ENV):
            pytest.fail(f"{reason} ({REQUIRE_ENV} is set: FreshRSS must run here)")
        pytest.skip(reason)
    feeds = FeedServer(default_feeds())
    try:
        fr = FreshRSS(workdir, [feeds.url("tech.xml"), feeds.url("world.xml")])
        try:
            yield fr, feeds
        finally:
            fr.stop()
            assert not fr.running(), "FreshRSS outlived stop()"
    finally:
        feeds.stop()
