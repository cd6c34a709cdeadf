"""fetch.py on its own: Retry-After, validators, per-host concurrency, conditional GET, caps, redirects."""

from __future__ import annotations

import asyncio
import gzip
import http.server
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from newsreader.config import NetworkConfig
from newsreader.fetch import MAX_BACKOFF, Fetcher, FetchError, Response, retry_after
from tests.site_server import serving

NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "delay"),
    [
        ("120", timedelta(seconds=120)),
        (" 30 ", timedelta(seconds=30)),
        ("0", timedelta(seconds=1)),  # never zero: no hot loop
        ("Mon, 10 Nov 2025 13:00:00 GMT", timedelta(hours=1)),
        ("Mon, 10 Nov 2025 11:00:00 GMT", timedelta(seconds=1)),  # in the past
        ("99999999999999999999999999", MAX_BACKOFF),  # overflowed a timedelta before
        ("Fri, 31 Dec 9999 23:59:59 GMT", MAX_BACKOFF),
        ("²", timedelta(minutes=15)),  # isdigit() but not int()
        ("-5", timedelta(minutes=15)),
        ("soon", timedelta(minutes=15)),
        (None, timedelta(minutes=15)),
    ],
)
def test_retry_after(header: str | None, delay: timedelta) -> None:
    assert retry_after(header, NOW) == NOW + delay


def body(content: bytes, headers: object = None) -> httpx.Response:
    """A response whose body is streamed, as from a server (content= would hand it over already read)."""
    return httpx.Response(200, headers=headers, stream=httpx.ByteStream(content))  # type: ignore[arg-type]


def run(cfg: NetworkConfig, handler: httpx.MockTransport, url: str, **kw: str) -> Response:
    async def go() -> Response:
        async with Fetcher(cfg, transport=handler) as f:
            return await f.get(url, **kw)

    return asyncio.run(go())


def test_validators_are_sent_and_304_is_not_modified() -> None:
    seen: list[httpx.Headers] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return httpx.Response(304, headers={"ETag": '"v2"', "Last-Modified": "Mon, 10 Nov 2025 10:00:00 GMT"})

    resp = run(NetworkConfig(), httpx.MockTransport(reply), "http://x.test/f", etag='"v1"', last_modified="Sun, 09 Nov")
    assert resp.not_modified and resp.content == b"" and resp.etag == '"v2"'
    assert seen[0]["if-none-match"] == '"v1"' and seen[0]["if-modified-since"] == "Sun, 09 Nov"


def test_unsendable_validators_are_neither_sent_nor_returned() -> None:
    seen: list[httpx.Headers] = []

    def reply(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers)
        return body(b"x", [(b"ETag", b'"caf\xe9"'), (b"Last-Modified", b"x" * 5000)])

    resp = run(NetworkConfig(), httpx.MockTransport(reply), "http://x.test/f", etag='"café"', last_modified="a\x00b")
    assert "if-none-match" not in seen[0] and "if-modified-since" not in seen[0]
    assert (resp.etag, resp.last_modified) == ("", "")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("file:///etc/passwd", "refused to fetch a URL whose scheme is file (only http and https)"),
        ("javascript:alert(1)", "refused to fetch a URL whose scheme is javascript (only http and https)"),
        ("ftp://x.test/", "refused to fetch a URL whose scheme is ftp (only http and https)"),
        ("/relative", "refused to fetch a URL with no scheme (only http and https)"),
    ],
)
def test_only_http_and_https(url: str, message: str) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        raise AssertionError("nothing may be requested")

    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(NetworkConfig(), httpx.MockTransport(reply), url)


def test_redirects_relative_followed_and_to_data_refused() -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/a":
            return httpx.Response(301, headers={"Location": "/b"})
        if request.url.path == "/b":
            return body(b"landed")
        return httpx.Response(302, headers={"Location": "data:text/html,hi"})

    assert run(NetworkConfig(), httpx.MockTransport(reply), "http://x.test/a").content == b"landed"
    assert run(NetworkConfig(), httpx.MockTransport(reply), "http://x.test/a").url == "http://x.test/b"
    with pytest.raises(FetchError, match="refused a redirect to"):
        run(NetworkConfig(), httpx.MockTransport(reply), "http://x.test/c")


def test_the_cap_counts_decompressed_bytes() -> None:
    packed = gzip.compress(b"a" * 5000)

    def reply(request: httpx.Request) -> httpx.Response:
        return body(packed, {"Content-Encoding": "gzip"})

    assert run(NetworkConfig(max_bytes=5000), httpx.MockTransport(reply), "http://x.test/").content == b"a" * 5000
    with pytest.raises(FetchError, match=r"too large \(over the 4,999 bytes limit"):
        run(NetworkConfig(max_bytes=4999), httpx.MockTransport(reply), "http://x.test/")


class Counting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    lock = threading.Lock()
    now = 0
    peak = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        cls = type(self)
        with cls.lock:
            cls.now += 1
            cls.peak = max(cls.peak, cls.now)
        time.sleep(0.15)
        with cls.lock:
            cls.now -= 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@pytest.fixture
def counting() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Counting)
    server.daemon_threads = True
    with serving(server) as base:
        yield base


def test_per_host_concurrency_is_bounded(counting: str) -> None:
    Counting.peak = 0
    cfg = NetworkConfig(timeout=5, deadline=10, per_host=2, concurrency=16)

    async def go() -> list[Response]:
        async with Fetcher(cfg) as f:
            return await asyncio.gather(*(f.get(f"{counting}/{i}") for i in range(8)))

    started = time.monotonic()
    assert [r.content for r in asyncio.run(go())] == [b"ok"] * 8
    assert Counting.peak == 2 and time.monotonic() - started >= 4 * 0.15


def test_connection_refused_is_a_clear_error() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the fetch: nothing listens there

    async def go() -> Response:
        async with Fetcher(NetworkConfig(timeout=2, deadline=3)) as f:
            return await f.get(f"http://127.0.0.1:{port}/")

    with pytest.raises(FetchError, match="could not connect"):
        asyncio.run(go())
