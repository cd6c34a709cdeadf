"""The headline list: virtual, so 100,000 stories cost what the visible rows cost.

Rows come from the store in pages that the screen loads in a worker when asked (NeedPage); rows not yet
loaded draw as a dim placeholder for the moment it takes. Cursor, keys and the line cache: VirtualList.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.strip import Strip

from newsreader import safe
from newsreader.model import Story
from newsreader.store import HEADLINE_PAGE
from newsreader.tui import commands
from newsreader.tui.widgets.virtual_list import VirtualList

PAGE = HEADLINE_PAGE
KEEP_PAGES = 8  # pages kept in memory; farther ones are dropped and asked for again if the reader returns
ROW = 2  # lines per headline: the title, then its source and age


def relative_time(when: datetime | None, now: datetime) -> str:
    """'5m', '3h', '2d', or a date for older stories."""
    if when is None:
        return ""
    seconds = (now - when).total_seconds()
    if seconds < 0:
        return "now" if seconds > -300 else when.strftime("%b %d")
    if seconds < 3600:
        return f"{max(1, int(seconds // 60))}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    return when.strftime("%b %d" if when.year == now.year else "%Y-%m-%d")


class HeadlineList(VirtualList):
    """Headlines of the selected source, newest first; the cursor row is the highlighted story."""

    BINDINGS = list[BindingType](commands.HEADLINES)
    ROW = ROW
    CURSOR_COMPONENT = "headline-list--cursor"

    COMPONENT_CLASSES = {
        "headline-list--unread",
        "headline-list--read",
        "headline-list--meta",
        "headline-list--mark",
        "headline-list--cursor",
        "headline-list--placeholder",
    }

    DEFAULT_CSS = """
    HeadlineList {
        background: $surface;
        & > .headline-list--unread { text-style: bold; color: $foreground; }
        & > .headline-list--read { color: $foreground 55%; }
        & > .headline-list--meta { color: $foreground 50%; }
        & > .headline-list--mark { color: $accent; }
        & > .headline-list--placeholder { color: $foreground 25%; }
        & > .headline-list--cursor { background: $block-cursor-blurred-background; }
        &:focus > .headline-list--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
        }
    }
    """

    @dataclass
    class NeedPage(Message):
        key: tuple[object, ...]
        page: int

    @dataclass
    class Opened(Message):
        story: Story

    def __init__(self, *, clock: Callable[[], datetime] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.clock = clock or (lambda: datetime.now(UTC))
        self.key: tuple[object, ...] = ()
        self.show_source = True  # off when every row is from the one source shown
        self.empty = ""  # what an empty list says (our own words, never feed text)
        self.total = 0
        self._pages: dict[int, list[Story]] = {}
        self._asked: set[int] = set()
        self._now = self.clock()

    # -- data --------------------------------------------------------------------------------------

    def show(
        self,
        key: tuple[object, ...],
        total: int,
        pages: dict[int, list[Story]],
        cursor: int = 0,
        show_source: bool = True,
        empty: str = "",
    ) -> None:
        """A new list (another source, a search): its length and some pages; the rest are asked for."""
        self.key, self.total, self.show_source, self.empty = key, total, show_source, empty
        self._pages = dict(pages)
        self._asked = set(pages)
        self._now = self.clock()
        self.rows_changed()
        self.cursor = cursor
        self.scroll_to_cursor(center=True)

    def add_page(self, key: tuple[object, ...], page: int, rows: list[Story]) -> None:
        if key != self.key:
            return  # an answer for a list that is no longer shown
        self._pages[page] = rows
        if len(self._pages) > KEEP_PAGES:
            # Near the cursor or the rows in view is near; the page just loaded always stays (no ask-drop loop).
            marks = (self.cursor // PAGE, self.scroll_offset.y // ROW // PAGE, page)
            for far in sorted(self._pages, key=lambda p: min(abs(p - m) for m in marks))[KEEP_PAGES:]:
                del self._pages[far]
                self._asked.discard(far)
        self.refresh()  # placeholders become rows: their keys differ, so only they are drawn anew

    def story_at(self, index: int) -> Story | None:
        rows = self._pages.get(index // PAGE)
        if rows is None:
            if 0 <= index < self.total and index // PAGE not in self._asked:
                self._asked.add(index // PAGE)
                self.post_message(self.NeedPage(self.key, index // PAGE))
            return None
        offset = index % PAGE
        return rows[offset] if offset < len(rows) else None

    @property
    def current(self) -> Story | None:
        return self.story_at(self.cursor) if self.total else None

    def set_read(self, story_id: int, read: bool) -> None:
        for rows in self._pages.values():
            for story in rows:
                if story.id == story_id:
                    story.read = read
        self.refresh()  # the read state is in the rows' keys

    def set_starred(self, story_id: int, starred: bool) -> None:
        for rows in self._pages.values():
            for story in rows:
                if story.id == story_id:
                    story.starred = starred
        self.refresh()  # the star is in the rows' keys

    # -- the rows ----------------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return self.total

    def row_key(self, index: int) -> Hashable:
        story = self.story_at(index)
        return (story.id, story.read, story.starred) if story is not None else None

    def open_row(self, index: int) -> None:
        story = self.story_at(index)
        if story is not None:
            self.post_message(self.Opened(story))

    def render_row(self, index: int, part: int, width: int) -> Text:
        story = self.story_at(index)
        style = self.component_style
        if story is None:
            return Text("  …" if part == 0 else "", style=style("headline-list--placeholder"))
        if part == 0:
            mark = Text("● " if not story.read else "  ", style=style("headline-list--mark"))
            title = style("headline-list--read" if story.read else "headline-list--unread")
            star = Text("★ " if story.starred else "", style=style("headline-list--mark"))
            return Text.assemble(mark, star, Text(safe.label(story.title), style=title))
        meta = [safe.label(story.source_title)] if self.show_source else []
        meta.append(relative_time(story.when, self._now))
        return Text("  " + " · ".join(m for m in meta if m), style=style("headline-list--meta"))

    def render_past_end(self, y: int, width: int) -> Strip:
        if self.total == 0 and self.empty and y == 0:
            text = Text("  " + self.empty, style=self.rich_style + self.component_style("headline-list--placeholder"))
            text.truncate(width, overflow="ellipsis", pad=True)
            return Strip(text.render(self.app.console), width)
        return super().render_past_end(y, width)
