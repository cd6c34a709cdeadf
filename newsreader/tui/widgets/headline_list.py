"""The headline list: virtual, so 100,000 stories cost what the visible rows cost.

Rows come from the store in pages that the screen loads in a worker when asked (NeedPage); rows not yet
loaded draw as a dim placeholder for the moment it takes. Rendered lines are cached per row and width.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from newsreader import safe
from newsreader.model import Story
from newsreader.store import HEADLINE_PAGE

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


class HeadlineList(ScrollView, can_focus=True):
    """Headlines of the selected source, newest first; the cursor row is the highlighted story."""

    BINDINGS = [
        Binding("j,down", "cursor_down", "Down", show=False, id="headlines.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id="headlines.up"),
        Binding("g,home", "first", "Top", show=False, id="headlines.top"),
        Binding("G,end", "last", "Bottom", show=False, id="headlines.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="headlines.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="headlines.page-up"),
        Binding("enter,l", "open", "Open", id="headlines.open"),
    ]

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

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)  # watch_cursor repaints two rows

    @dataclass
    class NeedPage(Message):
        key: tuple[object, ...]
        page: int

    @dataclass
    class Opened(Message):
        story: Story

    def __init__(self, *, clock: Callable[[], datetime] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.clock = clock or (lambda: datetime.now(UTC))
        self.key: tuple[object, ...] = ()
        self.show_source = True  # off when every row is from the one source shown
        self.empty = ""  # what an empty list says (our own words, never feed text)
        self.total = 0
        self._pages: dict[int, list[Story]] = {}
        self._asked: set[int] = set()
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
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
        self._lines.clear()
        self._now = self.clock()
        self.virtual_size = Size(self.size.width, total * ROW)
        self.cursor = max(0, min(cursor, total - 1))
        self.scroll_to_cursor(center=True)
        self.refresh()

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
        self._lines.clear()
        self.refresh()

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
        self._lines.clear()
        self.refresh()

    # -- movement ----------------------------------------------------------------------------------

    def watch_cursor(self, old: int, new: int) -> None:
        # Only the two rows whose highlight changed are drawn again; the line cache keys on "selected".
        top = self.scroll_offset.y
        for row in {old, new}:
            self.refresh(Region(0, row * ROW - top, self.size.width, ROW))
        if not top <= new * ROW <= top + self.size.height - ROW:
            self.scroll_to_cursor()  # only when the cursor leaves the window: a scroll repaints every row

    def scroll_to_cursor(self, center: bool = False) -> None:
        self.scroll_to_region(Region(0, self.cursor * ROW, 1, ROW), animate=False, center=center, force=True)

    def move(self, delta: int) -> None:
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def action_cursor_down(self) -> None:
        self.move(1)

    def action_cursor_up(self) -> None:
        self.move(-1)

    def action_first(self) -> None:
        self.move(-self.total)

    def action_last(self) -> None:
        self.move(self.total)

    def action_page_down(self) -> None:
        self.move(max(1, self.size.height // ROW - 1))

    def action_page_up(self) -> None:
        self.move(-max(1, self.size.height // ROW - 1))

    def action_open(self) -> None:
        story = self.current
        if story is not None:
            self.post_message(self.Opened(story))

    def on_click(self, event: events.Click) -> None:
        row = (self.scroll_offset.y + event.y) // ROW
        if not 0 <= row < self.total:
            return
        if row == self.cursor:
            self.action_open()  # a click on the highlighted headline opens it
        self.cursor = row

    # -- drawing -----------------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        index, part = divmod(self.scroll_offset.y + y, ROW)
        width = self.scrollable_content_region.width
        if index >= self.total or width <= 0:
            if self.total == 0 and self.empty and y == 0 and width > 0:
                text = Text("  " + self.empty, style=self.rich_style + self._style("headline-list--placeholder"))
                text.truncate(width, overflow="ellipsis", pad=True)
                return Strip(text.render(self.app.console), width)
            return Strip.blank(width, self.rich_style)
        story = self.story_at(index)
        selected = index == self.cursor
        key = (index, part, width, selected, self.has_focus, story.read if story else None, story.id if story else None)
        cached = self._lines.get(key)
        if cached is None:
            cached = self._render_line(story, part, width, selected)
            self._lines[key] = cached
        return cached

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def _render_line(self, story: Story | None, part: int, width: int, selected: bool) -> Strip:
        base = self.rich_style
        if selected:
            base = base + self.get_component_rich_style("headline-list--cursor")
        if story is None:
            text = Text("  …" if part == 0 else "", style=self._style("headline-list--placeholder"))
        elif part == 0:
            mark = Text("● " if not story.read else "  ", style=self._style("headline-list--mark"))
            style = self._style("headline-list--read" if story.read else "headline-list--unread")
            text = Text.assemble(mark, Text(safe.line(story.title), style=style))
        else:
            meta = [safe.line(story.source_title)] if self.show_source else []
            meta.append(relative_time(story.when, self._now))
            text = Text("  " + " · ".join(m for m in meta if m), style=self._style("headline-list--meta"))
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [Segment(seg.text, base + seg.style if seg.style else base) for seg in text.render(self.app.console)]
        return Strip(segments, width).crop_extend(0, width, base)

    def on_resize(self) -> None:
        self.virtual_size = Size(self.size.width, self.total * ROW)
        self._lines.clear()
