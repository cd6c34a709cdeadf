"""A loopback feed server for benchmarks: strong ETag/Last-Modified with 304, optional latency, a bounded lifetime.

127.0.0.1 only. In-process: `with FeedServer(directory, latency_ms=50) as s: s.base` (it serves from a thread and
stops at the end of the block, or after `max_seconds`, whichever comes first); `s.counts()` tells how many 200s and
304s it sent, so a "warm" measurement can show that every feed really answered 304. As a program:
`python -m bench.server DIR --latency-ms 50 --max-seconds 600` prints its port and serves until then.
"""

from __future__ import annotations

import argparse
import collections
import email.utils
import hashlib
import http.server
import threading
import time
from pathlib import Path

# Every file is served as last modified an hour before the server started.
_AGE = 3600


class Stats:
    """Status codes sent, by code (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter[int] = collections.Counter()

    def add(self, status: int) -> None:
        with self._lock:
            self._counts[status] += 1

    def take(self) -> dict[int, int]:
        """The counts since the last take (and start afresh)."""
        with self._lock:
            counts, self._counts = dict(self._counts), collections.Counter()
        return counts


def etag_matches(header: str, etag: str) -> bool:
    """If-None-Match: `*` or a list of tags (weak comparison, as RFC 9110 asks for GET)."""
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def not_modified_since(header: str, modified: float) -> bool:
    try:
        since = email.utils.parsedate_to_datetime(header).timestamp()
    except (TypeError, ValueError, IndexError):
        return False
    return int(modified) <= since


def make_handler(
    root: Path, latency: float, stats: Stats, story_page: bytes | None = None
) -> type[http.server.BaseHTTPRequestHandler]:
    cache: dict[str, tuple[bytes, str]] = {}
    modified = time.time() - _AGE
    modified_header = email.utils.formatdate(modified, usegmt=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            path = self.path.split("?")[0].lstrip("/")
            if story_page is not None and path.startswith("story/"):
                self._send(200, story_page, content_type="text/html; charset=utf-8")  # every story's page
                return
            if path not in cache:
                file = (root / path).resolve()
                if root not in file.parents or not file.is_file():
                    self._send(404, b"not found")
                    return
                body = file.read_bytes()
                cache[path] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
            body, etag = cache[path]
            if self._fresh(etag):
                self._send(304, b"", etag)
                return
            self._send(200, body, etag)

        def _fresh(self, etag: str) -> bool:
            # If-None-Match wins over If-Modified-Since when both are sent (RFC 9110 13.2.2).
            if (tags := self.headers.get("If-None-Match")) is not None:
                return etag_matches(tags, etag)
            if (since := self.headers.get("If-Modified-Since")) is not None:
                return not_modified_since(since, modified)
            return False

        def _send(self, status: int, body: bytes, etag: str = "", content_type: str = "") -> None:
            stats.add(status)
            self.send_response(status)
            self.send_header("Content-Type", content_type or ("application/xml" if status != 404 else "text/plain"))
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified_header)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


class FeedServer:
    """Serves `root` on 127.0.0.1 from a thread; a context manager. Stops by itself after `max_seconds`."""

    def __init__(
        self,
        root: Path,
        latency_ms: float = 0,
        port: int = 0,
        max_seconds: float = 3600,
        story_page: bytes | None = None,  # served for every /story/... path (else they are 404s)
    ) -> None:
        self.stats = Stats()
        handler = make_handler(root.resolve(), latency_ms / 1000, self.stats, story_page)
        self._server = _Server(("127.0.0.1", port), handler)
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._deadline = threading.Timer(max_seconds, self._server.shutdown)
        self._deadline.daemon = True

    def counts(self) -> dict[int, int]:
        """Status codes sent since the last call."""
        return self.stats.take()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the server stops (at max_seconds) or `timeout` passes; True if it has stopped."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def start(self) -> FeedServer:
        self._thread.start()
        self._deadline.start()
        return self

    def stop(self) -> None:
        self._deadline.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> FeedServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--port", type=int, default=0, help="0: any free port (printed on stdout)")
    ap.add_argument("--latency-ms", type=float, default=0, help="sleep this long before answering each request")
    ap.add_argument("--max-seconds", type=float, default=600, help="shut down after this long")
    args = ap.parse_args()
    with FeedServer(args.directory, args.latency_ms, args.port, args.max_seconds) as server:
        print(server.port, flush=True)
        server.wait()


if __name__ == "__main__":
    main()
