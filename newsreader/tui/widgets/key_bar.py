"""The key bar at the bottom: the focused pane's shown bindings, drawn as one line of text.

Textual's Footer mounts a widget per key and mounts them all again on every focus change; at start-up
that was ~0.2 s before the first headline could be painted. This draws the same information (key,
description, the command palette key on the right; clicking a key presses it) from one render.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.screen import Screen
from textual.widget import Widget


class KeyBar(Widget):
    """Key hints for the screen's active bindings; redrawn when they change."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description", "key-bar--disabled"}

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key { color: $footer-key-foreground; background: $footer-key-background; text-style: bold; }
        & > .key-bar--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .key-bar--disabled { text-style: dim; }
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def _hint(self, key: str, display: str, description: str, enabled: bool) -> Text:
        key_style = self.get_component_rich_style("key-bar--key")
        description_style = self.get_component_rich_style("key-bar--description")
        if not enabled:
            dim = self.get_component_rich_style("key-bar--disabled", partial=True)
            key_style, description_style = key_style + dim, description_style + dim
        # A click presses the key, as on Textual's Footer (repr() quotes it as an action argument).
        click = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
        hint = Text(no_wrap=True, end="")
        hint.append(f" {display} ", key_style + click)
        if description:
            hint.append(f"{description} ", description_style + click)
        return hint

    def render(self) -> RenderResult:
        app = self.app
        active = self.screen.active_bindings
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        seen: set[str] = set()
        for _node, binding, enabled, _tooltip in active.values():
            if not binding.show or binding.action in seen or binding.key == app.COMMAND_PALETTE_BINDING:
                continue
            seen.add(binding.action)
            line.append_text(self._hint(binding.key, app.get_key_display(binding), binding.description, enabled))
        palette = active.get(app.COMMAND_PALETTE_BINDING) if app.ENABLE_COMMAND_PALETTE else None
        if palette is None:
            return line
        _node, binding, enabled, _tooltip = palette
        right = self._hint(binding.key, app.get_key_display(binding), binding.description, enabled)
        room = self.size.width - right.cell_len
        if line.cell_len > room:
            line.truncate(max(room, 0), overflow="ellipsis")
        line.pad_right(max(room - line.cell_len, 0))
        line.append_text(right)
        return line
