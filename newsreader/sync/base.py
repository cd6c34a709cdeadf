"""The sync back-end interface: what the reader needs from an aggregator (FreshRSS, Miniflux, Inoreader, ...).

No Textual here, and no store: a back-end speaks one protocol to one account and returns plain dataclasses.
Everything in them comes from the server and is untrusted: titles, URLs, authors, folder names and contents reach
a screen (or the CLI's output) only through `newsreader.safe` (`safe.line` for one-line fields, `safe.url` for
URLs, and item content goes through the reader's own rendering like a feed's), and so do the messages of the
exceptions below, which may quote the server.

Item ids are canonical: the unsigned 64-bit number as a decimal string (`canonical_id`), whatever form the server
used, so both protocols of one server (FreshRSS serves both) name an item the same way.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Self

GREADER_ITEM_PREFIX = "tag:google.com,2005:reader/item/"
_U64 = 1 << 64


class SyncError(Exception):
    """A sync call failed; str() is a message a person can act on (untrusted parts: show it through safe.line)."""


class SyncAuthError(SyncError):
    """The server refused the account: wrong user or password, or no password could be found."""


class SyncUnavailable(SyncError):
    """The server could not be reached or could not serve: refused, down, 5xx, timed out. Try again later
    (not before `retry_after`, when the server said when)."""

    def __init__(self, message: str, *, retry_after: datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SyncProtocolError(SyncError):
    """The server answered something that makes no sense for the protocol (wrong URL, not that API, a redirect)."""


class SyncRefused(SyncError):
    """The server understood but refused this request (a feed it could not subscribe to, an unknown feed)."""


class SyncUnsupported(SyncError):
    """The protocol has no such operation (Fever cannot subscribe or unsubscribe)."""


class Action(enum.Enum):
    """A *set* operation on items: each says the state wanted, so replaying it twice is harmless (never a toggle)."""

    READ = "read"
    UNREAD = "unread"
    STARRED = "starred"
    UNSTARRED = "unstarred"


@dataclass(frozen=True, slots=True)
class Subscription:
    """A feed the account follows. `id` is the server's own (GReader "feed/3", Fever "3"); `feed_url` is the key
    that means the same on every server and protocol."""

    id: str
    title: str
    feed_url: str
    html_url: str = ""
    folders: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One story as the server has it. `feed_id` is a `Subscription.id` of the same back-end.

    `content` is the server's HTML (summary or full text) and never a substitute for the reader's own extraction.
    `read` and `starred` are the server's state when the answer said so, else None.
    """

    id: str
    feed_id: str
    title: str
    url: str
    author: str = ""
    published: datetime | None = None
    content: str = ""
    read: bool | None = None
    starred: bool | None = None


@dataclass(frozen=True, slots=True)
class Pull:
    """New items since a mark, and the mark to give next time. A mark is opaque (store it as given); items at the
    mark's edge may come again, so merge by id. `complete` is False when the page bound stopped the pull early:
    pull again from `mark` for the rest."""

    items: list[Item] = field(default_factory=list)
    mark: str | None = None
    complete: bool = True


def canonical_id(raw: object) -> str:
    """An item id in its one canonical form: the unsigned 64-bit number in decimal.

    Accepts decimal ("1730000000123456", or negative as old Google Reader sent), the long form
    "tag:google.com,2005:reader/item/<16 hex>", and bare 16-digit hex. Anything else is a SyncProtocolError.
    """
    s = str(raw).strip()
    try:
        if s.startswith(GREADER_ITEM_PREFIX):
            hexpart = s[len(GREADER_ITEM_PREFIX) :]
            if not hexpart or len(hexpart) > 16:
                raise ValueError(s)
            value = int(hexpart, 16)
        elif len(s) == 16 and not s.lstrip("-").isdigit():
            value = int(s, 16)  # bare hex (only when it cannot be a decimal)
        else:
            if not s.lstrip("-").isdigit() or len(s) > 21:
                raise ValueError(s)
            value = int(s)
            if not -(1 << 63) <= value < _U64:
                raise ValueError(s)
    except ValueError:
        raise SyncProtocolError(f"the server sent an item id that is not one: {s[:80]!r}") from None
    return str(value % _U64)


def greader_long_id(item_id: str) -> str:
    """The long form of a canonical id, as Google Reader clients send it."""
    return f"{GREADER_ITEM_PREFIX}{int(canonical_id(item_id)):016x}"


class Backend(abc.ABC):
    """One account on one server, through one protocol. Use as `async with Backend(...) as b:`.

    Every method may raise SyncAuthError, SyncUnavailable or SyncProtocolError (all SyncError); none returns an
    empty success for a failure. `requests` counts the HTTP requests sent, retries included.
    """

    requests: int = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    @abc.abstractmethod
    async def aclose(self) -> None: ...

    @abc.abstractmethod
    async def login(self) -> None:
        """Check the account now (later calls log in on their own when needed)."""

    @abc.abstractmethod
    async def subscriptions(self) -> list[Subscription]: ...

    @abc.abstractmethod
    async def pull(self, since: str | None = None) -> Pull:
        """Items new on the server since `since` (a `Pull.mark`), oldest first; None: from the beginning."""

    @abc.abstractmethod
    async def items(self, ids: Iterable[str]) -> list[Item]:
        """These items (ids in any form), for the ones a pull did not bring (say, an old starred story)."""

    @abc.abstractmethod
    async def unread_ids(self) -> set[str]: ...

    @abc.abstractmethod
    async def starred_ids(self) -> set[str]: ...

    @abc.abstractmethod
    async def push(self, action: Action, ids: Iterable[str]) -> None:
        """Set `action`'s state on every item of `ids`, in as few requests as the protocol allows."""

    @abc.abstractmethod
    async def subscribe(self, feed_url: str, *, title: str = "", folder: str = "") -> Subscription: ...

    @abc.abstractmethod
    async def unsubscribe(self, feed_url: str) -> None: ...
