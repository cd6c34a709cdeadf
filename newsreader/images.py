"""A story's pictures, fetched, checked, decoded, scaled down and kept for offline reading.

Images come from the network, so each one is untrusted: it is fetched with the same fetcher and limits as pages
(size cap counted after decompression, deadline, redirects checked, http(s) only), taken only when its bytes are a
PNG, JPEG, GIF (first frame) or WebP (never SVG, whatever the Content-Type says), decoded by Pillow under a pixel
limit (a decompression bomb is an error, not a hang or a memory blow-up), scaled down, and kept as a PNG in a
bounded cache on disk: least recently read go first.

Decoding is CPU work: callers run `prepare` in a worker, never on the event loop.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsreader.fetch import Fetcher

log = logging.getLogger(__name__)

ACCEPT_IMAGE = "image/png, image/jpeg, image/gif, image/webp;q=0.9, */*;q=0.1"
MAX_PIXELS = 40_000_000  # decoded: ~160 MB as RGBA at most; anything larger is refused unread
MAX_WIDTH = 1600  # kept at most this wide (a terminal cell is ~10 px: 160 columns)
MAX_HEIGHT = 2400
CACHE_BYTES = 200 * 1024 * 1024

# The formats the reader shows, by their first bytes (a server's Content-Type is not trusted).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
)


class ImageError(Exception):
    """An image that cannot be shown, with a reason fit for its placeholder ("not an image (HTML)", ...)."""


def sniff(data: bytes) -> str | None:
    """'png', 'jpeg', 'gif' or 'webp' from the bytes themselves; None for anything else (SVG, HTML, junk)."""
    for magic, kind in _MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _what(data: bytes) -> str:
    head = data[:256].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        return "an SVG drawing (never rendered: it can carry scripts)"
    if head.startswith((b"<!doctype", b"<html")):
        return "a web page, not an image"
    return "not a PNG, JPEG, GIF or WebP image" if data else "an empty response"


@dataclass(frozen=True, slots=True)
class Prepared:
    """A picture ready to show: PNG bytes, at most MAX_WIDTH x MAX_HEIGHT, and its size."""

    png: bytes
    width: int
    height: int


def prepare(data: bytes, *, max_pixels: int = MAX_PIXELS, max_width: int = MAX_WIDTH) -> Prepared:
    """Image bytes -> a scaled-down PNG. Raises ImageError with a reason; never anything else for bad input."""
    kind = sniff(data)
    if kind is None:
        raise ImageError(_what(data))
    from PIL import Image, UnidentifiedImageError  # loaded with the first picture, never at start-up

    try:
        with warnings.catch_warnings():
            # Pillow warns of a possible bomb past its own limit; the size check below refuses those itself.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data), formats=[kind.upper()])
        with img:
            width, height = img.size
            if width <= 0 or height <= 0:
                raise ImageError("an image with no pixels")
            if width * height > max_pixels:
                # Checked before anything is decoded: a few KB can declare 100,000 x 100,000 pixels.
                raise ImageError(f"too large to decode ({width:,} x {height:,} pixels)")
            img.seek(0)  # a GIF's (or animated WebP's) first frame
            img.draft("RGB", (max_width, MAX_HEIGHT))  # JPEG: decode at a reduced scale when it can
            frame = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    except ImageError:
        raise
    except Image.DecompressionBombError as exc:  # past twice Pillow's limit: refused by Pillow itself, unread
        raise ImageError(f"too large to decode (a decompression bomb: {exc})") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        # Pillow's answers to truncated or corrupt files; the message says which part was wrong.
        raise ImageError(f"a damaged {kind.upper()} ({exc})") from exc
    frame.thumbnail((max_width, MAX_HEIGHT))
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=False)
    return Prepared(out.getvalue(), frame.width, frame.height)


class ImageCache:
    """Prepared pictures on disk by URL, in a size budget: the least recently read go first.

    One file per picture (`<sha256 of the URL>.png`), written whole to a temporary name and renamed, so a
    reader never sees half a file and two processes can share the folder. Reading a picture marks it used.
    """

    def __init__(self, folder: Path, max_bytes: int = CACHE_BYTES, keep: frozenset[str] = frozenset()) -> None:
        self.folder = folder
        self.max_bytes = max_bytes
        self.keep = frozenset(self.path(url).name for url in keep)  # starred stories' pictures: never pruned

    def path(self, url: str) -> Path:
        return self.folder / (hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest() + ".png")

    def get(self, url: str) -> bytes | None:
        path = self.path(url)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        now = time.time()
        try:
            os.utime(path, (now, now))  # recently read: kept longest
        except OSError as exc:  # read-only cache: the picture still shows, it just ages as if unread
            log.warning("could not mark %s used: %s", path, exc)
        return data

    def put(self, url: str, png: bytes) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.path(url)
        fd, name = tempfile.mkstemp(dir=self.folder, prefix=path.stem[:16], suffix=".tmp")  # one per writer
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(png)
            os.replace(name, path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        self.prune()
        return path

    def prune(self) -> int:
        """Delete the least recently read pictures until the cache fits its budget; returns how many went."""
        try:
            files = [(f.stat(), f) for f in self.folder.glob("*.png")]
        except FileNotFoundError:
            return 0
        total = sum(st.st_size for st, _ in files)
        removed = 0
        for st, f in sorted(files, key=lambda pair: pair[0].st_mtime):
            if total <= self.max_bytes:
                break
            if f.name in self.keep:
                continue
            try:
                f.unlink()
            except FileNotFoundError:
                continue  # another process pruned it first
            total -= st.st_size
            removed += 1
        return removed

    def size(self) -> int:
        return sum(f.stat().st_size for f in self.folder.glob("*.png")) if self.folder.is_dir() else 0


async def fetch_image(fetcher: Fetcher, cache: ImageCache, url: str) -> bytes:
    """A picture for offline reading: from the cache, else fetched (the fetcher's limits), prepared in a worker
    thread and kept. Raises ImageError with the reason a placeholder shows; nothing else for bad input."""
    import asyncio

    from newsreader import safe
    from newsreader.fetch import FetchError

    loop = asyncio.get_running_loop()
    cached = await loop.run_in_executor(None, cache.get, url)
    if cached is not None:
        return cached
    if safe.openable(url) is None:
        raise ImageError("not an http(s) address")
    try:
        resp = await fetcher.get(url, accept=ACCEPT_IMAGE)
    except FetchError as exc:
        raise ImageError(str(exc)) from exc
    if resp.status >= 400 or not resp.content:
        raise ImageError(f"the server answered {resp.status}" if resp.status >= 400 else "an empty response")
    prepared = await loop.run_in_executor(None, prepare, resp.content)
    await loop.run_in_executor(None, cache.put, url, prepared.png)
    return prepared.png
