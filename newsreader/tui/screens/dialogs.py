"""Modal screens: the key help (built from the real bindings) and a source's error detail."""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from newsreader import safe
from newsreader.model import Source


def _bindings(owner: type) -> list[Binding]:
    return [b for b in getattr(owner, "BINDINGS", []) if isinstance(b, Binding)]


def _keys(binding: Binding) -> str:
    names = {
        "question_mark": "?",
        "slash": "/",
        "escape": "Esc",
        "enter": "Enter",
        "space": "Space",
        "shift+tab": "Shift+Tab",
        "tab": "Tab",
        "pagedown": "PgDn",
        "pageup": "PgUp",
    }
    return " ".join(names.get(k.strip(), k.strip()) for k in binding.key.split(","))


def binding_table() -> list[tuple[str, list[Binding]]]:
    """Every binding the reader has, by where it works: the one source of the help screen and the palette."""
    from newsreader.tui.app import NewsReaderApp
    from newsreader.tui.screens.main import MainScreen
    from newsreader.tui.widgets.article_view import ArticleView
    from newsreader.tui.widgets.headline_list import HeadlineList
    from newsreader.tui.widgets.source_list import SourceList

    return [
        ("Everywhere", _bindings(NewsReaderApp) + _bindings(MainScreen)),
        ("Headlines", _bindings(HeadlineList)),
        ("Story", _bindings(ArticleView)),
        ("Sources", _bindings(SourceList)),
    ]


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,question_mark", "dismiss", "Close", id="help.close")]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 72; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
        table.add_column("Keys", style="bold", no_wrap=True, width=16)
        table.add_column("Does")
        for place, bindings in binding_table():
            table.add_row(Text(place, style="underline"), "")
            for binding in bindings:
                table.add_row(_keys(binding), binding.description)
            table.add_row("", "")
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys (Esc to close)"
            yield Static(table, id="help-table")


class ErrorScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,e,enter", "dismiss", "Close", id="error.close")]

    DEFAULT_CSS = """
    ErrorScreen { align: center middle; }
    ErrorScreen > VerticalScroll {
        width: 80; height: auto; max-height: 80%; border: thick $error; background: $surface; padding: 1 2;
    }
    """

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        s = self.source
        text = Text()
        text.append(safe.line(s.name) + "\n", style="bold")
        text.append(safe.url(s.url) + "\n\n", style="dim")
        if s.error:
            text.append("Last refresh failed: ", style="bold")
            text.append(safe.line(s.error) + "\n")
        if s.warning:
            text.append("Warning: ", style="bold")
            text.append(safe.line(s.warning) + "\n")
        if s.last_refresh:
            text.append(f"\nLast tried {s.last_refresh:%Y-%m-%d %H:%M} UTC.", style="dim")
        with VerticalScroll() as scroll:
            scroll.border_title = "Source error (Esc to close)"
            yield Static(text, markup=False)


class FailureScreen(ModalScreen[None]):
    """Something the reader did failed in a way we did not expect: said here, logged, and the reader goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "dismiss", "Close", id="failure.close")]

    DEFAULT_CSS = """
    FailureScreen { align: center middle; }
    FailureScreen > VerticalScroll {
        width: 80; height: auto; max-height: 80%; border: thick $error; background: $surface; padding: 1 2;
    }
    """

    def __init__(self, doing: str, error: BaseException) -> None:
        super().__init__()
        self.doing = doing
        self.error = error

    def compose(self) -> ComposeResult:
        text = Text()
        text.append(f"{self.doing} failed.\n\n", style="bold")
        # The message may quote a server or a page: through the gate, as plain text.
        text.append(safe.line(f"{type(self.error).__name__}: {self.error}") + "\n\n")
        logs = [h.baseFilename for h in logging.getLogger("newsreader").handlers if isinstance(h, logging.FileHandler)]
        where = f" in {logs[0]}" if logs else ""
        text.append(f"The details are logged{where}. The reader goes on; Esc closes this.", style="dim")
        with VerticalScroll() as scroll:
            scroll.border_title = "Something went wrong (Esc to close)"
            yield Static(text, markup=False)
