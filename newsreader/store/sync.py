"""What the sync engine keeps (issue #18): the server's ids of our sources and stories, the queue of changes not
yet pushed, the pull mark and the last sync's outcome. The engine (newsreader/sync/engine.py) speaks to it only.

The queue is written by Stories._set_flag_in, in the transaction that sets the flag; it is cleared here only
for changes the server accepted, and only if they were not changed again meanwhile.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from newsreader.model import Source, Story
from newsreader.store.stories import FLAGS, SYNC_KEY, Stories


@dataclass(frozen=True, slots=True)
class PendingChange:
    """One queued set operation: `flag` ("read" or "starred") of server item `item_id` is to become `value`."""

    item_id: str
    flag: str
    value: bool
    queued: float


@dataclass(frozen=True, slots=True)
class PendingSource:
    """One queued subscribe or unsubscribe (`action`) of feed `url` on the server."""

    url: str
    action: str
    title: str
    queued: float
    tries: int = 0


@dataclass(slots=True)
class SyncedStory:
    """A server item to keep as a story: its canonical id, the story, and the server's flags when it said."""

    item_id: str
    story: Story
    read: bool | None = None
    starred: bool | None = None


class SyncState(Stories):
    # Set by whoever opens the store when a [sync] account is configured (the CLI, the TUI): then add_source,
    # subscribe and remove_source queue a subscribe/unsubscribe for the server in their own transaction.
    sync_sources: bool = False

    # -- the queue ----------------------------------------------------------------------------------------------

    def pending_changes(self) -> list[PendingChange]:
        rows = self._read("SELECT item_id, flag, value, queued FROM sync_pending ORDER BY queued, item_id, flag")
        return [PendingChange(r[0], r[1], bool(r[2]), r[3]) for r in rows]

    def pending_count(self) -> int:
        """Changes still to push: item flags, and subscribes/unsubscribes."""
        rows = self._read("SELECT (SELECT count(*) FROM sync_pending) + (SELECT count(*) FROM sync_sources)")
        return int(rows[0][0])

    def refused(self, changes: Iterable[PendingChange], max_tries: int) -> int:
        """The server refused these changes (a 4xx): count a try on each still queued as it was; drop those
        refused `max_tries` times. Returns how many were dropped."""
        keys = [(c.item_id, c.flag, int(c.value), c.queued) for c in changes]
        with self._tx() as con:
            con.executemany(
                "UPDATE sync_pending SET tries = tries + 1 WHERE item_id = ? AND flag = ? AND value = ? AND queued = ?",
                keys,
            )
            return con.execute("DELETE FROM sync_pending WHERE tries >= ?", (max_tries,)).rowcount

    def pending_tries(self) -> dict[tuple[str, str], int]:
        return {(r[0], r[1]): int(r[2]) for r in self._read("SELECT item_id, flag, tries FROM sync_pending")}

    # -- the queue of subscribes and unsubscribes -------------------------------------------------------------

    def _queue_source_in(self, con: sqlite3.Connection, url: str, action: str, title: str) -> None:
        if not self.sync_sources:
            return
        row = con.execute(
            "SELECT s.id, f.feed_id FROM sources s LEFT JOIN sync_feeds f ON f.source_id = s.id WHERE s.url = ?",
            (url,),
        ).fetchone()
        if row is None or (action == "subscribe" and row[1] is not None):
            return  # not subscribed here (nothing to remove), or already one of the server's feeds
        con.execute(
            "INSERT INTO sync_sources (url, action, title, queued) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (url) DO UPDATE SET action = excluded.action, title = excluded.title,"
            " queued = excluded.queued, tries = 0",
            (url, action, title, time.time()),
        )

    def pending_sources(self) -> list[PendingSource]:
        rows = self._read("SELECT url, action, title, queued, tries FROM sync_sources ORDER BY queued, url")
        return [PendingSource(r[0], r[1], r[2], r[3], int(r[4])) for r in rows]

    def clear_pending_source(self, change: PendingSource) -> bool:
        """Forget a subscribe/unsubscribe done on the server (unless queued again since)."""
        with self._tx() as con:
            cur = con.execute(
                "DELETE FROM sync_sources WHERE url = ? AND action = ? AND queued = ?",
                (change.url, change.action, change.queued),
            )
            return cur.rowcount > 0

    def refused_source(self, change: PendingSource, max_tries: int) -> bool:
        """The server refused it: one more try counted; True when it was dropped (refused max_tries times)."""
        with self._tx() as con:
            con.execute(
                "UPDATE sync_sources SET tries = tries + 1 WHERE url = ? AND action = ? AND queued = ?",
                (change.url, change.action, change.queued),
            )
            return (
                con.execute("DELETE FROM sync_sources WHERE url = ? AND tries >= ?", (change.url, max_tries)).rowcount
                > 0
            )

    def remove_server_source(self, url: str) -> bool:
        """Remove a source the server no longer lists (unsubscribed on another device): nothing is queued."""
        with self._lock:  # reentrant: no other thread sees sync_sources off meanwhile
            was, self.sync_sources = self.sync_sources, False
            try:
                return self.remove_source(url)
            finally:
                self.sync_sources = was

    def mapped_sources(self) -> dict[int, str]:
        """Sources that are one of the server's feeds (as the last pull mapped them): source id -> feed id."""
        return {int(r[1]): str(r[0]) for r in self._read("SELECT feed_id, source_id FROM sync_feeds")}

    def add_server_source(self, url: str, title: str = "", site_url: str = "", folder: str = "") -> Source:
        """A source for one of the server's feeds (the pull's), in its folder: nothing is queued for the server."""
        with self._tx() as con:
            return self._add_source_in(con, url, "feed", title, site_url, True, folder)

    def clear_pending(self, changes: Iterable[PendingChange]) -> int:
        """Forget changes the server accepted; one queued again since (another value or a later time) stays."""
        with self._tx() as con:
            cur = con.executemany(
                "DELETE FROM sync_pending WHERE item_id = ? AND flag = ? AND value = ? AND queued = ?",
                ((c.item_id, c.flag, int(c.value), c.queued) for c in changes),
            )
            return cur.rowcount

    # -- state: the pull mark, the last sync ------------------------------------------------------------------

    def sync_state(self, key: str) -> str | None:
        rows = self._read("SELECT value FROM sync_state WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_sync_state(self, values: dict[str, str | None]) -> None:
        """Set (or, with None, remove) several keys in one transaction."""
        with self._tx() as con:
            for key, value in values.items():
                if value is None:
                    con.execute("DELETE FROM sync_state WHERE key = ?", (key,))
                else:
                    con.execute(
                        "INSERT INTO sync_state (key, value) VALUES (?, ?)"
                        " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                        (key, value),
                    )

    # -- sources and items ------------------------------------------------------------------------------------

    def map_feeds(self, feeds: Iterable[tuple[str, int, tuple[str, ...]]]) -> None:
        """The server's feeds as (feed id, local source id, folders): replaces the previous mapping whole."""
        with self._tx() as con:
            con.execute("DELETE FROM sync_feeds")
            con.executemany(
                "INSERT INTO sync_feeds (feed_id, source_id, folders) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",  # two server feeds of one local source: the first keeps it
                ((f, s, json.dumps(list(folders), ensure_ascii=False)) for f, s, folders in feeds),
            )

    def source_folders(self, source_id: int) -> tuple[str, ...]:
        """The server's folders of a source (empty when it is not one of the server's feeds)."""
        rows = self._read("SELECT folders FROM sync_feeds WHERE source_id = ?", (source_id,))
        return tuple(json.loads(rows[0][0])) if rows else ()

    def synced_item_ids(self) -> set[str]:
        return {r[0] for r in self._read("SELECT item_id FROM sync_items")}

    def story_of_item(self, item_id: str) -> int | None:
        rows = self._read("SELECT story_id FROM sync_items WHERE item_id = ?", (item_id,))
        return int(rows[0][0]) if rows else None

    def item_of_story(self, story_id: int) -> str | None:
        rows = self._read("SELECT item_id FROM sync_items WHERE story_id = ?", (story_id,))
        return str(rows[0][0]) if rows else None

    def save_synced(self, source_id: int, items: list[SyncedStory]) -> tuple[int, int]:
        """Keep server items as stories of a source, in one transaction; returns how many stories were new and
        how many flags of stories already here the server's changed.

        An item already mapped is left as it is; one whose link is a story of the source not yet mapped (the
        feed's own copy, from a refresh) is mapped to it; the rest become stories keyed "sync:<item id>". The
        server's flags are taken for items with no change pending.
        """
        with self._tx() as con:
            mapped = self._mapped_in(con, [i.item_id for i in items])
            fresh = [i for i in items if i.item_id not in mapped]
            by_url: dict[str, int] = {}
            if fresh:
                for url, story_id in con.execute(
                    "SELECT st.url, st.id FROM stories st LEFT JOIN sync_items m ON m.story_id = st.id"
                    " WHERE st.source_id = ? AND st.url != '' AND m.story_id IS NULL",
                    (source_id,),
                ):
                    by_url.setdefault(url, story_id)
            new_stories: list[SyncedStory] = []
            links: list[tuple[str, int]] = []
            for item in fresh:
                story_id = by_url.pop(item.story.url, None) if item.story.url else None
                if story_id is not None:
                    links.append((item.item_id, story_id))
                else:
                    item.story.key = SYNC_KEY + item.item_id
                    new_stories.append(item)
            new = self._save_in(con, source_id, [i.story for i in new_stories])
            for item in new_stories:
                if item.story.id is None:  # its key was there already (mapped before, then unmapped): find it
                    row = con.execute(
                        "SELECT id FROM stories WHERE source_id = ? AND key = ?", (source_id, item.story.key)
                    ).fetchone()
                    item.story.id = row[0]
                assert item.story.id is not None
                links.append((item.item_id, item.story.id))
            con.executemany("INSERT OR IGNORE INTO sync_items (item_id, story_id) VALUES (?, ?)", links)
            changed = 0
            for flag in FLAGS:
                values = [(int(v), i.item_id) for i in items if (v := getattr(i, flag)) is not None]
                changed += con.executemany(
                    f"""UPDATE stories SET {flag} = ?1 WHERE {flag} != ?1
                        AND id = (SELECT story_id FROM sync_items WHERE item_id = ?2)
                        AND NOT EXISTS (SELECT 1 FROM sync_pending p WHERE p.item_id = ?2 AND p.flag = '{flag}')""",
                    values,
                ).rowcount
        return new, max(0, changed - self._flags_of_new(new_stories))

    @staticmethod
    def _flags_of_new(new_stories: list[SyncedStory]) -> int:
        # New stories start unread and unstarred: their flags set from the server are not changes.
        return sum(bool(i.read) + bool(i.starred) for i in new_stories)

    def _mapped_in(self, con: sqlite3.Connection, item_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(item_ids), 500):
            chunk = item_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in con.execute(f"SELECT item_id FROM sync_items WHERE item_id IN ({marks})", chunk))
        return found

    def adopt(self, unread: set[str], starred: set[str]) -> int:
        """The server's unread and starred sets, taken for every synced story with no change pending for that
        flag (a pending change wins until it is pushed); returns how many flags changed."""
        changed = 0
        with self._tx() as con:
            for flag, ids, when_in in (("read", unread, 0), ("starred", starred, 1)):
                con.execute("CREATE TEMP TABLE IF NOT EXISTS sync_ids (item_id TEXT PRIMARY KEY)")
                con.execute("DELETE FROM temp.sync_ids")
                con.executemany("INSERT OR IGNORE INTO temp.sync_ids (item_id) VALUES (?)", ((i,) for i in ids))
                wanted = f"(CASE WHEN m.item_id IN (SELECT item_id FROM temp.sync_ids) THEN {when_in} ELSE {1 - when_in} END)"
                cur = con.execute(
                    f"""UPDATE stories SET {flag} = {wanted} FROM sync_items m
                        WHERE m.story_id = stories.id AND stories.{flag} != {wanted}
                        AND NOT EXISTS (SELECT 1 FROM sync_pending p WHERE p.item_id = m.item_id AND p.flag = ?)""",
                    (flag,),
                )
                changed += cur.rowcount
            con.execute("DELETE FROM temp.sync_ids")
        return changed
