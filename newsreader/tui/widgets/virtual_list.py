"""The one virtual list: the headlines and the sources are both this, with their own rows and data.

A `ScrollView` that draws only the rows in view (Textual's OptionList is the model): it owns the cursor, the
movement actions (their keys: commands.list_keys), clicks, the two-row repaint when the cursor moves, resizing, and one cache of drawn lines.
The cache is keyed on everything that changes a line's look: the row's identity and content (from the
subclass), the line within the row, the width, selection, focus and the resolved style, so a theme change
or a focus change is a cache miss, never a stale row.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

LINE_CACHE = 1024  # drawn lines kept: several screens' worth of rows, in every style they were drawn in


class VirtualList(ScrollView, can_focus=True):
    """Rows of ROW lines each; subclasses say how many rows there are, what identifies one, and draw it."""

    # Rows are cut to the width, never scrolled sideways: no horizontal scrollbar once the vertical one shows.
    DEFAULT_CSS = """
    VirtualList { overflow-x: hidden; }
    """

    ROW: ClassVar[int] = 1  # lines per row
    CURSOR_COMPONENT: ClassVar[str] = ""  # the component class of the cursor row's background

    cursor: reactive[int] = reactive(0, always_update=True, repaint=False)  # watch_cursor repaints two rows

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._lines: LRUCache[tuple[object, ...], Strip] = LRUCache(LINE_CACHE)
        self._components = sorted(self._get_component_classes())
        self._styled_by: tuple[object, ...] = ()  # the component styles the cached lines were drawn with
        self._style_generation = 0
        self._style_key: tuple[object, ...] = ()
        self._base = Style()

    # -- what a subclass provides ----------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        raise NotImplementedError

    def row_key(self, index: int) -> Hashable:
        """What identifies row `index` as drawn (its identity and whatever of its content is shown)."""
        raise NotImplementedError

    def render_row(self, index: int, part: int, width: int) -> Text:
        """Line `part` of row `index`, unpadded; the list adds the background and the cursor's highlight."""
        raise NotImplementedError

    def open_row(self, index: int) -> None:
        """Enter, or a click on the highlighted row."""

    def cursor_moved(self, index: int) -> None:
        """Called on the event loop after the cursor moved (or was set again) to `index`."""

    def render_past_end(self, y: int, width: int) -> Strip:
        """A line below the last row (an empty list may say so on its first line)."""
        return Strip.blank(width, self._base)

    # -- data ------------------------------------------------------------------------------------------

    def rows_changed(self) -> None:
        """The rows are other rows now (or drawn from other data): forget drawn lines, measure, repaint."""
        self._lines.clear()
        self._measure()
        self.refresh()

    def refresh_row(self, index: int) -> None:
        top = self.scroll_offset.y
        self.refresh(Region(0, index * self.ROW - top, self.size.width, self.ROW))

    def _measure(self) -> None:
        self.virtual_size = Size(self.scrollable_content_region.width, self.row_count * self.ROW)

    # -- movement --------------------------------------------------------------------------------------

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, self.row_count - 1))

    def watch_cursor(self, old: int, new: int) -> None:
        # Only the two rows whose highlight changed are drawn again; the line cache keys on "selected".
        for row in {old, new}:
            self.refresh_row(row)
        top = self.scroll_offset.y
        if not top <= new * self.ROW <= top + self.size.height - self.ROW:
            self.scroll_to_cursor()  # only when the cursor leaves the window: a scroll repaints every row
        self.cursor_moved(new)

    def scroll_to_cursor(self, center: bool = False) -> None:
        region = Region(0, self.cursor * self.ROW, 1, self.ROW)
        self.scroll_to_region(region, animate=False, center=center, force=True)

    def move(self, delta: int) -> None:
        if self.row_count:
            self.cursor += delta

    def _page(self) -> int:
        return max(1, self.size.height // self.ROW - 1)

    def action_cursor_down(self) -> None:
        self.move(1)

    def action_cursor_up(self) -> None:
        self.move(-1)

    def action_first(self) -> None:
        self.move(-self.row_count)

    def action_last(self) -> None:
        self.move(self.row_count)

    def action_page_down(self) -> None:
        self.move(self._page())

    def action_page_up(self) -> None:
        self.move(-self._page())

    def action_open(self) -> None:
        if self.row_count:
            self.open_row(self.cursor)

    def on_click(self, event: events.Click) -> None:
        row = (self.scroll_offset.y + event.y) // self.ROW
        if not 0 <= row < self.row_count:
            return
        if row == self.cursor:
            self.action_open()  # a click on the highlighted row opens it
        self.cursor = row

    def on_focus(self) -> None:
        self.refresh()  # the cursor row is drawn differently with focus

    def on_blur(self) -> None:
        self.refresh()

    def on_resize(self) -> None:
        self._measure()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()  # a theme or a pseudo-class changed: the lines' style key is taken again at the next paint

    # -- drawing ---------------------------------------------------------------------------------------

    def component_style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The resolved style, once a paint rather than once a line: part of every line's cache key. Textual
        # makes new component styles each time it applies CSS to the list (a theme, a pseudo-class): a new
        # generation of lines. Compared by identity, since resolving them again after every refresh costs.
        components = tuple(self._component_styles.get(name) for name in self._components)
        if len(components) != len(self._styled_by) or any(
            a is not b for a, b in zip(components, self._styled_by, strict=True)
        ):
            self._styled_by = components
            self._style_generation += 1
        self._base = self.rich_style
        self._style_key = (self._style_generation, self._base)
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index, part = divmod(self.scroll_offset.y + y, self.ROW)
        width = self.scrollable_content_region.width
        if width <= 0:
            return Strip.blank(width, self._base)
        if index >= self.row_count:
            return self.render_past_end(y, width)
        selected = index == self.cursor
        key = (self.row_key(index), part, width, selected, self.has_focus, self._style_key)
        cached = self._lines.get(key)
        if cached is None:
            base = self._base
            if selected and self.CURSOR_COMPONENT:
                base = base + self.get_component_rich_style(self.CURSOR_COMPONENT)
            text = self.render_row(index, part, width)
            text.truncate(width, overflow="ellipsis", pad=True)
            segments = [Segment(s.text, base + s.style if s.style else base) for s in text.render(self.app.console)]
            cached = self._lines[key] = Strip(segments, width).crop_extend(0, width, base)
        return cached
