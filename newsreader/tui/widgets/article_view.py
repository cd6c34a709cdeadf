"""The article pane: header, photo caption, body, numbered links, related headlines (selectable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from newsreader.model import Related
from newsreader.tui import commands

if TYPE_CHECKING:
    from newsreader.render import Presented

EMPTY = "Select a headline and press Enter to read it."


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
        & > .section-title { color: $accent; text-style: bold; margin: 1 0 0 0; }
        & > #article-links { color: $text-muted; }
        & > .-hidden { display: none; }
    }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.presented: Presented | None = None

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

        bodies = self.query(Markdown)
        if bodies:
            bodies.first().update(markdown)
        elif markdown:
            self.mount(Markdown(markdown, id="article-body", open_links=False), after="#article-note")

    def _toggle(self, selector: str, show: bool) -> None:
        self.query_one(selector).set_class(not show, "-hidden")

    def show(self, p: Presented | None) -> None:
        self.presented = p
        header = self.query_one("#article-header", Static)
        self._build()
        if p is None:
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
        self.query_one("#article-caption", Static).update(Text("\n".join(p.image_lines)))
        self._toggle("#article-caption", bool(p.image_lines))
        self.query_one("#article-note", Static).update(Text(p.note))
        self._toggle("#article-note", bool(p.note))
        self._body(p.body or "*No text.*")
        links = Text("\n".join(f"{i:>3}. {url}" for i, url in enumerate(p.links, 1)))
        self.query_one("#article-links", Static).update(links)
        self._toggle("#links-title", bool(p.links))
        self._toggle("#article-links", bool(p.links))
        self.query_one("#related", RelatedList).show(p.related)
        self._toggle("#related-title", bool(p.related))
        self._toggle("#related", bool(p.related))
        self.scroll_home(animate=False)
