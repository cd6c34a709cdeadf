"""Pictures: hostile images from a loopback server each give a clear reason, memory stays bounded, and what was
fetched is kept on disk in a size budget for offline reading (least recently read go first)."""

from __future__ import annotations

import asyncio
import http.server
import io
import resource
import struct
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from newsreader.config import NetworkConfig
from newsreader.fetch import Fetcher
from newsreader.images import ImageCache, ImageError, fetch_image, prepare, sniff
from tests.site_server import serving


def png(width: int, height: int, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(out, format="JPEG", quality=80)
    return out.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height pixels, and a few bytes of data: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 4096)) + chunk(b"IEND", b"")
    )


def gif_two_frames() -> bytes:
    frames = [Image.new("P", (40, 20), i) for i in (1, 2)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    return out.getvalue()


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
BIG = 50 * 1024 * 1024


class _Images(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[str, bytes]] = {}
    hits: dict[str, int] = {}

    def do_GET(self) -> None:
        self.hits[self.path] = self.hits.get(self.path, 0) + 1
        if self.path == "/big.png":
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(BIG))
            self.end_headers()
            head = png(10, 10)
            self._stream([head, *([b"\0" * 65536] * (BIG // 65536))])
            return
        if self.path == "/endless.jpg":
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            self._stream([b"\xff\xd8\xff"] + [b"\0" * 65536] * 100_000, pause=0.0)
            return
        if self.path not in self.routes:
            self.send_error(404)
            return
        content_type, body = self.routes[self.path]
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _stream(self, parts: list[bytes], pause: float = 0.0) -> None:
        try:
            for part in parts:
                self.wfile.write(part)
                if pause:
                    time.sleep(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the reader stopped reading at its cap: what the test wants

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def images_server() -> Iterator[str]:
    _Images.routes = {
        "/photo.png": ("image/png", png(3200, 1800)),
        "/photo.jpg": ("image/jpeg", jpeg(800, 600)),
        "/anim.gif": ("image/gif", gif_two_frames()),
        "/bomb.png": ("image/png", png_claiming(100_000, 100_000)),
        "/truncated.jpg": ("image/jpeg", jpeg(800, 600)[:700]),
        "/page.png": ("image/png", b"<!DOCTYPE html><html><body>Not found</body></html>"),
        "/drawing.svg": ("image/svg+xml", SVG),
        "/mislabelled.jpg": ("text/html", png(30, 30)),
    }
    _Images.hits = {}
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    server.daemon_threads = True
    with serving(server) as base:
        yield base


def fetch(base: str, path: str, cache: ImageCache) -> bytes:
    async def go() -> bytes:
        async with Fetcher(NetworkConfig(deadline=5.0)) as fetcher:
            return await fetch_image(fetcher, cache, base + path)

    return asyncio.run(go())


def test_a_photo_is_scaled_down_kept_and_read_offline(images_server: str, tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images")
    data = fetch(images_server, "/photo.png", cache)
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.size == (1600, 900)  # 3200x1800 scaled to the width cap, shape kept
    assert cache.get(images_server + "/photo.png") == data
    # Offline: the second read comes from the cache, the server is not asked again.
    assert fetch(images_server, "/photo.png", cache) == data
    assert _Images.hits["/photo.png"] == 1


def test_a_declared_size_over_the_limit_is_refused_before_decoding() -> None:
    with pytest.raises(ImageError, match=r"too large to decode \(9,000 x 9,000 pixels\)"):
        prepare(png_claiming(9_000, 9_000))  # 81 M pixels: over ours (40 M), under twice Pillow's own


def test_jpeg_and_a_gifs_first_frame(images_server: str, tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images")
    with Image.open(io.BytesIO(fetch(images_server, "/photo.jpg", cache))) as img:
        assert img.size == (800, 600)
    with Image.open(io.BytesIO(fetch(images_server, "/anim.gif", cache))) as img:
        assert img.size == (40, 20) and getattr(img, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/bomb.png", "too large to decode"),
        ("/truncated.jpg", "a damaged JPEG"),
        ("/page.png", "a web page, not an image"),
        ("/drawing.svg", "an SVG drawing (never rendered"),
        ("/big.png", "too large (over the 10.0 MiB limit)"),
        ("/endless.jpg", "too large (over the 10.0 MiB limit)"),
        ("/missing.png", "HTTP 404"),
    ],
)
def test_hostile_images_give_a_clear_reason(images_server: str, tmp_path: Path, path: str, reason: str) -> None:
    cache = ImageCache(tmp_path / "images")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    with pytest.raises(ImageError) as caught:
        fetch(images_server, path, cache)
    assert reason in str(caught.value)
    assert time.monotonic() - started < 10
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 100, f"peak RSS grew {grown_mb:.0f} MB"  # bounded: never the declared 40 GB
    assert cache.get(images_server + path) is None  # nothing half-made is kept


def test_the_bytes_decide_not_the_content_type(images_server: str, tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images")
    with Image.open(io.BytesIO(fetch(images_server, "/mislabelled.jpg", cache))) as img:
        assert img.size == (30, 30)
    assert sniff(SVG) is None and sniff(b"RIFF\0\0\0\0WEBPVP8 ") == "webp"


def test_only_http_and_https(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images")
    for url in ("file:///etc/passwd", "data:image/png;base64,iVBORw0KGgo=", "javascript:alert(1)"):

        async def go(url: str = url) -> bytes:
            async with Fetcher(NetworkConfig(deadline=2.0)) as fetcher:
                return await fetch_image(fetcher, cache, url)

        with pytest.raises(ImageError, match="not an http"):
            asyncio.run(go())


def test_the_cache_keeps_its_budget_least_recently_read_going_first(tmp_path: Path) -> None:
    one = prepare(png(300, 300, (255, 0, 0))).png
    cache = ImageCache(tmp_path / "images", max_bytes=3 * len(one) + 100)
    for i in range(3):
        cache.put(f"https://x.example/{i}.png", one)
    past = time.time() - 100
    for i in range(3):  # ages: 0 oldest ... 2 newest, then 0 read again
        import os

        os.utime(cache.path(f"https://x.example/{i}.png"), (past + i, past + i))
    assert cache.get("https://x.example/0.png") == one
    cache.put("https://x.example/3.png", one)  # over budget: the least recently read (1) goes
    assert cache.get("https://x.example/1.png") is None
    assert all(cache.get(f"https://x.example/{i}.png") == one for i in (0, 2, 3))
    assert cache.size() <= cache.max_bytes


def test_concurrent_writers_never_leave_half_a_file(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images")
    data = prepare(png(500, 200)).png

    def write() -> None:
        for _ in range(20):
            cache.put("https://x.example/same.png", data)

    threads = [threading.Thread(target=write) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert cache.get("https://x.example/same.png") == data
    assert not list((tmp_path / "images").glob("*.tmp"))
