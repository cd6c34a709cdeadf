"""Pictures in the story pane (issue #17), driven with Pilot over a store on disk and images on 127.0.0.1:
hostile pictures become placeholders and the story is still shown, `images = "off"` draws none, photos are read
offline once kept, and textual-image's terminal detection picks Sixel or Kitty when the terminal says so."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.text import Text
from textual.widgets import Markdown, Static

from newsreader.config import Config, ConfigError, NetworkConfig, image_cache_dir, load_config
from newsreader.images import ImageCache
from newsreader.model import Article, Image, Story
from newsreader.render import story_markdown
from newsreader.store import RefreshResult, Store
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.article_view import ArticleView, PictureBlock, fit, picture_class
from tests.test_images import images_server  # noqa: F401  (the fixture: good and hostile pictures)

HOSTILE = {
    "/bomb.png": "too large to decode",
    "/truncated.jpg": "a damaged JPEG",
    "/page.png": "a web page, not an image",  # an HTML page under an image's Content-Type
    "/drawing.svg": "an SVG drawing",
    "/big.png": "too large",
    "/endless.jpg": "too large",
}


def story_with_pictures(store: Store, base: str, paths: list[str], lead: str = "/photo.jpg") -> Story:
    body = "\n\n".join(
        [f"Paragraph before {p}.\n\n![Picture {p}]({base}{p})" for p in paths] + ["The last paragraph stands."]
    )
    source, _ = store.subscribe(
        "http://pictures.test/feed",
        [Story(key="p1", title="A story with pictures", url="http://pictures.test/1")],
        RefreshResult(title="Pictures"),
        title="Pictures",
    )
    assert source.id is not None
    story = store.headlines(source.id)[0]
    assert story.id is not None
    article = Article(url=story.url, title="A story with pictures", image=Image(base + lead, "The lead caption"))
    article.text = body
    store.save_article(story.id, article)
    return story


def app_for(store: Store, images: str = "halfcell", offline: bool = False) -> NewsReaderApp:
    config = Config(network=NetworkConfig(timeout=3, deadline=5), images=images)
    return NewsReaderApp(store, config, offline=offline, clock=lambda: datetime(2025, 11, 10, tzinfo=UTC))


async def open_first(app: NewsReaderApp, pilot: Any) -> ArticleView:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.press("enter")
    for _ in range(8):
        await pilot.pause()
        await app.workers.wait_for_complete()
    return app.screen.query_one(ArticleView)


def notes(view: ArticleView) -> list[str]:
    return [str(s.render()) for s in view.query(".picture-note").results(Static)]


def body_text(view: ArticleView) -> str:
    return "\n".join(m.source for m in view.query(Markdown).results(Markdown))


async def test_hostile_pictures_are_placeholders_and_the_story_is_shown(
    store: Store,
    images_server: str,  # noqa: F811
) -> None:
    story_with_pictures(store, images_server, list(HOSTILE))
    app = app_for(store)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        blocks = list(view.query(PictureBlock))
        assert len(blocks) == 1 + len(HOSTILE)
        assert blocks[0].image is not None and blocks[0].picture.alt == "The lead caption"  # the good lead photo
        shown = notes(view)
        for path, reason in HOSTILE.items():
            assert any(f"[image: Picture {path} — " in n and reason in n for n in shown), (path, shown)
        assert all(b.image is None for b in blocks[1:])
        text = body_text(view)
        assert "The last paragraph stands." in text and "Paragraph before /endless.jpg." in text


async def test_images_off_draws_none_and_lists_the_photo(store: Store, images_server: str) -> None:  # noqa: F811
    story_with_pictures(store, images_server, ["/photo.png"])
    app = app_for(store, images="off")
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        assert not view.query(PictureBlock)
        caption = view.query_one("#article-caption", Static)
        assert "The lead caption" in str(caption.render()) and not caption.has_class("-hidden")
        assert f"[Image: Picture /photo.png]({images_server}/photo.png)" in body_text(view)


async def test_photos_open_offline_once_kept(store: Store, images_server: str, tmp_path: Path) -> None:  # noqa: F811
    story_with_pictures(store, images_server, ["/photo.png", "/anim.gif"])
    app = app_for(store)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        assert all(b.image is not None for b in view.query(PictureBlock))
    # The server goes away (the fixture's server is shut down by URL: point the story at a dead port instead).
    dead = "http://127.0.0.1:9"
    cache = ImageCache(image_cache_dir())
    for path in ("/photo.jpg", "/photo.png", "/anim.gif"):
        kept = cache.get(images_server + path)
        assert kept is not None
        cache.put(dead + path, kept)
    other = Store(tmp_path / "offline.db")
    story_with_pictures(other, dead, ["/photo.png", "/anim.gif"])
    for offline in (False, True):  # the server stopped; and the reader told to stay offline
        app = app_for(other, offline=offline)
        async with app.run_test(size=(120, 36)) as pilot:
            view = await open_first(app, pilot)
            blocks = list(view.query(PictureBlock))
            assert len(blocks) == 3 and all(b.image is not None for b in blocks), notes(view)
            assert "The last paragraph stands." in body_text(view)
    other.close()


async def test_a_picture_not_kept_says_so_offline(store: Store) -> None:
    story_with_pictures(store, "http://127.0.0.1:9", [])
    app = app_for(store, offline=True)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        assert notes(view) == ["[image: The lead caption — not kept for offline reading]"]


async def test_pictures_fit_the_pane_again_when_it_is_resized(store: Store, images_server: str) -> None:  # noqa: F811
    story_with_pictures(store, images_server, [])
    app = app_for(store)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        picture = view.query_one(".picture")
        before = picture.styles.width
        app.screen.maximize(view)
        for _ in range(3):
            await pilot.pause()
        assert picture.styles.width is not None and before is not None
        assert picture.styles.width.value > before.value
        assert picture.styles.height is not None and picture.styles.height.value <= 24


async def test_an_unexpected_failure_of_the_worker_is_said_in_the_placeholders(
    store: Store,
    images_server: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsreader.tui.widgets import article_view

    def broken(_png: bytes, _width: int) -> Any:
        raise RuntimeError("decoder exploded")

    monkeypatch.setattr(article_view, "decode", broken)
    story_with_pictures(store, images_server, ["/photo.png"])
    app = app_for(store)
    async with app.run_test(size=(120, 36)) as pilot:
        view = await open_first(app, pilot)
        assert notes(view) == [
            "[image: The lead caption — could not be loaded (RuntimeError: decoder exploded)]",
            "[image: Picture /photo.png — could not be loaded (RuntimeError: decoder exploded)]",
        ]
        assert "The last paragraph stands." in body_text(view)


def test_fit_keeps_the_shape_and_the_height_cap() -> None:
    assert fit(640, 360, 88, 24, (10, 20)) == (64, 18)  # never larger than the picture itself
    assert fit(3200, 1800, 44, 24, (10, 20)) == (44, 12)  # the pane's width
    assert fit(400, 4000, 88, 24, (10, 20)) == (5, 24)  # a tall one: the height cap


def test_the_images_setting(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[reader]\nimages = "halfcell"\nimage_cache_bytes = 1000\n')
    cfg = load_config(path)
    assert cfg.images == "halfcell" and cfg.image_cache_bytes == 1000
    path.write_text('[reader]\nimages = "sixel"\n')
    with pytest.raises(ConfigError, match='\'images\' must be one of "auto", "off", "halfcell", not \'sixel\''):
        load_config(path)
    path.write_text("[reader]\nimages_per_refresh = -1\n")
    with pytest.raises(ConfigError, match="'images_per_refresh' must be 0 or more"):
        load_config(path)


def test_show_and_save_list_the_pictures(store: Store) -> None:
    story = story_with_pictures(store, "http://img.test", ["/a.png"])
    assert story.id is not None
    kept = store.story(story.id)
    assert kept is not None
    md = story_markdown(kept)
    assert "![The lead caption](http://img.test/photo.jpg)" in md and "*The lead caption*" in md
    assert "![Picture /a.png](http://img.test/a.png)" in md
    assert (
        "## Images\n\n1. <http://img.test/photo.jpg> — The lead caption\n2. <http://img.test/a.png> — Picture /a.png"
        in md
    )


def test_starred_stories_pictures_stay_in_the_cache(tmp_path: Path) -> None:
    cache = ImageCache(tmp_path / "images", max_bytes=10, keep=frozenset({"http://x.test/starred.png"}))
    cache.put("http://x.test/starred.png", b"s" * 8)
    cache.put("http://x.test/other.png", b"o" * 8)
    assert cache.get("http://x.test/starred.png") is not None
    assert cache.get("http://x.test/other.png") is None


# -- the terminal's answer picks the renderer (textual-image asks when first imported) ----------------------


class _Terminal:
    """A terminal that answers textual-image's queries: the reply is read back one character at a time."""

    def __init__(self, reply: str) -> None:
        self.reply = reply
        self.written: list[str] = []
        self.buffer = SimpleNamespace(fileno=lambda: 0)

    def isatty(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def read(self, _fd: int, _n: int, _timeout: float | None = None) -> str:
        if not self.reply:
            raise TimeoutError
        char, self.reply = self.reply[0], self.reply[1:]
        return char


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    import contextlib

    import textual_image._terminal as term
    import textual_image.renderable
    import textual_image.widget

    def answering(reply: str) -> Any:
        fake = _Terminal(reply)
        monkeypatch.setattr(sys, "__stdout__", fake)
        monkeypatch.setattr(sys, "__stdin__", fake)
        monkeypatch.setattr(term, "read", fake.read)
        monkeypatch.setattr(term, "capture_mode", contextlib.nullcontext)
        importlib.reload(textual_image.renderable)
        importlib.reload(textual_image.widget)
        return textual_image.widget

    yield answering
    monkeypatch.undo()
    importlib.reload(textual_image.renderable)
    importlib.reload(textual_image.widget)


def test_sixel_is_chosen_when_the_terminal_reports_it(terminal: Any) -> None:
    widgets = terminal("\x1b[?62;4;22c")  # DA1: attribute 4 is Sixel graphics
    assert picture_class("auto") is widgets.SixelImage
    assert picture_class("halfcell") is widgets.HalfcellImage


def test_kitty_graphics_is_chosen_when_the_terminal_reports_it(terminal: Any) -> None:
    widgets = terminal("\x1b[?62;22c" + "\x1b_Gi=1;OK\x1b\\")  # no Sixel; the graphics query answered OK
    chosen: Any = picture_class("auto")
    assert chosen is widgets.AutoImage and chosen._Renderable is widgets.TGPRenderable


def test_half_cells_when_the_terminal_has_neither(terminal: Any) -> None:
    widgets = terminal("\x1b[?62;22c")
    chosen: Any = picture_class("auto")
    assert chosen is widgets.AutoImage and chosen._Renderable is widgets.HalfcellRenderable
    assert picture_class("off") is None


def test_text_placeholder_is_plain(store: Store) -> None:
    block = PictureBlock.__new__(PictureBlock)
    block.picture = SimpleNamespace(alt="[bold]x[/]")  # type: ignore[assignment]
    assert block.placeholder("why") == Text("[image: [bold]x[/] — why]")


# -- refresh keeps the lead photos of the stories it fetched whole, within its own small budget -----------------


def test_refresh_keeps_lead_photos_within_its_budget(store: Store, images_server: str) -> None:  # noqa: F811
    import asyncio

    from newsreader.fetch import Fetcher
    from newsreader.refresh import Refresher
    from tests.test_images import _Images, jpeg

    items = "".join(
        f"<item><title>Story {i}</title><link>{images_server}/p{i}.html</link><guid>s{i}</guid></item>"
        for i in range(3)
    )
    _Images.routes["/feed.xml"] = (
        "application/rss+xml",
        f'<rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode(),
    )
    for i in range(3):
        _Images.routes[f"/lead{i}.jpg"] = ("image/jpeg", jpeg(320, 200))
        page = (
            f'<html><head><title>Story {i}</title><meta property="og:image" content="{images_server}/lead{i}.jpg">'
            f"</head><body><article><h1>Story {i}</h1>"
            + "<p>A paragraph of the story, long enough to keep.</p>" * 8
            + "</article></body></html>"
        )
        _Images.routes[f"/p{i}.html"] = ("text/html; charset=utf-8", page.encode())
    source, _ = store.subscribe(images_server + "/feed.xml", [], RefreshResult(), title="F")
    config = Config(network=NetworkConfig(deadline=5), images_per_refresh=2)

    async def go() -> None:
        async with Fetcher(config.network) as fetcher:
            refresher = Refresher(store, fetcher, config)
            await refresher.refresh_source(source, full_text=True)

    asyncio.run(go())
    cache = ImageCache(image_cache_dir())
    kept = [i for i in range(3) if cache.path(f"{images_server}/lead{i}.jpg").is_file()]
    assert len(kept) == 2, kept  # three stories fetched whole, two photos: the budget's count
    assert sum(_Images.hits.get(f"/p{i}.html", 0) for i in range(3)) == 3


def test_the_pictures_bench_runs() -> None:
    import json
    import subprocess

    root = Path(__file__).resolve().parent.parent
    cmd = [sys.executable, "-m", "bench.images", "--runs", "1", "--presses", "2", "--latency-ms", "0"]
    out = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=240, check=True)
    got = json.loads(out.stdout)
    assert got["open_uncached_ms"] > 0 and got["open_cached_ms"] > 0 and got["open_text_only_ms"] > 0
    assert set(got["scroll_key_to_repaint_ms"]) == {"pictures", "off"}


def test_refresh_keeps_the_body_pictures_too_for_offline_reading(store: Store, images_server: str) -> None:  # noqa: F811
    import asyncio

    from newsreader.fetch import Fetcher
    from newsreader.refresh import Refresher
    from tests.test_images import _Images, jpeg

    _Images.routes["/bfeed.xml"] = (
        "application/rss+xml",
        f'<rss version="2.0"><channel><title>B</title><item><title>Story</title><link>{images_server}/b.html</link>'
        "<guid>b</guid></item></channel></rss>".encode(),
    )
    for name in ("blead", "body1", "body2"):
        _Images.routes[f"/{name}.jpg"] = ("image/jpeg", jpeg(320, 200))
    paragraph = "<p>A paragraph of the story, long enough to keep for the reader.</p>"
    page = (
        f'<html><head><title>Story</title><meta property="og:image" content="{images_server}/blead.jpg"></head>'
        f"<body><article><h1>Story</h1>{paragraph * 4}"
        f'<figure><img src="{images_server}/body1.jpg" alt="First"></figure>{paragraph * 4}'
        f'<figure><img src="{images_server}/body2.jpg" alt="Second"></figure>{paragraph * 4}'
        "</article></body></html>"
    )
    _Images.routes["/b.html"] = ("text/html; charset=utf-8", page.encode())
    source, _ = store.subscribe(images_server + "/bfeed.xml", [], RefreshResult(), title="B")
    config = Config(network=NetworkConfig(deadline=5), images_per_refresh=10)

    async def go() -> None:
        async with Fetcher(config.network) as fetcher:
            await Refresher(store, fetcher, config).refresh_source(source, full_text=True)

    asyncio.run(go())
    story = store.headlines(source.id)[0]
    kept_story = store.story(story.id or 0)
    assert kept_story is not None and kept_story.article is not None
    assert "body1.jpg" in kept_story.article.text and "body2.jpg" in kept_story.article.text
    cache = ImageCache(image_cache_dir())
    for name in ("blead", "body1", "body2"):
        assert cache.path(f"{images_server}/{name}.jpg").is_file(), name
