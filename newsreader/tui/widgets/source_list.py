"""The sources pane: "All stories" first, "Starred" once a story is, then a tree of folders (collapsible; each
folder's unread count is the sum of its sources', subfolders included) and sources with their unread counts (in
error marked). Tags are browsed from their own list (the `#` key: screens/dialogs.TagsScreen).

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
from newsreader.model import Folder, Selection, Source, Tag
from newsreader.tui import commands
from newsreader.tui.widgets.virtual_list import VirtualList

ALL = "all"
FOLDER = "f:"  # a folder's id: "f:" + its path
STARRED = "starred"  # the Starred view: starred stories of every source (issue #16)
LABEL_WIDTH = 24  # before the pane is laid out
MARGIN = 1  # a column kept free right of the counts
INDENT = "  "  # a level of the tree
OPEN, CLOSED = "▾ ", "▸ "

# (id: ALL, STARRED, the source id or FOLDER+path; the name as drawn, indented; unread (starred: how many);
# in error)
Row = tuple[str, str, int, bool]


def selection_of(ident: str) -> Selection:
    """What an entry's headlines are: None (All stories, Starred), a source's id or a Folder."""
    if ident.startswith(FOLDER):
        return Folder(ident[len(FOLDER) :])
    return int(ident) if ident.isdigit() else None


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
        source_id: Selection  # a source's id, a Folder, a Tag, or None for All stories (and Starred)
        starred: bool = False  # the Starred view (source_id is None then)

    class Entered(Message):
        """Enter (or a click) on the highlighted entry: the reader wants its headlines."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.sources: dict[int, Source] = {}
        self._rows: list[Row] = []
        self._chosen: str | None = None
        self.total_unread = 0
        self._listed: list[Source] = []
        self.starred = 0  # how many stories are starred (the Starred entry shows once one is)
        self.closed: set[str] = set()  # the folders (FOLDER+path) closed now; nothing kept across runs
        self.folder_unread: dict[str, int] = {}  # each folder's unread stories, its subfolders' included

    # -- data --------------------------------------------------------------------------------------

    def show(self, sources: list[Source], total_unread: int, starred: int = 0) -> None:
        """Show these sources, keeping the highlighted entry where it still exists; only changed rows redraw."""
        self.total_unread = total_unread
        self.sources = {s.id: s for s in sources if s.id is not None}
        self._listed = sources
        self.starred = starred
        self._rebuild()

    def toggle(self, ident: str) -> None:
        """Open or close a folder."""
        self.closed ^= {ident}
        self._rebuild()

    def _tree(self) -> list[Row]:
        subfolders: dict[str, dict[str, None]] = {}  # folder path -> its subfolders' paths, in order met
        members: dict[str, list[Source]] = {}
        unread: dict[str, int] = {}
        errors: set[str] = set()
        for source in self._listed:
            parts = source.folder.split("/") if source.folder else []
            members.setdefault(source.folder, []).append(source)
            for depth in range(len(parts)):
                parent, path = "/".join(parts[:depth]), "/".join(parts[: depth + 1])
                subfolders.setdefault(parent, {})[path] = None
                unread[path] = unread.get(path, 0) + source.unread
                if source.error:
                    errors.add(path)
        self.folder_unread = unread
        rows: list[Row] = []

        def add(folder: str, depth: int) -> None:
            pad = INDENT * depth
            for path in sorted(subfolders.get(folder, {}), key=lambda p: (p.lower(), p)):
                ident = FOLDER + path
                mark = CLOSED if ident in self.closed else OPEN
                rows.append((ident, pad + mark + safe.label(path.rpartition("/")[2]), unread[path], path in errors))
                if ident not in self.closed:
                    add(path, depth + 1)
            rows.extend((str(s.id), pad + safe.label(s.name), s.unread, bool(s.error)) for s in members.get(folder, []))

        add("", 0)
        return rows

    def _rebuild(self) -> None:
        keep = self.highlighted_id if self._rows else self._chosen
        rows: list[Row] = [(ALL, "All stories", self.total_unread, False)]
        if self.starred:  # once a story is starred (`*`); an entry with nothing in it would only be in the way
            rows.append((STARRED, "Starred", self.starred, False))
        rows += self._tree()
        old, self._rows = self._rows, rows
        if len(rows) != len(old):
            self._measure()
        ids = [r[0] for r in rows]
        if keep is not None and keep not in ids and keep.startswith(FOLDER):
            # Inside a folder just closed (or gone): the cursor goes to the nearest folder still shown.
            path = keep[len(FOLDER) :]
            while path and FOLDER + path not in ids:
                path = path.rpartition("/")[0]
            keep = FOLDER + path if path else keep
        elif keep is not None and keep.isdigit() and keep not in ids and int(keep) in self.sources:
            keep = self._outermost_closed(int(keep), ids) or keep  # in a folder just closed: the cursor goes to it
        self.cursor = ids.index(keep) if keep in ids else 0
        top = self.scroll_offset.y
        for index in range(top, top + self.size.height):
            if index >= len(rows) or index >= len(old) or rows[index] != old[index]:
                self.refresh_row(index)

    def _outermost_closed(self, source_id: int, ids: list[str]) -> str | None:
        """The folder shown (closed) that hides a source."""
        parts = self.sources[source_id].folder.split("/")
        for depth in range(1, len(parts) + 1):
            ident = FOLDER + "/".join(parts[:depth])
            if ident in self.closed and ident in ids:
                return ident
        return None

    def describe(self, selection: Selection) -> str:
        """What a headline list of this selection is, for the Headlines pane's title (untrusted text made safe)."""
        if isinstance(selection, Folder):
            return f"Folder: {safe.line(selection.path)}"
        if isinstance(selection, Tag):
            return f"Tag: {safe.line(selection.name)}"
        source = self.sources.get(selection) if selection is not None else None
        return safe.line(source.name) if source is not None else ""

    def choose(self, ident: str) -> None:
        """Highlight this entry (ALL, STARRED or a source id) as the one shown, without posting Chosen: the screen
        chose it (a restored place, `n` into the next source). Before the rows come, they open on it."""
        self._chosen = ident
        ids = [r[0] for r in self._rows]
        if ident in ids:
            self.cursor = ids.index(ident)

    def source_order(self) -> tuple[int, ...]:
        """The sources' ids as the pane shows them, top to bottom (the tree; none hidden in a closed folder)."""
        return tuple(int(row[0]) for row in self._rows if row[0].isdigit())

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
        """The highlighted source (None on All stories, a folder or a tag)."""
        ident = self.highlighted_id
        return self.sources.get(int(ident)) if ident and ident.isdigit() else None

    # -- the rows ----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def row_key(self, index: int) -> Hashable:
        return self._rows[index]

    def open_row(self, index: int) -> None:
        ident = self._rows[index][0]
        if ident.startswith(FOLDER):
            self.toggle(ident)  # a folder opens and closes; its headlines are shown already
            return
        self.post_message(self.Entered())

    def cursor_moved(self, index: int) -> None:
        ident = self.highlighted_id
        if ident != self._chosen and ident is not None:
            self._chosen = ident
            self.post_message(self.Chosen(selection_of(ident), starred=ident == STARRED))

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
