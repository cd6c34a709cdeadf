"""Retention: stories older than a cut-off leave the cache (with their pages and their search entries); starred
stories always stay, unread ones by default. A purged story's key is kept (a few bytes) so that a feed still
listing it does not bring it back as new."""

from __future__ import annotations

import logging
import sqlite3
import time

from newsreader.store.stories import Stories

log = logging.getLogger(__name__)

PURGE_BATCH = 500
COMPACT_FREED = 0.25  # of the file's pages free after a purge: then it is compacted (VACUUM)


class Retention(Stories):
    def purge(self, older_than: float, *, keep_unread: bool = True) -> int:
        """Delete stories dated before `older_than` (a Unix time) and first seen before it too, never starred
        ones, and unread ones only when keep_unread is False; returns how many went. Compacts the file when a
        quarter of it or more was freed."""
        unread = "" if not keep_unread else " AND read = 1"
        gone = 0
        with self._tx() as con:
            ids = [
                (row[0], row[1], row[2])
                for row in con.execute(
                    # Old by its date and long in the cache: a year-old story a feed brought in today stays.
                    f"SELECT id, source_id, key FROM stories WHERE sort_ts < ? AND first_seen < ? AND starred = 0{unread}",
                    (older_than, older_than),
                )
            ]
            now = time.time()
            for start in range(0, len(ids), PURGE_BATCH):
                chunk = ids[start : start + PURGE_BATCH]
                con.executemany(
                    "INSERT OR REPLACE INTO purged (source_id, key, purged) VALUES (?, ?, ?)",
                    ((source_id, key, now) for _, source_id, key in chunk),
                )
                con.executemany("DELETE FROM stories_fts WHERE rowid = ?", ((i,) for i, _, _ in chunk))
                con.executemany("DELETE FROM stories WHERE id = ?", ((i,) for i, _, _ in chunk))
            gone = len(ids)
        if gone:
            self._compact_if_worth_it()
        return gone

    def _compact_if_worth_it(self) -> None:
        pages = int(self._read("PRAGMA page_count")[0][0])
        free = int(self._read("PRAGMA freelist_count")[0][0])
        if pages and free / pages >= COMPACT_FREED:
            with self._lock:
                try:
                    self._con.execute("VACUUM")
                except sqlite3.OperationalError as exc:  # busy, or no room for the copy: the purge itself stands
                    log.warning("could not compact %s after a purge: %s", self.path, exc)
