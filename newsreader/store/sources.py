"""Sources: subscriptions, and what each refresh learned about one (validators, title, error, back-off)."""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime

from newsreader.model import Source, folder_path
from newsreader.store.connection import Connection, from_ts, ts


@dataclass(frozen=True, slots=True)
class RefreshResult:
    """What one refresh of a source learned, saved in the same transaction as its stories.

    None leaves a field as it was; error and warning are always replaced (a success clears them).
    """

    error: str = ""
    warning: str = ""
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    backoff_until: datetime | None = None


def source_of(row: sqlite3.Row) -> Source:
    return Source(
        id=row["id"],
        url=row["url"],
        kind=row["kind"],
        title=row["title"],
        site_url=row["site_url"],
        etag=row["etag"],
        last_modified=row["last_modified"],
        error=row["error"],
        warning=row["warning"],
        full_text=bool(row["full_text"]),
        backoff_until=from_ts(row["backoff_until"]),
        last_refresh=from_ts(row["last_refresh"]),
        unread=row["unread"] or 0,
        total=row["total"] or 0,
        folder=row["folder"],
        tags=json.loads(row["tags"]),
    )


def clean_tags(tags: list[str]) -> list[str]:
    """Tags as kept: stripped, none empty, each once (first spelling wins, case-insensitively), in order given."""
    seen: dict[str, str] = {}
    for tag in tags:
        tag = " ".join(tag.split())
        if tag:
            seen.setdefault(tag.casefold(), tag)
    return list(seen.values())


SOURCES = "SELECT s.*, s.unread_count AS unread, s.story_count AS total FROM sources s"


class Sources(Connection):
    def add_source(
        self,
        url: str,
        kind: str = "feed",
        title: str = "",
        site_url: str = "",
        full_text: bool = True,
        *,
        folder: str = "",
        own_title: bool = False,
    ) -> Source:
        """Subscribe; adding a URL already there changes nothing and returns it. `own_title`: the title is the
        reader's (an OPML file's), kept over the feed's own at refresh."""
        with self._tx() as con:
            source = self._add_source_in(con, url, kind, title, site_url, full_text, folder, own_title)
            self._queue_source_in(con, source.url, "subscribe", title)  # sync (issue #18): for the server
            return source

    def _add_source_in(
        self,
        con: sqlite3.Connection,
        url: str,
        kind: str,
        title: str,
        site_url: str,
        full_text: bool,
        folder: str = "",
        own_title: bool = False,
    ) -> Source:
        con.execute(
            "INSERT INTO sources (url, kind, title, site_url, full_text, added, folder, own_title)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING",
            (
                url,
                kind,
                title,
                site_url,
                int(full_text),
                time.time(),
                folder_path(folder),
                int(own_title and bool(title)),
            ),
        )
        cur = con.execute(f"{SOURCES} WHERE s.url = ?", (url,))
        cur.row_factory = sqlite3.Row
        return source_of(cur.fetchone())

    def remove_source(self, url: str) -> bool:
        with self._tx() as con:
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM stories WHERE source_id = (SELECT id FROM sources WHERE url = ?)", (url,)
                )
            ]
            con.executemany("DELETE FROM stories_fts WHERE rowid = ?", ((i,) for i in ids))
            self._queue_source_in(con, url, "unsubscribe", "")  # sync (issue #18): before its sync_feeds row goes
            return con.execute("DELETE FROM sources WHERE url = ?", (url,)).rowcount > 0

    def _queue_source_in(self, con: sqlite3.Connection, url: str, action: str, title: str) -> None:
        """Sync (issue #18): queue a subscribe/unsubscribe for the server; store/sync.py does it when an account
        is configured (`Store.sync_sources`), here it does nothing."""

    def source(self, url_or_id: str | int) -> Source | None:
        column = "id" if isinstance(url_or_id, int) else "url"
        rows = self._read(f"{SOURCES} WHERE s.{column} = ?", (url_or_id,))
        return source_of(rows[0]) if rows else None

    def sources(self) -> list[Source]:
        return [source_of(r) for r in self._read(f"{SOURCES} ORDER BY lower(s.title), s.url")]

    def rename_source(self, source_id: int, title: str) -> bool:
        """The reader's title for a source, kept over the feed's at refresh; "" goes back to the feed's."""
        with self._tx() as con:
            cur = con.execute(
                "UPDATE sources SET title = ?, own_title = ? WHERE id = ?",
                (title.strip(), int(bool(title.strip())), source_id),
            )
            return cur.rowcount > 0

    def move_source(self, source_id: int, folder: str) -> bool:
        """Put a source in a folder ("A/B" nests; "" is the top level)."""
        with self._tx() as con:
            return (
                con.execute("UPDATE sources SET folder = ? WHERE id = ?", (folder_path(folder), source_id)).rowcount > 0
            )

    def set_source_tags(self, source_id: int, tags: list[str]) -> bool:
        with self._tx() as con:
            data = json.dumps(clean_tags(tags), ensure_ascii=False)
            return con.execute("UPDATE sources SET tags = ? WHERE id = ?", (data, source_id)).rowcount > 0

    def record_refresh(self, source_id: int, result: RefreshResult | None = None) -> None:
        """What a refresh learned about a source without new stories (not modified, an error)."""
        with self._tx() as con:
            self._record_in(con, source_id, result or RefreshResult())

    def _record_in(self, con: sqlite3.Connection, source_id: int, result: RefreshResult) -> None:
        sets = ["error = ?", "warning = ?", "last_refresh = ?", "backoff_until = ?"]
        args: list[object] = [result.error, result.warning, time.time(), ts(result.backoff_until)]
        for column, value in (("etag", result.etag), ("last_modified", result.last_modified)):
            if value is not None:
                sets.append(f"{column} = ?")
                args.append(value)
        if result.title is not None:  # a title the reader gave (rename, OPML) stays
            sets.append("title = CASE WHEN own_title THEN title ELSE ? END")
            args.append(result.title)
        con.execute(f"UPDATE sources SET {', '.join(sets)} WHERE id = ?", (*args, source_id))

    def set_source_kind(self, source_id: int, kind: str, full_text: bool | None = None) -> None:
        with self._tx() as con:
            con.execute("UPDATE sources SET kind = ? WHERE id = ?", (kind, source_id))
            if full_text is not None:
                con.execute("UPDATE sources SET full_text = ? WHERE id = ?", (int(full_text), source_id))
