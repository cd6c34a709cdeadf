"""Typed results of the main screen's workers, posted back to the event loop."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

from newsreader.model import Source, Story

if TYPE_CHECKING:
    from newsreader.refresh import Outcome
    from newsreader.render import Presented
    from newsreader.store import View


@dataclass
class SourcesLoaded(Message):
    sources: list[Source]
    total_unread: int
    starred: int = 0  # how many stories are starred (the Starred entry's count)


@dataclass
class HeadlinesLoaded(Message):
    """A fresh list for the headline pane: its length, the pages loaded so far, where the cursor goes."""

    key: tuple[object, ...]
    total: int
    pages: dict[int, list[Story]]
    cursor: int = 0
    open_story: int | None = None  # open this story once the list is shown (next/previous unread)


@dataclass
class PageLoaded(Message):
    key: tuple[object, ...]
    page: int
    rows: list[Story]


@dataclass
class StoryLoaded(Message):
    story: Story
    presented: Presented


@dataclass
class RefreshProgress(Message):
    done: int
    total: int
    outcome: Outcome | None = None


@dataclass
class RefreshFinished(Message):
    outcomes: list[Outcome]


@dataclass
class StatusChanged(Message):
    """A line for the status bar from a worker; "error" also raises a notification."""

    text: str
    severity: str = ""


@dataclass
class StoreChanged(Message):
    """A worker changed read state: the counts (and, when asked, the headline list) are read again."""

    headlines: bool = False


@dataclass
class MarkedRead(Message):
    """`A` marked these stories read (of `name`: a source, or every source); `u` can make them unread again."""

    name: str
    ids: list[int]


@dataclass
class ListMoved(Message):
    """The screen goes to another view with this list (issue #16): `n` into the next source with unread stories,
    or the place kept from the last run (`restored`); the story `open_story` opens, scrolled to `scroll`."""

    view: View
    loaded: HeadlinesLoaded
    open_story: int | None = None
    scroll: float = 0.0
    restored: bool = False
    note: str = ""
