"""The sources pane: "All stories" first, "Starred" once a story is, then each source with its unread count; sources in error marked.

A virtual list, like the headlines (VirtualList): only the visible rows are drawn, and a changed count
redraws its row. (Textual's OptionList measured every option again on any change: ~65 ms for 500 sources
after each story read, and ~70 ms for each refresh progress update, with the keys waiting.)
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.binding import BindingType
from textual.message import Message

from newsreader import safe
from newsreader.model import Source
from newsreader.tui import commands
from newsreader.tui.widgets.virtual_list import VirtualList

ALL = "all"
STARRED = "starred"  # the Starred view: starred stories of every source (issue #16)
LABEL_WIDTH = 24  # before the pane is laid out
MARGIN = 1  # a column kept free right of the counts

Row = tuple[str, str, int, bool]  # (id: ALL, STARRED or the source id, name, unread (starred: how many), in error)


class SourceList(VirtualList):
    """Sources to choose from; posts Chosen with a source id (None for every source) as the cursor moves."""

    BINDINGS = list[BindingType](commands.SOURCES)
    CURSOR_COMPONENT = "source-list--cursor"

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

    @dataclass
    class Chosen(Message):
        source_id: int | None
        starred: bool = False  # the Starred view (source_id is None then)

    class Entered(Message):
        """Enter (or a click) on the highlighted entry: the reader wants its headlines."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sources: dict[int, Source] = {}
        self._rows: list[Row] = []
        self._chosen: str | None = None
        self.total_unread = 0

    # -- data --------------------------------------------------------------------------------------

    def show(self, sources: list[Source], total_unread: int, starred: int = 0) -> None:
        """Show these sources, keeping the highlighted entry where it still exists; only changed rows redraw."""
        keep = self.highlighted_id if self._rows else self._chosen
        self.total_unread = total_unread
        self.sources = {s.id: s for s in sources if s.id is not None}
        rows: list[Row] = [(ALL, "All stories", total_unread, False)]
        if starred:  # once a story is starred (`*`); an entry with nothing in it would only be in the way
            rows.append((STARRED, "Starred", starred, False))
        rows += [(str(s.id), safe.label(s.name), s.unread, bool(s.error)) for s in sources]
        old, self._rows = self._rows, rows
        if len(rows) != len(old):
            self._measure()
        ids = [r[0] for r in rows]
        self.cursor = ids.index(keep) if keep in ids else 0
        top = self.scroll_offset.y
        for index in range(top, top + self.size.height):
            if index >= len(rows) or index >= len(old) or rows[index] != old[index]:
                self.refresh_row(index)

    def choose(self, ident: str) -> None:
        """Highlight this entry (ALL, STARRED or a source id) as the one shown, without posting Chosen: the screen
        chose it (a restored place, `n` into the next source). Before the rows come, they open on it."""
        self._chosen = ident
        ids = [r[0] for r in self._rows]
        if ident in ids:
            self.cursor = ids.index(ident)

    def label(self, index: int) -> str:
        """The text of one entry, as drawn."""
        return self._label(*self._rows[index][1:]).plain

    @property
    def option_count(self) -> int:
        return len(self._rows)

    @property
    def highlighted(self) -> int:
        return self.cursor

    @highlighted.setter
    def highlighted(self, index: int) -> None:
        self.cursor = index

    @property
    def highlighted_id(self) -> str | None:
        if not self._rows:
            return None
        return self._rows[min(self.cursor, len(self._rows) - 1)][0]

    @property
    def current(self) -> Source | None:
        ident = self.highlighted_id
        return self.sources.get(int(ident)) if ident and ident not in (ALL, STARRED) else None

    # -- the rows ----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_key(self, index: int) -> Hashable:
        return self._rows[index]

    def open_row(self, index: int) -> None:
        self.post_message(self.Entered())

    def cursor_moved(self, index: int) -> None:
        ident = self.highlighted_id
        if ident != self._chosen and ident is not None:
            self._chosen = ident
            source_id = None if ident in (ALL, STARRED) else int(ident)
            self.post_message(self.Chosen(source_id, starred=ident == STARRED))

    def _label(self, name: str, unread: int, error: bool, width: int = 0) -> Text:
        """Mark, name and unread count in aligned columns, measured in terminal cells (wide characters are 2);
        colours come from the theme via component classes."""
        width = (width or self.scrollable_content_region.width or LABEL_WIDTH) - MARGIN
        count = f" {unread}" if unread else ""
        room = max(1, width - 2 - cell_len(count))
        if cell_len(name) > room:
            name = set_cell_size(name, room - 1) + "…"
        style = self.component_style
        label = Text(no_wrap=True, overflow="ellipsis")
        label.append("! " if error else "  ", style=style("source-list--error") if error else "")
        label.append(set_cell_size(name, room), style=style("source-list--unread") if unread else "")
        label.append(count, style=style("source-list--count"))
        return label

    def render_row(self, index: int, part: int, width: int) -> Text:
        return self._label(*self._rows[index][1:], width=width)
