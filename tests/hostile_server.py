"""A loopback HTTP server that misbehaves on purpose, one behaviour per path. 127.0.0.1 only; every loop bounded."""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import http.server
import json
import socket
import struct
import tempfile
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import brotli

MAX_SECONDS = 15  # no behaviour runs longer than this, whatever the client does


def rss(*items: str, title: str = "Feed") -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>{"".join(items)}</channel></rss>'.encode()


def item(title: str, link: str = "", guid: str = "", extra: str = "") -> str:
    parts = [f"<title>{title}</title>"]
    if link:
        parts.append(f"<link>{link}</link>")
    if guid:
        parts.append(f"<guid>{guid}</guid>")
    return f"<item>{''.join(parts)}{extra}</item>"


GOOD = rss(*(item(f"Good story {i}", f"http://good.test/{i}", f"good-{i}") for i in range(3)), title="Good")
GOOD_ATOM = (
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Good Atom</title>'
    b'<entry><title>Atom one</title><id>urn:a:1</id><link href="http://good.test/a1"/></entry>'
    b'<entry><title>Atom two</title><id>urn:a:2</id><link href="http://good.test/a2"/></entry></feed>'
)
LOL = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><rss version="2.0"><channel><title>x</title>'
    b"<item><title>&lol3;</title></item></channel></rss>"
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0"><channel>'
    b"<title>x</title><item><title>leak &x;</title><link>http://x.test/1</link></item></channel></rss>"
)
CONTROLS = rss(
    item("Clip \x1b]52;c;ZXZpbA==\x07board", "http://evil.test/1", "c1"),
    item("Title \x1b]2;pwned\x07 bar \x1b[31mred\x1b[0m \x9b31m", "http://evil.test/2", "c2"),
    title="Evil \x1b]0;title\x07 feed",
)
MARKUP = rss(item("[bold]x[/] [link=file:///etc/passwd]y[/link] [/]", "http://evil.test/m", "m1"))
BIDI = rss(item("Invoice \u202egpj.exe\u202c \u2066isolated\u2069 \u200bzero", "http://evil.test/b", "b1"))
SHELL = rss(
    item("$(touch /tmp/newsreader-pwned) `id` ; rm -rf ~", "http://evil.test/a;touch%20/tmp/newsreader-pwned-too", "s1")
)
MALFORMED = (
    b'<rss version="2.0"><channel><title>Broken</title><item><title>Survivor</title><link>http://x.test/1</link>'
    b"<guid>s1</guid></item><item><title>Half <b>done</title><link>http://x.test/2</link><guid>s2</guid></item>"
)
LATIN1 = '<?xml version="1.0" encoding="iso-8859-1"?><rss version="2.0"><channel><title>Latin</title><item><title>Café crème</title><guid>l1</guid></item></channel></rss>'.encode(
    "latin-1"
)
CP1251_LYING = (
    '<?xml version="1.0" encoding="windows-1251"?><rss version="2.0"><channel><title>Новости</title>'
    "<item><title>Привет</title><guid>r1</guid></item></channel></rss>"
).encode("cp1251")
DUPES = rss(
    item("One", "http://x.test/1", "dupe"),
    item("Two", "http://x.test/2", "dupe"),
    item("Three", "http://x.test/3", "other"),
)
NO_GUIDS = rss(item("Linked", "http://x.test/linked"), item("Bare title only"))
DATES = rss(
    item("Ancient", "http://x.test/old", "d1", "<pubDate>Mon, 01 Jan 1900 00:00:00 GMT</pubDate>"),
    item("Future", "http://x.test/future", "d2", "<pubDate>Sat, 01 Jan 2750 00:00:00 GMT</pubDate>"),
    item("Garbage", "http://x.test/garbage", "d3", "<pubDate>yesterday-ish</pubDate>"),
)
RELATIVE = rss(item("Relative", "/stories/relative.html", "r1"))
# A feed on this machine that a body naming it must never make us read (feedparser opens bytes as a file name).
LOCAL_FEED = Path(tempfile.mkdtemp(prefix="newsreader-hostile-")) / "local-secret.xml"
LOCAL_FEED.write_bytes(rss(item("LOCAL SECRET", "http://local.test/secret", "secret"), title="Local secret"))
PAD = b"<!-- " + b"p" * 70_000 + b" -->"
LOL_PADDED = b'<?xml version="1.0"?>' + PAD + LOL[len(b'<?xml version="1.0"?>') :]
XXE_UTF16 = ('<?xml version="1.0" encoding="utf-16"?>' + XXE.decode()[len('<?xml version="1.0"?>') :]).encode("utf-16")
SURROGATE_JSON = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Surrogates",
        "items": [{"id": "s1", "title": "Lone \ud800 surrogate", "url": "http://x.test/s1"}],
    }
).encode()
SURROGATE_REF = rss(item("Ref &#55296; here", "http://x.test/r", "sr1"), item("Fine", "http://x.test/f", "sr2"))
AMPERSANDS = rss(item("&amp;" * 150_000, "http://x.test/amp", "amp1"), item("After", "http://x.test/after", "amp2"))
NESTED = rss(item("Deep", "http://x.test/deep", "deep1")).replace(b"</channel>", b"<item><title>" + b"<a>" * 250_000)
BIG = rss(*(item(f"Item {i}", f"http://big.test/{i}", f"big-{i}") for i in range(100_000)), title="Big")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    routes: dict[str, Callable[[Handler], None]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        route = self.routes.get(self.path.split("?")[0])
        if route is None:
            self.reply(404, b"not here")
            return
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # clients giving up is the point
            route(self)

    def reply(
        self, status: int, body: bytes = b"", ctype: str = "application/rss+xml", headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


def route(path: str) -> Callable[[Callable[[Handler], None]], Callable[[Handler], None]]:
    def register(fn: Callable[[Handler], None]) -> Callable[[Handler], None]:
        Handler.routes[path] = fn
        return fn

    return register


def static(path: str, body: bytes, ctype: str = "application/rss+xml", status: int = 200, **headers: str) -> None:
    Handler.routes[path] = lambda h: h.reply(status, body, ctype, {k.replace("_", "-"): v for k, v in headers.items()})


static("/good.xml", GOOD)
static("/good-atom.xml", GOOD_ATOM, "application/atom+xml")
static("/lol.xml", LOL)
static("/xxe.xml", XXE)
static("/controls.xml", CONTROLS)
static("/markup.xml", MARKUP)
static("/bidi.xml", BIDI)
static("/shell.xml", SHELL)
static("/malformed.xml", MALFORMED)
static("/latin1.xml", LATIN1, "text/xml")
static("/lying-charset.xml", CP1251_LYING, "application/rss+xml; charset=utf-8")
static("/dupes.xml", DUPES)
static("/no-guids.xml", NO_GUIDS)
static("/dates.xml", DATES)
static("/relative.xml", RELATIVE)
static("/big.xml", BIG)
static("/empty.xml", b"")
static("/html.xml", b"<!DOCTYPE html><html><head><title>Home</title></head><body>Hi</body></html>", "text/html")
static("/json.xml", b'{"error": "this API returns JSON", "items": []}', "application/json")
static(
    "/jsonfeed.json",
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "JSON Feed", "items": [{"id": "j1", "title": "From a JSON Feed", "url": "http://x.test/j1"}]}',
    "application/feed+json",
)
static("/404.xml", b"gone", "text/plain", 404)
static("/500.xml", b"boom", "text/plain", 500)
static("/429.xml", b"slow down", "text/plain", 429, Retry_After="120")
static("/503.xml", b"later", "text/plain", 503, Retry_After="DATE")  # DATE: replaced at start
static("/loop-a.xml", b"", "text/plain", 302, Location="/loop-b.xml")
static("/loop-b.xml", b"", "text/plain", 302, Location="/loop-a.xml")
static("/to-file.xml", b"", "text/plain", 301, Location="file:///etc/passwd")
static("/to-javascript.xml", b"", "text/plain", 302, Location="javascript:alert(1)")
static("/gzip-bomb.xml", gzip.compress(b"<" * (40 * 1024 * 1024)), Content_Encoding="gzip")
static("/deflate-bomb.xml", zlib.compress(b" " * (40 * 1024 * 1024)), Content_Encoding="deflate")
static("/br.xml", b"\x1b\x03\x00", Content_Encoding="br")
static("/brotli-bomb.xml", brotli.compress(b"<" * (40 * 1024 * 1024), quality=5), Content_Encoding="br")
static("/gzip-gzip.xml", gzip.compress(gzip.compress(GOOD)), Content_Encoding="gzip, gzip")
static("/gzip-good.xml", gzip.compress(GOOD), Content_Encoding="gzip")
static("/raw-deflate.xml", zlib.compress(GOOD)[2:-4], Content_Encoding="deflate")
static("/local-file.xml", str(LOCAL_FEED).encode())
static("/dev-zero.xml", b"/dev/zero")
static("/lol-padded.xml", LOL_PADDED)
static("/xxe-utf16.xml", XXE_UTF16)
static("/surrogate.json", SURROGATE_JSON, "application/feed+json")
static("/surrogate-ref.xml", SURROGATE_REF)
static("/ampersands.xml", AMPERSANDS)
static("/nested.xml", NESTED)
static("/less-than.xml", b"<" * (1024 * 1024))
static("/no-location.xml", b"", "text/plain", 302)
static("/retry-huge.xml", b"", "text/plain", 429, Retry_After="99999999999999999999999")
static("/retry-garbage.xml", b"", "text/plain", 503, Retry_After="soon\u00b2")
static("/bad-etag.xml", rss(item("Odd validator", "http://x.test/odd", "odd1")), ETag='"caf\u00e9"')


@route("/chain")
def chain(h: Handler) -> None:
    h.reply(302, b"", "text/plain", {"Location": "/chain?" + str(time.monotonic_ns())})


@route("/etag.xml")
def etag(h: Handler) -> None:
    if h.headers.get("If-None-Match") == '"v1"':
        h.send_response(304)
        h.send_header("ETag", '"v1"')
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    h.reply(200, rss(item("Tagged", "http://x.test/tagged", "t1")), headers={"ETag": '"v1"'})


@route("/declared-huge.xml")
def declared_huge(h: Handler) -> None:
    """Declares 5 GiB; must be refused on the header alone."""
    h.send_response(200)
    h.send_header("Content-Length", str(5 * 1024**3))
    h.end_headers()
    h.close_connection = True


@route("/silent.xml")
def silent(h: Handler) -> None:
    """Accepts the request and never answers."""
    time.sleep(min(MAX_SECONDS, 4))
    h.close_connection = True


@route("/endless-headers.xml")
def endless_headers(h: Handler) -> None:
    h.send_response(200)
    start = time.monotonic()
    for n in range(200_000):
        if time.monotonic() - start > MAX_SECONDS:
            break
        h.send_header(f"X-Junk-{n}", "x" * 100)
        h.flush_headers()
    h.close_connection = True


@route("/drip.xml")
def drip(h: Handler) -> None:
    """One byte at a time, never slow enough for the read timeout, never done before the deadline."""
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", "100000")
    h.end_headers()
    start = time.monotonic()
    while time.monotonic() - start < MAX_SECONDS:
        h.wfile.write(b" ")
        h.wfile.flush()
        time.sleep(0.2)


@route("/stall.xml")
def stall(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "500")
    h.end_headers()
    h.wfile.flush()
    time.sleep(min(MAX_SECONDS, 5))


@route("/endless.xml")
def endless(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.end_headers()  # no length: the body ends when the connection does
    h.close_connection = True
    chunk = b"<item><title>more</title></item>" * 2000
    start = time.monotonic()
    sent = 0
    while time.monotonic() - start < MAX_SECONDS and sent < 200 * 1024 * 1024:
        h.wfile.write(chunk)
        sent += len(chunk)


@route("/reset.xml")
def reset(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "100000")
    h.end_headers()
    h.wfile.write(GOOD[:200])
    h.wfile.flush()
    # SO_LINGER 0: close with a TCP reset, as a crashed server or a middlebox does.
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.close_connection = True


@route("/short.xml")
def short(h: Handler) -> None:
    h.send_response(200)
    h.send_header("Content-Length", "5000")
    h.end_headers()
    h.wfile.write(GOOD[:100])
    h.wfile.flush()
    h.close_connection = True


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # every hostile source is fetched at once

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hanging up on a misbehaving route is expected here


class HostileServer:
    def __init__(self) -> None:
        when = email.utils.format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
        static("/503.xml", b"later", "text/plain", 503, Retry_After=when)
        self._server = _Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return self.base + path

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
