"""The registry of the reader's commands: every key binding, by where it works, each with an id.

The app, the screen and the widgets take their BINDINGS from here; the help screen and the command palette
read the same table, so neither can drift from the keys, and neither imports the classes that use them.
A new pane adds its place here.
"""

from __future__ import annotations

from textual.binding import Binding


def list_keys(prefix: str, show_open: bool = True) -> list[Binding]:
    """The keys of a virtual list (VirtualList's actions), with ids under `prefix`."""
    return [
        Binding("j,down", "cursor_down", "Down", show=False, id=f"{prefix}.down"),
        Binding("k,up", "cursor_up", "Up", show=False, id=f"{prefix}.up"),
        Binding("g,home", "first", "Top", show=False, id=f"{prefix}.top"),
        Binding("G,end", "last", "Bottom", show=False, id=f"{prefix}.bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id=f"{prefix}.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id=f"{prefix}.page-up"),
        Binding("enter,l", "open", "Open", show=show_open, id=f"{prefix}.open"),
    ]


APP = [Binding("q", "quit", "Quit", id="app.quit")]

# Textual's own binding (App.COMMAND_PALETTE_BINDING) does the work; listed here so that help names it.
PALETTE = [Binding("ctrl+p", "command_palette", "Command palette (every command, by name)", id="app.palette")]

MAIN = [
    Binding("tab", "cycle_panes", "Next pane (then the story's related headlines)", show=False, id="main.next-pane"),
    Binding("shift+tab", "cycle_panes(-1)", "Previous pane", show=False, id="main.previous-pane"),
    Binding("h,escape", "back", "Back", id="main.back"),
    Binding("n", "next_unread", "Next unread", id="main.next-unread"),
    Binding("p", "next_unread(False)", "Previous unread", show=False, id="main.previous-unread"),
    Binding("space", "page_story", "Page the story down", show=False, id="main.story-page-down"),
    Binding("b", "page_story(-1)", "Page the story up", show=False, id="main.story-page-up"),
    Binding("o", "open_link", "Open in browser", id="main.open-link"),
    Binding("m", "toggle_read", "Toggle read (in a story: that story)", show=False, id="main.toggle-read"),
    Binding("s", "save_story", "Save story as Markdown", show=False, id="main.save"),
    Binding(
        "A", "mark_source_read", "Mark source read (All stories: asks first)", show=False, id="main.mark-source-read"
    ),
    Binding("a", "add_source", "Subscribe to a feed or page", show=False, id="main.add-source"),
    Binding("u", "undo_mark_read", "Undo the last mark-source-read", show=False, id="main.undo-read"),
    Binding("r", "refresh_source", "Refresh", id="main.refresh"),
    Binding("R", "refresh_all", "Refresh all", id="main.refresh-all"),
    Binding("slash", "search", "Search", id="main.search"),
    Binding("e", "show_error", "Source error", show=False, id="main.show-error"),
    Binding("question_mark", "help", "Help", id="main.help"),
    Binding("ctrl+s", "sync_now", "Sync with the aggregator now (config: sync)", show=False, id="main.sync-now"),
]

HEADLINES = list_keys("headlines")

SOURCES = [
    *list_keys("sources", show_open=False),
    Binding("d,delete", "screen.remove_source", "Unsubscribe (asks first)", show=False, id="sources.remove"),
]

ARTICLE = [
    Binding("j", "scroll_down", "Scroll down", show=False, id="article.down"),
    Binding("k", "scroll_up", "Scroll up", show=False, id="article.up"),
    Binding("g", "scroll_home", "Top", show=False, id="article.top"),
    Binding("G", "scroll_end", "Bottom", show=False, id="article.bottom"),
]

RELATED = [
    Binding("j", "cursor_down", "Next related headline", show=False, id="related.down"),
    Binding("k", "cursor_up", "Previous related headline", show=False, id="related.up"),
    Binding("enter,l", "select", "Open it in the reader", id="related.open"),
]

HELP = [
    Binding("escape,q,question_mark", "dismiss", "Close", id="help.close"),
    Binding("j,down", "scroll_help(1)", "Scroll down", show=False, id="help.down"),
    Binding("k,up", "scroll_help(-1)", "Scroll up", show=False, id="help.up"),
    Binding("space,pagedown", "scroll_help(0, 1)", "Page down", show=False, id="help.page-down"),
    Binding("b,pageup", "scroll_help(0, -1)", "Page up", show=False, id="help.page-up"),
    Binding("g,home", "scroll_help(-100000)", "Top", show=False, id="help.top"),
    Binding("G,end", "scroll_help(100000)", "Bottom", show=False, id="help.bottom"),
]

CONFIRM = [
    Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
    Binding("n,escape", "answer(False)", "No", id="confirm.no"),
]

EVERYWHERE = "Everywhere"

# Where each binding works, in the order help lists them. The palette offers the EVERYWHERE ones.
TABLE: list[tuple[str, list[Binding]]] = [
    (EVERYWHERE, APP + PALETTE + MAIN),
    ("Headlines", HEADLINES),
    ("Story", ARTICLE),
    ("Sources", SOURCES),
    ("Related headlines", RELATED),
]
