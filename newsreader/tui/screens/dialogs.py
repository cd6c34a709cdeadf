"""Modal screens: the key help (built from the real bindings), a source's error, a failure, a question, a URL."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from newsreader import logs, safe
from newsreader.model import Source, local_time
from newsreader.tui import commands


def _keys(binding: Binding, keymap: dict[str, str] | None = None) -> str:
    """The binding's keys for people (config.toml's [keys] remaps them by id)."""
    keys = commands.keys_of(binding, keymap or {})
    names = {
        "question_mark": "?",
        "slash": "/",
        "asterisk": "*",
        "escape": "Esc",
        "enter": "Enter",
        "space": "Space",
        "shift+tab": "Shift+Tab",
        "tab": "Tab",
        "pagedown": "PgDn",
        "pageup": "PgUp",
        "home": "Home",
        "end": "End",
        "down": "↓",
        "up": "↑",
        "ctrl+p": "Ctrl+P",
        "number_sign": "#",
        "f2": "F2",
    }
    return " ".join(names.get(k.strip(), k.strip()) for k in keys.split(","))


def binding_table() -> list[tuple[str, list[Binding]]]:
    """Every binding the reader has, by where it works: the one source of the help screen and the palette."""
    return commands.TABLE


class HelpScreen(ModalScreen[None]):
    BINDINGS = list[BindingType](commands.HELP)

    def __init__(self, keymap: dict[str, str] | None = None) -> None:
        super().__init__()
        self.keymap = keymap or {}  # config.toml's [keys]: help shows the keys as remapped

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 76; max-width: 100%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
        scrollbar-size-vertical: 1;
        scrollbar-color: $primary 60%; scrollbar-color-hover: $primary; scrollbar-background: $panel;
    }
    """

    def action_scroll_help(self, lines: int, pages: int = 0) -> None:
        scroll = self.query_one(VerticalScroll)
        step = lines + pages * max(1, scroll.scrollable_content_region.height - 1)
        scroll.scroll_to(y=scroll.scroll_y + step, animate=False)

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
        table.add_column("Keys", style="bold", no_wrap=True, width=16)
        table.add_column("Does")
        for place, bindings in binding_table():
            table.add_row(Text(place, style="underline"), "")
            # Bindings that do one thing by number (the story's links 1-9) are one row: their keys side by side.
            rows: list[tuple[str, str]] = []
            for binding in bindings:
                keys = _keys(binding, self.keymap)
                if rows and rows[-1][1] == binding.description:
                    keys = f"{rows.pop()[0]} {keys}"
                rows.append((keys, binding.description))
            for keys, description in rows:
                table.add_row(keys, description)
            table.add_row("", "")
        with VerticalScroll() as scroll:
            scroll.border_title = "Keys (j/k scroll, Esc closes)"
            yield Static(table, id="help-table")


class NoticeScreen(ModalScreen[None]):
    """A message over the reader, in a red frame, closed with Esc; subclasses say what it is."""

    DEFAULT_CSS = """
    NoticeScreen { align: center middle; }
    NoticeScreen > VerticalScroll {
        width: 80; height: auto; max-height: 80%; border: thick $error; background: $surface; padding: 1 2;
    }
    """

    frame_title = ""

    def message(self) -> Text:
        raise NotImplementedError

    def compose(self) -> ComposeResult:
        with VerticalScroll() as scroll:
            scroll.border_title = f"{self.frame_title} (Esc to close)"
            yield Static(self.message(), markup=False)


class ErrorScreen(NoticeScreen):
    """Why a source (marked ! in Sources) failed, or what it warned of."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,e,enter", "dismiss", "Close", id="error.close")]
    frame_title = "Source error"

    def __init__(self, source: Source) -> None:
        super().__init__()
        self.source = source

    def message(self) -> Text:
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
            text.append(f"\nLast tried {local_time(s.last_refresh)}.", style="dim")
        return text


class FailureScreen(NoticeScreen):
    """Something the reader did failed in a way we did not expect: said here, logged, and the reader goes on."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "dismiss", "Close", id="failure.close")]
    frame_title = "Something went wrong"

    def __init__(self, doing: str, error: BaseException) -> None:
        super().__init__()
        self.doing = doing
        self.error = error

    def message(self) -> Text:
        text = Text()
        text.append(f"{self.doing} failed.\n\n", style="bold")
        # The message may quote a server or a page: through the gate, as plain text.
        text.append(safe.line(f"{type(self.error).__name__}: {self.error}") + "\n\n")
        log_file = logs.current()
        where = f" in {log_file}" if log_file else ""
        text.append(f"The details are logged{where}. The reader goes on; Esc closes this.", style="dim")
        return text


class ConfirmScreen(ModalScreen[bool]):
    """A question with a yes and a no: y or Enter says yes, n or Esc says no (the safe answer)."""

    BINDINGS = list[BindingType](commands.CONFIRM)

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 64; max-width: 100%; height: auto; border: thick $warning; background: $surface; padding: 1 2;
    }
    ConfirmScreen #confirm-keys { color: $text-muted; margin: 1 0 0 0; }
    """

    def __init__(self, title: str, question: Text) -> None:
        super().__init__()
        self.title_text = title
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = self.title_text
            yield Static(self.question, markup=False, id="confirm-question")
            yield Static("y or Enter: yes    n or Esc: no", markup=False, id="confirm-keys")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class TextInputScreen(ModalScreen[str | None]):
    """One line of text (a new title, a folder, tags), prefilled; Enter gives it, Esc gives None (nothing done)."""

    BINDINGS = list[BindingType](commands.INPUT)

    DEFAULT_CSS = """
    TextInputScreen { align: center middle; }
    TextInputScreen > Vertical {
        width: 72; max-width: 100%; height: auto; border: thick $primary; background: $surface; padding: 1 2;
    }
    TextInputScreen #input-help { color: $text-muted; margin: 1 0 0 0; }
    """

    def __init__(self, title: str, value: str, help: str, placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.help = help
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = Text(self.title_text)  # Text: a feed's title in it is never read as markup
            yield Input(value=self.value, placeholder=self.placeholder, id="input-value")
            yield Static(Text(self.help), id="input-help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AddSourceScreen(TextInputScreen):
    """A URL to subscribe to (a feed, or a page with a feed or headlines); Esc gives None (nothing added)."""

    def __init__(self) -> None:
        help = "A feed, or a page (its feed, else its headlines). Enter adds, Esc cancels."
        super().__init__("Subscribe", "", help, placeholder="https://example.com/feed.xml")


class TagsScreen(ModalScreen[str | None]):
    """Every tag (of stories, from their pages, and the reader's tags of sources) with its unread and total
    stories; Enter (or a click) on one shows its stories, Esc closes."""

    BINDINGS = list[BindingType](commands.INPUT)

    DEFAULT_CSS = """
    TagsScreen { align: center middle; }
    TagsScreen > Vertical {
        width: 64; max-width: 100%; height: 80%; border: thick $primary; background: $surface; padding: 0 1;
    }
    TagsScreen OptionList { height: 1fr; }
    TagsScreen #tags-help { color: $text-muted; }
    """

    def __init__(self, tags: list[tuple[str, int, int]]) -> None:
        super().__init__()
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Tags"
            options = []
            for index, (name, total, unread) in enumerate(self.tags):
                label = Text(safe.label(name), style="bold" if unread else "")
                label.append(f"  {unread}/{total}", style="dim")
                options.append(Option(label, id=str(index)))
            yield OptionList(*options, id="tags-list")
            yield Static(
                "No tags yet: stories get theirs from their pages, sources from T."
                if not self.tags
                else "Enter shows the tag's stories (unread/total), Esc closes.",
                id="tags-help",
            )

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.tags[int(event.option.id or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)
