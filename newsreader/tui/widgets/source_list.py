"""The sources pane: "All stories" first, then each source with its unread count; sources in error marked."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from newsreader import safe
from newsreader.model import Source

ALL = "all"


class SourceList(OptionList):
    """Sources to choose from; posts Chosen with a source id, or None for every source."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False, id="sources.down"),
        Binding("k", "cursor_up", "Up", show=False, id="sources.up"),
        Binding("l", "select", "Open", show=False, id="sources.open"),
    ]

    COMPONENT_CLASSES = {"source-list--error", "source-list--unread", "source-list--count"}

    DEFAULT_CSS = """
    SourceList {
        height: 1fr;
        max-height: 100%;
        & > .option-list--option { padding: 0 0; }
        & > .source-list--error { color: $error; text-style: bold; }
        & > .source-list--unread { text-style: bold; }
        & > .source-list--count { color: $text-muted; }
    }
    """

    @dataclass
    class Chosen(Message):
        source_id: int | None

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sources: dict[int, Source] = {}
        self._shown: tuple[list[Source], int] = ([], 0)

    def on_mount(self) -> None:
        # Labels carry resolved theme colours: draw them again when the theme changes.
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.show(*self._shown))

    LABEL_WIDTH = 22  # the pane's inner width in app.tcss

    def _label(self, name: str, unread: int, error: bool) -> Text:
        """Mark, name and unread count in aligned columns; colours come from the theme via component classes."""
        count = f" {unread}" if unread else ""
        room = self.LABEL_WIDTH - 2 - len(count)
        if len(name) > room:
            name = name[: room - 1] + "…"
        style = self.get_component_rich_style
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append("! " if error else "  ", style=style("source-list--error", partial=True) if error else "")
        label.append(name.ljust(room), style=style("source-list--unread", partial=True) if unread else "")
        label.append(count, style=style("source-list--count", partial=True))
        return label

    def show(self, sources: list[Source], total_unread: int) -> None:
        """Replace the list, keeping the highlighted entry where it still exists."""
        keep = self.highlighted_id
        self._shown = (sources, total_unread)
        self.sources = {s.id: s for s in sources if s.id is not None}
        options = [Option(self._label("All stories", total_unread, False), id=ALL)]
        options += [Option(self._label(safe.line(s.name), s.unread, bool(s.error)), id=str(s.id)) for s in sources]
        self.clear_options()
        self.add_options(options)
        ids = [o.id for o in options]
        self.highlighted = ids.index(keep) if keep in ids else 0

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or not self.option_count:
            return None
        return self.get_option_at_index(self.highlighted).id

    @property
    def current(self) -> Source | None:
        ident = self.highlighted_id
        return self.sources.get(int(ident)) if ident and ident != ALL else None

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        ident = event.option.id
        self.post_message(self.Chosen(None if ident in (None, ALL) else int(ident)))
