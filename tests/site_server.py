"""A copy of a fixture site served on 127.0.0.1, with its absolute base URL rewritten to the server's."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
KZ_SITE = FIXTURES / "kz-news-site"
# The site's four story pages are the demo's, kept once, as package data; the site serves them under news/.
KZ_PAGES = Path(str(resources.files("newsreader").joinpath("demo", "pages")))
KZ_BASE = "http://news.example"


@contextmanager
def serving(server: http.server.HTTPServer) -> Iterator[str]:
    """Serve `server` (bound to 127.0.0.1) from a thread; yields its base URL; stopped and joined at the end."""
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


class SiteServer:
    """Serves `root` (copied to `workdir`) until stop(); use as a context manager."""

    def __init__(self, root: Path, workdir: Path, old_base: str = KZ_BASE) -> None:
        self.dir = workdir / "site"
        shutil.copytree(root, self.dir)
        if root == KZ_SITE:
            shutil.copytree(KZ_PAGES, self.dir / "news")
        handler = functools.partial(_Quiet, directory=str(self.dir))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        for f in self.dir.rglob("*"):
            if f.suffix in (".html", ".xml"):
                f.write_text(f.read_text(encoding="utf-8").replace(old_base, self.base), encoding="utf-8")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
