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
    Binding("u", "undo_mark_read", "Undo the last mark-read (m, or A)", show=False, id="main.undo-read"),
    Binding("r", "refresh_source", "Refresh", id="main.refresh"),
    Binding("R", "refresh_all", "Refresh all", id="main.refresh-all"),
    Binding("slash", "search", "Search", id="main.search"),
    Binding("e", "show_error", "Source error", show=False, id="main.show-error"),
    Binding("number_sign", "browse_tags", "Tags: the stories of one", show=False, id="main.tags"),
    Binding("question_mark", "help", "Help", id="main.help"),
    # --- issue #16 part C: links, pager, terminal browser
    Binding("y", "copy_link", "Copy the story's link (OSC 52 terminals)", show=False, id="main.copy-link"),
    Binding("v", "pager", "Read the story in the pager (config: pager)", show=False, id="main.pager"),
    Binding("w", "text_browser", "Open the link in the terminal browser", show=False, id="main.text-browser"),
    # --- end issue #16 part C
    Binding("ctrl+s", "sync_now", "Sync with the aggregator now (config: sync)", show=False, id="main.sync-now"),
]

# -- views (issue #16): stars, unread only, the order; kept across runs (tui/state.py). The main screen's, like MAIN;
# a group of their own in help, and offered by the palette (IN_PALETTE).
VIEWS = [
    Binding("asterisk", "toggle_star", "Star or unstar the story (the Starred view)", show=False, id="main.star"),
    Binding("U", "toggle_unread_only", "Unread stories only, or every story (kept)", show=False, id="main.unread-only"),
    Binding("S", "cycle_sort", "Sort by date, source or title (kept)", show=False, id="main.sort"),
]
VIEWS_PLACE = "Views (everywhere)"
# -- end of views --

HEADLINES = list_keys("headlines")

SOURCES = [
    *list_keys("sources", show_open=False),  # Enter (or a click) on a folder, or on Tags, opens or closes it
    Binding("d,delete", "screen.remove_source", "Unsubscribe (asks first)", show=False, id="sources.remove"),
    Binding("f2,c", "screen.rename_source", "Rename the source", show=False, id="sources.rename"),
    Binding("M", "screen.move_source", "Move the source to a folder", show=False, id="sources.move"),
    Binding("T", "screen.tag_source", "Tag the source", show=False, id="sources.tag"),
]

INPUT = [Binding("escape", "cancel", "Cancel", id="input.cancel")]

ARTICLE = [
    Binding("j", "scroll_down", "Scroll down", show=False, id="article.down"),
    Binding("k", "scroll_up", "Scroll up", show=False, id="article.up"),
    Binding("g", "scroll_home", "Top", show=False, id="article.top"),
    Binding("G", "scroll_end", "Bottom", show=False, id="article.bottom"),
    # --- issue #16 part C: the story's numbered links (palette: "Open link N")
    *(
        Binding(
            str(n),
            f"screen.open_numbered({n})",
            "Open the story's link of that number",
            show=False,
            id=f"article.link-{n}",
        )
        for n in range(1, 10)
    ),
    # --- end issue #16 part C
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
    (VIEWS_PLACE, VIEWS),
]


# --- issue #16 part C: keymaps ([keys] in config.toml, applied with Textual's App.set_keymap)
# Textual's own command palette binding (App.COMMAND_PALETTE_BINDING) is not remapped: it is listed for help only.
FIXED = {"app.palette"}


def binding_ids() -> set[str]:
    """Every id a [keys] table may remap."""
    every = [b for _place, bindings in TABLE for b in bindings] + HELP + CONFIRM
    return {b.id for b in every if b.id} - FIXED


def unknown_ids(keymap: dict[str, str]) -> list[str]:
    """The ids of a [keys] table that name no binding (sorted), for the config error."""
    known = binding_ids()
    return sorted(i for i in keymap if i not in known)


def keys_of(binding: Binding, keymap: dict[str, str]) -> str:
    """The binding's keys as the reader has them: the keymap's when it remaps the binding, else its own."""
    return keymap.get(binding.id or "", binding.key) if binding.id not in FIXED else binding.key


# --- end issue #16 part C


IN_PALETTE = (EVERYWHERE, VIEWS_PLACE)  # the places whose commands the palette offers
