"""The sources pane: "All stories" first, then each source with its unread count; sources in error marked.

A virtual list, like the headlines: only the visible rows are drawn, and a changed count redraws its row.
(Textual's OptionList measured every option again on any change: ~65 ms for 500 sources after each story
read, and ~70 ms for each refresh progress update, with the keys waiting.)
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader import safe
from newsreader.model import Source

ALL = "all"

Row = tuple[str, str, int, bool]  # (id: ALL or the source id, name, unread, in error)


class SourceList(ScrollView, can_focus=True):
    """Sources to choose from; posts Chosen with a source id (None for every source) as the cursor moves."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="sources.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="sources.up"),
        Binding("g,home", "first", "Top", show=False, id="sources.top"),
        Binding("G,end", "last", "Bottom", show=False, id="sources.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="sources.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="sources.page-up"),
        Binding("enter,l", "enter", "Open", show=False, id="sources.open"),
    ]

    COMPONENT_CLASSES = {"source-list--error", "source-list--unread", "source-list--count", "source-list--cursor"}

    DEFAULT_CSS = """
    SourceList {
        height: 1fr;
        & > .source-list--error { color: $error; text-style: bold; }
        & > .source-list--unread { text-style: bold; }
        & > .source-list--count { color: $text-muted; }
        & > .source-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .source-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
    }
    """

    highlighted: reactive[int] = reactive(0, always_update=True, repaint=False)

    @dataclass
    class Chosen(Message):
        source_id: int | None

    class Entered(Message):
        """Enter (or a click) on the highlighted entry: the reader wants its headlines."""

    LABEL_WIDTH = 22  # the pane's inner width in app.tcss

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.sources: dict[int, Source] = {}
        self._rows: list[Row] = []
        self._lines: dict[tuple[Row, int, bool, bool], Strip] = {}
        self._chosen: str | None = None

    def on_mount(self) -> None:
        # Rows carry resolved theme colours: draw them again when the theme changes.
        self.app.theme_changed_signal.subscribe(self, self._restyle)

    def _restyle(self, _theme: object) -> None:
        self._lines.clear()
        self.refresh()

    # -- data --------------------------------------------------------------------------------------

    def show(self, sources: list[Source], total_unread: int) -> None:
        """Show these sources, keeping the highlighted entry where it still exists; only changed rows redraw."""
        keep = self.highlighted_id
        self.sources = {s.id: s for s in sources if s.id is not None}
        rows: list[Row] = [(ALL, "All stories", total_unread, False)]
        rows += [(str(s.id), safe.line(s.name), s.unread, bool(s.error)) for s in sources]
        old, self._rows = self._rows, rows
        if len(rows) != len(old):
            self.virtual_size = Size(self.size.width, len(rows))
        ids = [r[0] for r in rows]
        self.highlighted = ids.index(keep) if keep in ids else 0
        if len(self._lines) > 4 * len(rows) + 64:
            self._lines.clear()  # rows that are no more
        top = self.scroll_offset.y
        for y in range(self.size.height):
            index = top + y
            if index >= len(rows) or index >= len(old) or rows[index] != old[index]:
                self.refresh(Region(0, y, self.size.width, 1))

    def label(self, index: int) -> str:
        """The text of one entry, as drawn."""
        return self._label(*self._rows[index][1:]).plain

    @property
    def option_count(self) -> int:
        return len(self._rows)

    @property
    def highlighted_id(self) -> str | None:
        if not self._rows:
            return None
        return self._rows[min(self.highlighted, len(self._rows) - 1)][0]

    @property
    def current(self) -> Source | None:
        ident = self.highlighted_id
        return self.sources.get(int(ident)) if ident and ident != ALL else None

    # -- movement ----------------------------------------------------------------------------------

    def validate_highlighted(self, value: int) -> int:
        return max(0, min(value, len(self._rows) - 1)) if self._rows else 0

    def watch_highlighted(self, old: int, new: int) -> None:
        top = self.scroll_offset.y
        for row in {old, new}:
            self.refresh(Region(0, row - top, self.size.width, 1))
        if not top <= new < top + self.size.height:
            self.scroll_to_region(Region(0, new, 1, 1), animate=False, force=True)
        ident = self.highlighted_id
        if ident != self._chosen and ident is not None:
            self._chosen = ident
            self.post_message(self.Chosen(None if ident == ALL else int(ident)))

    def action_cursor_down(self) -> None:
        self.highlighted += 1

    def action_cursor_up(self) -> None:
        self.highlighted -= 1

    def action_first(self) -> None:
        self.highlighted = 0

    def action_last(self) -> None:
        self.highlighted = len(self._rows) - 1

    def action_page_down(self) -> None:
        self.highlighted += max(1, self.size.height - 1)

    def action_page_up(self) -> None:
        self.highlighted -= max(1, self.size.height - 1)

    def action_enter(self) -> None:
        if self._rows:
            self.post_message(self.Entered())

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y
        if not 0 <= row < len(self._rows):
            return
        if row == self.highlighted:
            self.action_enter()
        self.highlighted = row

    def on_focus(self) -> None:
        self._lines.clear()  # the cursor row is drawn differently with focus
        self.refresh()

    def on_blur(self) -> None:
        self.on_focus()

    # -- drawing -----------------------------------------------------------------------------------

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

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self._rows) or width <= 0:
            return Strip.blank(width, self.rich_style)
        row = self._rows[index]
        selected = index == self.highlighted
        key = (row, width, selected, self.has_focus)
        cached = self._lines.get(key)
        if cached is None:
            base = self.rich_style
            if selected:
                base = base + self.get_component_rich_style("source-list--cursor")
            text = self._label(*row[1:])
            text.truncate(width, overflow="ellipsis", pad=True)
            segments = [Segment(s.text, base + s.style if s.style else base) for s in text.render(self.app.console)]
            cached = self._lines[key] = Strip(segments, width).crop_extend(0, width, base)
        return cached

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))
        self._lines.clear()
