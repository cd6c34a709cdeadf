"""A loopback feed server for benchmarks: ETag/Last-Modified with 304, optional latency, a bounded lifetime.

127.0.0.1 only. In-process: `with FeedServer(directory, latency_ms=50) as s: s.base`. As a program:
`python -m bench.server DIR --latency-ms 50 --max-seconds 600` prints its port and serves until then.
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import http.server
import threading
import time
from pathlib import Path


def make_handler(root: Path, latency: float) -> type[http.server.BaseHTTPRequestHandler]:
    cache: dict[str, tuple[bytes, str, str]] = {}
    started = email.utils.formatdate(time.time() - 3600, usegmt=True)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            path = self.path.split("?")[0].lstrip("/")
            if path not in cache:
                file = (root / path).resolve()
                if root not in file.parents or not file.is_file():
                    self._send(404, b"not found")
                    return
                body = file.read_bytes()
                cache[path] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"', started)
            body, etag, modified = cache[path]
            if self.headers.get("If-None-Match") == etag or (
                not self.headers.get("If-None-Match") and self.headers.get("If-Modified-Since") == modified
            ):
                self._send(304, b"", etag, modified)
                return
            self._send(200, body, etag, modified)

        def _send(self, status: int, body: bytes, etag: str = "", modified: str = "") -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
                self.send_header("Last-Modified", modified)
            self.end_headers()
            self.wfile.write(body)

    return Handler


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024


class FeedServer:
    def __init__(self, root: Path, latency_ms: float = 0, port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), make_handler(root.resolve(), latency_ms / 1000))
        self.port = self._server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--latency-ms", type=float, default=0)
    ap.add_argument("--max-seconds", type=float, default=600)
    args = ap.parse_args()
    with FeedServer(args.directory, args.latency_ms, args.port) as server:
        print(server.port, flush=True)
        time.sleep(args.max_seconds)


if __name__ == "__main__":
    main()
