"""Fever API back-end (FreshRSS, Miniflux, TheOldReader, coldsweat, ...).

`server` is the endpoint itself (FreshRSS: `https://host/api/fever.php`, Miniflux: `https://host/fever/`).
Every call is a POST of `api_key` = md5("user:password") to `server?api&<what>`; the key is never put in the URL
(FreshRSS refuses it there, and URLs end up in logs). A wrong key is HTTP 200 with `{"auth": 0}`: that is a
SyncAuthError, never an empty success.

Fever marks one item per request (the protocol has no list form), so a push of N ids is N requests. It has no
way to subscribe or unsubscribe: those raise SyncUnsupported. Titles, URLs, group names and html are the
server's: they reach a screen only through `newsreader.safe`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from datetime import UTC, datetime

import httpx

from newsreader.config import NetworkConfig
from newsreader.sync.base import (
    Action,
    Backend,
    Item,
    Pull,
    Subscription,
    SyncAuthError,
    SyncProtocolError,
    SyncRefused,
    SyncUnsupported,
    canonical_id,
)
from newsreader.sync.net import Http, check_server

ITEMS_PAGE = 50  # Fever returns at most 50 items per call
WITH_IDS_BATCH = 50
MAX_PAGES = 200  # 10 000 items per pull

_MARK = {Action.READ: "read", Action.UNREAD: "unread", Action.STARRED: "saved", Action.UNSTARRED: "unsaved"}


def api_key(user: str, password: str) -> str:
    return hashlib.md5(f"{user}:{password}".encode()).hexdigest()


class Fever(Backend):
    def __init__(
        self,
        server: str,
        user: str,
        password: str,
        *,
        cfg: NetworkConfig | None = None,
        max_pages: int = MAX_PAGES,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.url = check_server(server)
        self.user = user
        self._key = api_key(user, password)
        self.max_pages = max_pages
        self._http = Http(cfg, transport=transport)

    @property
    def requests(self) -> int:  # type: ignore[override]
        return self._http.requests

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _call(self, *what: tuple[str, str], form: Iterable[tuple[str, str]] = ()) -> dict[str, object]:
        query = "&".join(["api", *(f"{k}={v}" if v else k for k, v in what)])
        sep = "&" if "?" in self.url else "?"
        reply = await self._http.send("POST", f"{self.url}{sep}{query}", data=[("api_key", self._key), *form])
        if reply.status in (401, 403):
            raise self._auth_error(f"HTTP {reply.status}")
        if reply.status == 404:
            raise SyncProtocolError(f"{self.url}: no Fever API there (HTTP 404); check [sync] server")
        if reply.status >= 400:
            raise SyncRefused(f"{self.url}: the server refused the request (HTTP {reply.status})")
        try:
            data = json.loads(reply.body)
        except ValueError:
            raise SyncProtocolError(
                f"{self.url}: the answer is not JSON; is this a Fever API? (FreshRSS: https://host/api/fever.php)"
            ) from None
        if not isinstance(data, dict) or ("api_version" not in data and "auth" not in data):
            raise SyncProtocolError(f"{self.url}: the answer is not a Fever API's")
        if data.get("auth") != 1:
            raise self._auth_error('{"auth": 0}')
        return data

    def _auth_error(self, how: str) -> SyncAuthError:
        return SyncAuthError(
            f"{self.url}: the server refused user {self.user!r} with this password ({how}); check [sync] user and "
            "the password (FreshRSS and Miniflux want the API password set in their settings, not the web one)"
        )

    async def login(self) -> None:
        await self._call()

    async def subscriptions(self) -> list[Subscription]:
        data = await self._call(("feeds", ""), ("groups", ""))
        groups = {str(g.get("id")): str(g.get("title") or "") for g in _list(data, "groups") if isinstance(g, dict)}
        folders: dict[str, list[str]] = {}
        for fg in _list(data, "feeds_groups"):
            if not isinstance(fg, dict):
                continue
            for fid in str(fg.get("feed_ids") or "").split(","):
                if fid.strip() and str(fg.get("group_id")) in groups:
                    folders.setdefault(fid.strip(), []).append(groups[str(fg.get("group_id"))])
        out = []
        for f in _list(data, "feeds"):
            if not isinstance(f, dict) or "id" not in f:
                raise SyncProtocolError(f"{self.url}: a feed without an id")
            fid = str(f["id"])
            out.append(
                Subscription(
                    id=fid,
                    title=str(f.get("title") or ""),
                    feed_url=str(f.get("url") or ""),
                    html_url=str(f.get("site_url") or ""),
                    folders=tuple(folders.get(fid, ())),
                )
            )
        return out

    async def pull(self, since: str | None = None) -> Pull:
        """The mark is the highest item id seen (`since_id`: items with a higher id, oldest first)."""
        mark = canonical_id(since) if since is not None else "0"
        items: list[Item] = []
        for _ in range(self.max_pages):
            page = [self._item(raw) for raw in _list(await self._call(("items", ""), ("since_id", mark)), "items")]
            items.extend(page)
            if page:
                newest = max(int(i.id) for i in page)
                if newest <= int(mark):
                    raise SyncProtocolError(f"{self.url}: since_id={mark} returned no newer item; the server is wrong")
                mark = str(newest)
            if len(page) < ITEMS_PAGE:
                return Pull(items=sorted(items, key=lambda i: int(i.id)), mark=mark, complete=True)
        return Pull(items=sorted(items, key=lambda i: int(i.id)), mark=mark, complete=False)

    async def items(self, ids: Iterable[str]) -> list[Item]:
        wanted = list(dict.fromkeys(canonical_id(i) for i in ids))
        out: list[Item] = []
        for start in range(0, len(wanted), WITH_IDS_BATCH):
            chunk = ",".join(wanted[start : start + WITH_IDS_BATCH])
            out.extend(self._item(raw) for raw in _list(await self._call(("items", ""), ("with_ids", chunk)), "items"))
        return out

    def _item(self, raw: object) -> Item:
        if not isinstance(raw, dict) or "id" not in raw:
            raise SyncProtocolError(f"{self.url}: an item without an id")
        when = None
        created = raw.get("created_on_time")
        if isinstance(created, int) and not isinstance(created, bool):
            try:
                when = datetime.fromtimestamp(created, UTC)
            except (OverflowError, OSError, ValueError):
                when = None
        return Item(
            id=canonical_id(raw["id"]),
            feed_id=str(raw.get("feed_id") or ""),
            title=str(raw.get("title") or ""),
            url=str(raw.get("url") or ""),
            author=str(raw.get("author") or ""),
            published=when,
            content=str(raw.get("html") or ""),
            read=bool(raw.get("is_read")) if "is_read" in raw else None,
            starred=bool(raw.get("is_saved")) if "is_saved" in raw else None,
        )

    async def _id_set(self, key: str) -> set[str]:
        value = (await self._call((key, ""))).get(key)
        if not isinstance(value, str | int):
            raise SyncProtocolError(f"{self.url}: {key!r} is not a comma-separated list")
        return {canonical_id(i) for i in str(value).split(",") if i.strip()}

    async def unread_ids(self) -> set[str]:
        return await self._id_set("unread_item_ids")

    async def starred_ids(self) -> set[str]:
        return await self._id_set("saved_item_ids")

    async def push(self, action: Action, ids: Iterable[str]) -> None:
        for item_id in dict.fromkeys(canonical_id(i) for i in ids):
            await self._call(form=[("mark", "item"), ("as", _MARK[action]), ("id", item_id)])

    async def subscribe(self, feed_url: str, *, title: str = "", folder: str = "") -> Subscription:
        raise SyncUnsupported(
            "the Fever API cannot subscribe to feeds: subscribe on the server's web page, or use protocol = "
            '"greader" in [sync] if the server offers it'
        )

    async def unsubscribe(self, feed_url: str) -> None:
        raise SyncUnsupported(
            "the Fever API cannot unsubscribe from feeds: unsubscribe on the server's web page, or use protocol = "
            '"greader" in [sync] if the server offers it'
        )


def _list(data: dict[str, object], key: str) -> list[object]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SyncProtocolError(f"Fever: {key!r} is not a list")
    return value
