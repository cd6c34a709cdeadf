"""The article pane: header, lead photo and caption, body (its pictures where they stand), numbered links,
related headlines (selectable).

Pictures (issue #17) are drawn by textual-image: Kitty graphics or Sixel when the terminal answered so at start
(cli.py asks it in one round trip before Textual takes the terminal, and imports textual-image with the answers:
tui/terminal_probe.py), else coloured half cells. Each is fetched (or read from the ImageCache offline), decoded
and scaled in a thread worker; the pane only sizes and mounts them, and sizes them again when it is resized.
"""

from __future__ import annotations

import asyncio
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.model import Related
from newsreader.tui import commands

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from newsreader.config import Config
    from newsreader.render import Picture, Presented

log = logging.getLogger(__name__)

EMPTY = "Select a headline and press Enter to read it."
MEASURE = 88  # the reading measure, in cells
PICTURE_ROWS = 24  # a picture's height cap, in cells (also at most the pane's height less two)
PICTURES_AT_ONCE = 4


def picture_class(mode: str) -> type[Widget] | None:
    """The textual-image widget for config's `images`: None for "off".

    "auto" is what textual-image chose when first imported, from the answers terminal_probe handed it at start
    (or, imported without them, from its own queries): Sixel or Kitty's graphics protocol when the terminal
    answered that it has them, coloured half cells in any other terminal (Unicode blocks when not a
    terminal at all)."""
    if mode == "off":
        return None
    from textual_image import widget as images

    if mode == "halfcell":
        return images.HalfcellImage
    return cast(type[Widget], images.Image)


def fit(width: int, height: int, columns: int, rows: int, cell: tuple[int, int]) -> tuple[int, int]:
    """A picture of width x height pixels in at most columns x rows cells (cells of cell=(w, h) pixels),
    never larger than it is: its size in cells, keeping its shape."""
    cell_w, cell_h = cell
    cols = max(1, min(columns, round(width / cell_w)))
    lines = max(1, round(cols * cell_w * height / width / cell_h))
    if lines > rows:
        lines = max(1, rows)
        cols = max(1, min(columns, round(lines * cell_h * width / height / cell_w)))
    return cols, lines


def decode(png: bytes, max_width: int) -> PILImage:
    """A kept picture (PNG bytes, already checked and scaled by images.prepare) as RGB pixels no wider than
    max_width: decoded here, in the worker, so the pane only hands it over."""
    from PIL import Image

    with Image.open(io.BytesIO(png), formats=["PNG"]) as img:
        img.load()
        if img.mode in ("RGBA", "LA", "P"):
            rgba = img.convert("RGBA")
            frame = Image.new("RGB", rgba.size, (255, 255, 255))
            frame.paste(rgba, mask=rgba.getchannel("A"))
        else:
            frame = img.convert("RGB")
    frame.thumbnail((max_width, max_width * 4))
    return frame


@dataclass
class PictureLoaded(Message):
    """Pictures of the story shown (generation): each url with its decoded picture, or why it cannot be shown.
    The kept ones come together (one layout of the pane for all), fetched ones each as it arrives."""

    generation: int
    pictures: list[tuple[str, PILImage | None, str]]


class PictureBlock(Vertical):
    """One picture: a placeholder until it arrives (or says why not), then the picture, then its caption."""

    DEFAULT_CSS = """
    PictureBlock {
        height: auto; margin: 1 0 0 0;
        & > .picture-note { color: $text-muted; }
        & > .picture-caption { color: $text-muted; text-style: italic; }
    }
    """

    def __init__(self, picture: Picture, kind: type[Widget], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.picture = picture
        self.kind = kind
        self.image: PILImage | None = None

    def compose(self) -> ComposeResult:
        # The picture's widget is there from the start, hidden: its arrival changes styles only, one layout.
        widget: Widget = cast(Any, self.kind)(None)
        widget.add_class("picture")
        widget.display = False
        yield widget
        yield Static(self.placeholder("loading…"), classes="picture-note", markup=False)
        if self.picture.alt:
            yield Static(Text(self.picture.alt), classes="picture-caption", markup=False)

    def placeholder(self, why: str) -> Text:
        from newsreader import safe  # reasons can quote a server (an error message, an address)

        return Text(safe.line(f"[image: {self.picture.alt or 'picture'} — {why}]"))

    def failed(self, reason: str) -> None:
        self.query_one(".picture-note", Static).update(self.placeholder(reason))

    def arrived(self, image: PILImage, columns: int, rows: int) -> None:
        self.image = image
        self.fit(columns, rows)
        widget = self.query_one(".picture")
        cast(Any, widget).image = image
        widget.display = True
        self.query_one(".picture-note").display = False

    def fit(self, columns: int, rows: int) -> None:
        if self.image is None:
            return
        from textual_image._terminal import get_cell_size

        cols, lines = fit(self.image.width, self.image.height, columns, rows, tuple(get_cell_size()))  # type: ignore[arg-type]
        for widget in self.query(".picture"):
            widget.styles.width = cols
            widget.styles.height = lines


class RelatedList(OptionList):
    """Related headlines from the story's page; choosing one opens it in the reader."""

    DEFAULT_CSS = """
    RelatedList {
        height: auto; max-height: 1000; border: none; padding: 0; background: transparent;
        &:focus { border: none; background-tint: $foreground 0%; }
    }
    """

    BINDINGS = list[BindingType](commands.RELATED)

    @dataclass
    class Chosen(Message):
        related: Related

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.items: list[Related] = []

    @property
    def current(self) -> Related | None:
        index = self.highlighted
        return self.items[index] if index is not None and 0 <= index < len(self.items) else None

    def show(self, related: list[Related]) -> None:
        self.items = related
        self.clear_options()
        self.add_options([Option(Text(f"→ {r.title}", no_wrap=False)) for r in related])
        self.highlighted = 0 if related else None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self.items[event.option_index]))


class ArticleView(VerticalScroll, can_focus=True):
    """Renders a Presented story; every string in it has already passed safe.py."""

    ALLOW_MAXIMIZE = True  # the palette's Maximize: the story alone, full width

    BINDINGS = list[BindingType](commands.ARTICLE)

    COMPONENT_CLASSES = {"article-view--title", "article-view--meta", "article-view--link"}

    DEFAULT_CSS = """
    ArticleView {
        padding: 0 1;
        & > * { max-width: 88; }  /* a reading measure, however wide the pane */
        & > .article-view--title { color: $text-primary; text-style: bold; }
        & > .article-view--meta { color: $text-secondary; text-style: italic; }
        & > .article-view--link { color: $text-muted; text-style: underline; }
        & > #article-header { margin: 1 0 0 0; }
        & > #article-caption { color: $text-muted; text-style: italic; margin: 1 0 0 0; }
        & > #article-note { color: $warning; margin: 1 0 0 0; }
        & > #article-body { margin: 1 0 0 0; padding: 0; background: transparent; }
        & > .article-text { margin: 1 0 0 0; padding: 0; background: transparent; }
        & > .section-title { color: $accent; text-style: bold; margin: 1 0 0 0; }
        & > #article-links { color: $text-muted; }
        & > .-hidden { display: none; }
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.presented: Presented | None = None
        self.generation = 0  # which story's pictures are wanted: a late one of an earlier story is dropped

    # -- pictures -----------------------------------------------------------------------------------

    def _config(self) -> tuple[Config, bool]:
        reader = cast(Any, self.app)  # the Reader (tui/reader.py): config, and whether the reader is offline
        from newsreader.config import Config

        config = getattr(reader, "config", None)
        return (config if isinstance(config, Config) else Config()), bool(getattr(reader, "offline", False))

    def _picture_box(self) -> tuple[int, int]:
        columns = max(1, min(MEASURE, self.scrollable_content_region.width or MEASURE))
        rows = max(1, min(PICTURE_ROWS, (self.size.height or PICTURE_ROWS + 2) - 2))
        return columns, rows

    def on_resize(self, _event: events.Resize) -> None:
        columns, rows = self._picture_box()
        for block in self.query(PictureBlock):
            block.fit(columns, rows)

    def on_picture_loaded(self, message: PictureLoaded) -> None:
        if message.generation != self.generation:
            return
        columns, rows = self._picture_box()
        blocks = [block for block in self.query(PictureBlock) if block.image is None]
        for url, image, reason in message.pictures:
            for block in blocks:
                if block.picture.url == url:
                    if image is None:
                        block.failed(reason)
                    else:
                        block.arrived(image, columns, rows)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The picture worker failed unexpectedly (its named failures are placeholders already): logged with its
        traceback, and said in the placeholders still waiting; the story stays."""
        worker = event.worker
        if worker.group != "pictures" or event.state is not WorkerState.ERROR or worker.error is None:
            return
        log.error("pictures failed (worker %s)", worker.name, exc_info=worker.error)
        for block in self.query(PictureBlock):
            if block.image is None:
                block.failed(f"could not be loaded ({type(worker.error).__name__}: {worker.error})")

    @work(thread=True, exclusive=True, group="pictures", exit_on_error=False)
    def load_pictures(self, generation: int, urls: list[str], config: Config, offline: bool) -> None:
        """Each picture from the cache, else (online) fetched with the fetcher's limits; decoded here."""
        from textual_image._terminal import get_cell_size

        from newsreader.config import image_cache_dir
        from newsreader.images import ImageCache, ImageError, fetch_image
        from newsreader.render import article_pictures

        worker = get_current_worker()
        store = getattr(self.app, "store", None)  # the Reader's store: starred stories' pictures are kept
        starred = store.starred_articles() if store is not None else []
        keep = frozenset(url for article in starred for url in article_pictures(article))
        cache = ImageCache(image_cache_dir(), config.image_cache_bytes, keep)
        max_width = MEASURE * get_cell_size().width

        def decoded(url: str, png: bytes | None, reason: str) -> tuple[str, PILImage | None, str]:
            image = None
            if png is not None:
                try:
                    image = decode(png, max_width)
                except (OSError, ValueError) as exc:  # a kept file damaged on disk
                    reason = f"the kept copy is damaged ({exc})"
                    log.warning("picture %s: %s", url, reason)
            return url, image, reason

        def post(pictures: list[tuple[str, PILImage | None, str]]) -> None:
            if pictures and not worker.is_cancelled:
                self.post_message(PictureLoaded(generation, pictures))

        kept = {url: cache.get(url) for url in urls}
        post([decoded(url, png, "") for url, png in kept.items() if png is not None])
        wanted = [url for url, png in kept.items() if png is None]
        if offline or not wanted:
            post([(url, None, "not kept for offline reading") for url in wanted])
            return

        async def one(fetcher: Any, url: str, gate: asyncio.Semaphore) -> None:
            async with gate:
                if worker.is_cancelled:
                    return
                try:
                    png = await fetch_image(fetcher, cache, url)
                except (ImageError, OSError) as exc:
                    log.info("picture %s not shown: %s", url, exc)
                    post([(url, None, str(exc) or type(exc).__name__)])
                    return
                post([await asyncio.to_thread(decoded, url, png, "")])

        async def go() -> None:
            from newsreader.fetch import Fetcher

            gate = asyncio.Semaphore(PICTURES_AT_ONCE)
            async with Fetcher(config.network) as fetcher:
                await asyncio.gather(*(one(fetcher, url, gate) for url in wanted))

        asyncio.run(go())

    def compose(self) -> ComposeResult:
        yield Static(Text(EMPTY, style="dim"), id="article-header", markup=False)

    def _build(self) -> None:
        """The parts of a story, mounted with the first one: start-up draws only the empty pane."""
        if self.query("#article-caption"):
            return
        self.mount_all(
            [
                Static("", id="article-caption", markup=False, classes="-hidden"),
                Static("", id="article-note", markup=False, classes="-hidden"),
                Static("Links", classes="section-title -hidden", id="links-title", markup=False),
                Static("", id="article-links", markup=False, classes="-hidden"),
                Static("Related", classes="section-title -hidden", id="related-title", markup=False),
                RelatedList(id="related", classes="-hidden"),
            ]
        )

    @staticmethod
    def header(p: Presented, styles: dict[str, Style] | None = None) -> Text:
        """Title, byline and link as plain Text; `styles` are the pane's theme colours by part."""
        style = (styles or {}).get
        text = Text()
        text.append(p.title + "\n", style=style("title", Style(bold=True)))
        text.append(p.byline, style=style("meta", Style(italic=True)))  # made by render, as for show and save
        if p.url:
            text.append("\n" + p.url, style=style("link", Style(dim=True, underline=True)))
        if p.tag_line:
            text.append("\n" + p.tag_line, style=style("meta", Style(italic=True)))
        return text

    def _styled_header(self, p: Presented) -> Text:
        parts = ("title", "meta", "link")
        return self.header(p, {k: self.get_component_rich_style(f"article-view--{k}") for k in parts})

    def on_mount(self) -> None:
        # The header carries resolved theme colours: draw it again when the theme changes.
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def _restyle(self, _theme: object) -> None:
        if self.presented is not None:
            self.query_one("#article-header", Static).update(self._styled_header(self.presented))

    def _body(self, markdown: str) -> None:
        # The Markdown widget (and markdown-it) is loaded with the first story, not at start-up.
        from textual.widgets import Markdown

        bodies = list(self.query("#article-body").results(Markdown))
        if bodies:
            bodies[0].update(markdown)
        elif markdown:
            self.mount(Markdown(markdown, id="article-body", open_links=False), after="#article-note")

    def _toggle(self, selector: str, show: bool) -> None:
        self.query_one(selector).set_class(not show, "-hidden")

    def show(self, p: Presented | None) -> None:
        self.presented = p
        header = self.query_one("#article-header", Static)
        self._build()
        if p is None:
            self.generation += 1
            self.query(".article-part").remove()
            header.update(Text(EMPTY, style="dim"))
            self._body("")
            for selector in (
                "#article-caption",
                "#article-note",
                "#links-title",
                "#article-links",
                "#related-title",
                "#related",
            ):
                self._toggle(selector, False)
            return
        header.update(self._styled_header(p))
        from newsreader.render import Picture, body_parts, images_as_links  # with the first story, not at start

        config, offline = self._config()
        kind = picture_class(config.images)
        self.generation += 1
        self.query(".article-part").remove()
        lead = kind is not None and bool(p.image_url)
        self.query_one("#article-caption", Static).update(Text("\n".join(p.image_lines)))
        self._toggle("#article-caption", bool(p.image_lines) and not lead)
        self.query_one("#article-note", Static).update(Text(p.note))
        self._toggle("#article-note", bool(p.note))
        parts = body_parts(p.body) if kind is not None else [images_as_links(p.body)]
        urls = [p.image_url] if lead else []
        if lead and kind is not None:
            picture = Picture(p.image_url, p.caption)
            self.mount(PictureBlock(picture, kind, classes="article-part article-photo"), after="#article-header")
        if all(isinstance(part, str) for part in parts):
            self._body("\n\n".join(cast(list[str], parts)) or "*No text.*")
            if self.query("#article-body"):
                self._toggle("#article-body", True)
        else:
            from textual.widgets import Markdown

            self._body("")
            if self.query("#article-body"):
                self._toggle("#article-body", False)
            widgets: list[Widget] = []
            for part in parts:
                if isinstance(part, Picture):
                    assert kind is not None
                    if lead and part.url == p.image_url:
                        continue  # the lead photo, already under the header
                    widgets.append(PictureBlock(part, kind, classes="article-part article-picture"))
                    urls.append(part.url)
                elif part.strip():
                    widgets.append(Markdown(part, open_links=False, classes="article-part article-text"))
            self.mount_all(widgets, after="#article-note")
        if urls:
            self.load_pictures(self.generation, list(dict.fromkeys(urls)), config, offline)
        links = Text("\n".join(f"{i:>3}. {url}" for i, url in enumerate(p.links, 1)))
        self.query_one("#article-links", Static).update(links)
        self._toggle("#links-title", bool(p.links))
        self._toggle("#article-links", bool(p.links))
        self.query_one("#related", RelatedList).show(p.related)
        self._toggle("#related-title", bool(p.related))
        self._toggle("#related", bool(p.related))
        self.scroll_home(animate=False)
