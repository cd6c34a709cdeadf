"""Google Reader API back-end (FreshRSS, Miniflux, Inoreader, TheOldReader, BazQux, CommaFeed).

`server` is the API's base, the part before `/accounts/ClientLogin` and `/reader/api/0/...`: for FreshRSS
`https://host/api/greader.php`, for Miniflux `https://host`. ClientLogin gives an `Auth` token sent as
`Authorization: GoogleLogin auth=...`; writes also send `T`, the action token, fetched lazily from `token` and
fetched again once when the server rejects it (401). A 401 on a read logs in once more, then is a SyncAuthError.

Ids come as decimal (`stream/items/ids`) or long form (`stream/items/contents`); both become `canonical_id`.
Every paged call stops after `max_pages` pages (a server whose continuation never ends cannot loop us).
Titles, URLs, folder names and content are the server's: they reach a screen only through `newsreader.safe`.
"""

from __future__ import annotations

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
    canonical_id,
)
from newsreader.sync.net import Form, Http, Reply, check_server

READING_LIST = "user/-/state/com.google/reading-list"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
LABEL = "user/-/label/"

EDIT_BATCH = 250  # ids per edit-tag request (FreshRSS takes any number; others cap around a few hundred)
CONTENTS_BATCH = 100  # ids per items/contents request
IDS_PAGE = 10000  # ids per stream/items/ids page
MAX_PAGES = 100  # pages per paged call (1 million ids)
MAX_PULL = 10000  # items per pull; a pull that stops there says so (Pull.complete) and goes on from its mark

_EDIT = {
    Action.READ: ("a", READ),
    Action.UNREAD: ("r", READ),
    Action.STARRED: ("a", STARRED),
    Action.UNSTARRED: ("r", STARRED),
}


class GReader(Backend):
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
        self.base = check_server(server).rstrip("/")
        self.user = user
        self._password = password
        self.max_pages = max_pages
        self._http = Http(cfg, transport=transport)
        self._auth: str | None = None
        self._token: str | None = None

    @property
    def requests(self) -> int:  # type: ignore[override]
        return self._http.requests

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- authentication --------------------------------------------------------------------------------------

    async def login(self) -> None:
        reply = await self._http.send(
            "POST", f"{self.base}/accounts/ClientLogin", data=[("Email", self.user), ("Passwd", self._password)]
        )
        if reply.status in (401, 403):
            raise SyncAuthError(
                f"{self.base}: the server refused user {self.user!r} with this password (HTTP {reply.status}); "
                "check [sync] user and the password (FreshRSS and Miniflux want the API password set in their "
                "settings, not the web one)"
            )
        if reply.status == 404:
            raise SyncProtocolError(
                f"{self.base}: no Google Reader API there (HTTP 404 for accounts/ClientLogin); check [sync] server "
                "(FreshRSS: https://host/api/greader.php)"
            )
        self._check(reply, "accounts/ClientLogin")
        for line in reply.text().splitlines():
            if line.startswith("Auth="):
                self._auth = line[5:].strip()
                break
        if not self._auth:
            raise SyncProtocolError(f"{self.base}: ClientLogin answered without an Auth= line; is this a GReader API?")
        self._token = None

    async def _ensure_token(self) -> str:
        if self._token is None:
            reply = await self._call("GET", "reader/api/0/token")
            token = reply.text().strip()
            if not token or len(token) > 1024 or not token.isprintable():
                raise SyncProtocolError(f"{self.base}: the action token it sent is not one")
            self._token = token
        return self._token

    async def _call(self, method: str, path: str, *, params: Form = (), data: Form | None = None) -> Reply:
        """An authenticated API call. A 401 logs in again (reads) or fetches a new T (writes), once."""
        write = data is not None
        for _ in range(2):
            if self._auth is None:
                await self.login()
            form: Form | None = None
            if write:
                form = [*(data or ()), ("T", await self._ensure_token())]
            reply = await self._http.send(
                method,
                f"{self.base}/{path}",
                params=params,
                data=form,
                headers={"Authorization": f"GoogleLogin auth={self._auth}"},
            )
            if reply.status != 401:
                self._check(reply, path)
                return reply
            # A stale Auth or T (servers send the same 401 for both): log in and fetch T again, once.
            self._auth = None
            self._token = None
        raise SyncAuthError(
            f"{self.base}: the server keeps refusing user {self.user!r} (HTTP 401 on {path} after logging in "
            "again); check [sync] user and the password"
        )

    def _check(self, reply: Reply, path: str) -> None:
        if reply.status in (400, 404, 409, 422):
            raise SyncRefused(f"{self.base}: the server refused {path} (HTTP {reply.status}: {reply.text()[:200]})")
        if reply.status >= 400:
            raise SyncProtocolError(f"{self.base}: unexpected HTTP {reply.status} for {path}")

    def _json(self, reply: Reply, path: str) -> dict[str, object]:
        try:
            value = json.loads(reply.body)
        except ValueError:
            raise SyncProtocolError(f"{self.base}: {path} did not answer JSON; check [sync] server") from None
        if not isinstance(value, dict):
            raise SyncProtocolError(f"{self.base}: {path} answered JSON that is not an object")
        return value

    # -- reading ---------------------------------------------------------------------------------------------

    async def subscriptions(self) -> list[Subscription]:
        path = "reader/api/0/subscription/list"
        data = self._json(await self._call("GET", path, params=[("output", "json")]), path)
        subs = _list(data, "subscriptions", path)
        out = []
        for s in subs:
            if not isinstance(s, dict) or not isinstance(s.get("id"), str):
                raise SyncProtocolError(f"{self.base}: a subscription without an id in {path}")
            categories = s.get("categories") or []
            if not isinstance(categories, list):
                raise SyncProtocolError(f"{self.base}: a subscription's categories are not a list in {path}")
            folders = tuple(
                str(c.get("label") or str(c.get("id", "")).removeprefix(LABEL))
                for c in categories
                if isinstance(c, dict)
            )
            feed_url = str(s.get("url") or "") or s["id"].removeprefix("feed/")
            out.append(
                Subscription(
                    id=s["id"],
                    title=str(s.get("title") or ""),
                    feed_url=feed_url,
                    html_url=str(s.get("htmlUrl") or ""),
                    folders=tuple(f for f in folders if f),
                )
            )
        return out

    async def _ids(self, params: Form, limit: int | None = None, continuation: str = "") -> tuple[list[str], str]:
        """The ids of a stream, following continuations for up to `max_pages` pages or `limit` ids, and the
        continuation to go on from ("" when that was all of them)."""
        path = "reader/api/0/stream/items/ids"
        ids: list[str] = []
        for _ in range(self.max_pages):
            if limit is not None and len(ids) >= limit:
                return ids, continuation
            n = IDS_PAGE if limit is None else min(IDS_PAGE, limit - len(ids))  # pages end exactly at the limit
            page = [*params, ("n", str(n)), ("output", "json")]
            if continuation:
                page.append(("c", continuation))
            data = self._json(await self._call("GET", path, params=page), path)
            refs = data.get("itemRefs") or []
            if not isinstance(refs, list):
                raise SyncProtocolError(f"{self.base}: {path}: 'itemRefs' is not a list")
            for ref in refs:
                if not isinstance(ref, dict) or "id" not in ref:
                    raise SyncProtocolError(f"{self.base}: {path}: an item reference without an id")
                ids.append(canonical_id(ref["id"]))
            nxt = str(data.get("continuation") or "")
            if not nxt or not refs or nxt == continuation:
                return ids, ""
            continuation = nxt
        return ids, continuation

    async def _id_set(self, params: Form, what: str) -> set[str]:
        ids, more = await self._ids(params)
        if more:
            raise SyncProtocolError(f"{self.base}: more than {self.max_pages * IDS_PAGE} {what} items; gave up")
        return set(ids)

    async def unread_ids(self) -> set[str]:
        return await self._id_set([("s", READING_LIST), ("xt", READ)], "unread")

    async def starred_ids(self) -> set[str]:
        return await self._id_set([("s", STARRED)], "starred")

    async def pull(self, since: str | None = None) -> Pull:
        """Oldest first. The mark is "<s>": the crawl second of the newest item seen (`ot`, inclusive: items of
        that second come again); or "<s>:<continuation>" when the bound stopped the pull mid-stream (many items
        share a crawl second, so a second alone could not go on from there)."""
        ot, _, continuation = (since or "").partition(":")
        if since is not None and not ot.isdigit():
            raise ValueError(f"not a GReader mark: {since!r}")
        params: list[tuple[str, str]] = [("s", READING_LIST), ("r", "o")]
        if ot:
            params.append(("ot", ot))
        ids, more = await self._ids(params, limit=MAX_PULL, continuation=continuation)
        found = await self._contents(ids)
        items = sorted((item for item, _ in found), key=lambda i: int(i.id))
        if more:
            return Pull(items=items, mark=f"{ot or 0}:{more}", complete=False)
        crawled = [t for _, t in found if t is not None]
        mark = str(max(max(crawled), int(ot or 0))) if crawled else (ot or None)
        return Pull(items=items, mark=mark, complete=True)

    async def items(self, ids: Iterable[str]) -> list[Item]:
        return [item for item, _ in await self._contents(ids)]

    async def _contents(self, ids: Iterable[str]) -> list[tuple[Item, int | None]]:
        """Items by id, each with the time (s) the server added it, if it said."""
        path = "reader/api/0/stream/items/contents"
        wanted = list(dict.fromkeys(canonical_id(i) for i in ids))
        out: list[tuple[Item, int | None]] = []
        for start in range(0, len(wanted), CONTENTS_BATCH):
            chunk = wanted[start : start + CONTENTS_BATCH]
            form = [("i", i) for i in chunk]
            data = self._json(await self._call("POST", path, params=[("output", "json")], data=form), path)
            for raw in _list(data, "items", path):
                if not isinstance(raw, dict):
                    raise SyncProtocolError(f"{self.base}: {path}: an item that is not an object")
                out.append((self._item(raw), _crawl_seconds(raw)))
        return out

    def _item(self, raw: dict[str, object]) -> Item:
        cats = raw.get("categories")
        categories = [c for c in cats if isinstance(c, str)] if isinstance(cats, list) else []
        origin = raw.get("origin")
        if not isinstance(origin, dict):
            origin = {}
        url = ""
        for key in ("canonical", "alternate"):
            links = raw.get(key)
            if isinstance(links, list) and links and isinstance(links[0], dict) and links[0].get("href"):
                url = str(links[0]["href"])
                break
        body = raw.get("content") if isinstance(raw.get("content"), dict) else raw.get("summary")
        content = str(body.get("content") or "") if isinstance(body, dict) else ""
        published = raw.get("published")
        when = None
        if isinstance(published, int | float) or (isinstance(published, str) and published.isdigit()):
            try:
                when = datetime.fromtimestamp(int(published), UTC)
            except (OverflowError, OSError, ValueError):
                when = None
        return Item(
            id=canonical_id(raw.get("id", "")),
            feed_id=str(origin.get("streamId") or ""),
            title=str(raw.get("title") or ""),
            url=url,
            author=str(raw.get("author") or ""),
            published=when,
            content=content,
            read=any(c.endswith("/state/com.google/read") for c in categories),
            starred=any(c.endswith("/state/com.google/starred") for c in categories),
        )

    # -- writing ---------------------------------------------------------------------------------------------

    async def push(self, action: Action, ids: Iterable[str]) -> None:
        key, tag = _EDIT[action]
        wanted = list(dict.fromkeys(canonical_id(i) for i in ids))
        for start in range(0, len(wanted), EDIT_BATCH):
            form = [(key, tag), *(("i", i) for i in wanted[start : start + EDIT_BATCH])]
            reply = await self._call("POST", "reader/api/0/edit-tag", data=form)
            if reply.text().strip() != "OK":
                raise SyncProtocolError(f"{self.base}: edit-tag answered {reply.text()[:80]!r}, not OK")

    async def subscribe(self, feed_url: str, *, title: str = "", folder: str = "") -> Subscription:
        path = "reader/api/0/subscription/quickadd"
        data = self._json(await self._call("POST", path, data=[("quickadd", feed_url)]), path)
        stream = data.get("streamId")
        if not data.get("numResults") or not isinstance(stream, str) or not stream:
            # Subscribing is a set operation too: already subscribed (say, a retried request) is success.
            known = [s for s in await self.subscriptions() if s.feed_url == feed_url]
            if not known:
                why = str(data.get("error") or "no reason given")[:200]
                raise SyncRefused(f"{self.base}: the server could not subscribe to {feed_url} ({why})")
            stream = known[0].id
        if title or folder:
            form = [("ac", "edit"), ("s", stream)]
            if title:
                form.append(("t", title))
            if folder:
                form.append(("a", LABEL + folder))
            await self._edit(form)
        for sub in await self.subscriptions():
            if sub.id == stream:
                return sub
        raise SyncProtocolError(f"{self.base}: subscribed to {feed_url}, but it is not in the subscription list")

    async def unsubscribe(self, feed_url: str) -> None:
        subs = [s for s in await self.subscriptions() if s.feed_url == feed_url]
        if not subs:
            raise SyncRefused(f"{self.base}: no subscription to {feed_url} on the server")
        for sub in subs:
            await self._edit([("ac", "unsubscribe"), ("s", sub.id)])

    async def _edit(self, form: Form) -> None:
        reply = await self._call("POST", "reader/api/0/subscription/edit", data=form)
        if reply.text().strip() != "OK":
            raise SyncProtocolError(f"{self.base}: subscription/edit answered {reply.text()[:80]!r}, not OK")


def _list(data: dict[str, object], key: str, path: str) -> list[object]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise SyncProtocolError(f"{path}: {key!r} is not a list")
    return value


def _crawl_seconds(raw: dict[str, object]) -> int | None:
    value = raw.get("crawlTimeMsec") or raw.get("timestampUsec")
    if value is None:
        return None
    try:
        n = int(str(value))
    except ValueError:
        return None
    return n // 1000 if "crawlTimeMsec" in raw else n // 1_000_000
