"""SQLite cache of sources, stories and extracted articles. The only package that speaks SQL.

`Store` is the one face of it; each concern has its module:

- connection.py  file checks and quarantine, the lock, transactions and batches, migrations at open
- schema.py      the migrations, one per schema version
- sources.py     subscriptions and what each refresh learned (RefreshResult)
- stories.py     a source's stories and their search index, headline pages, read state
- articles.py    extracted pages, and which stories still want theirs
- search.py      full-text search
- retention.py   purging old stories (starred kept, unread by default), and the keys that keep them out
- sync.py        the sync server's ids of sources and stories, the queue of changes to push, the pull mark
"""

from __future__ import annotations

from newsreader.model import Source, Story
from newsreader.store.articles import ARTICLE_MAX_TRIES, ARTICLE_RETRY_SECONDS, Articles
from newsreader.store.connection import FULL_CHECK_MAX_BYTES, StoreError, check_file
from newsreader.store.retention import Retention
from newsreader.store.schema import APPLICATION_ID, MIGRATIONS
from newsreader.store.search import Search
from newsreader.store.sources import RefreshResult
from newsreader.store.stories import HEADLINE_PAGE, SORTS, View
from newsreader.store.sync import PendingChange, PendingSource, SyncedStory, SyncState

__all__ = [
    "APPLICATION_ID",
    "ARTICLE_MAX_TRIES",
    "ARTICLE_RETRY_SECONDS",
    "FULL_CHECK_MAX_BYTES",
    "HEADLINE_PAGE",
    "MIGRATIONS",
    "SORTS",
    "PendingChange",
    "PendingSource",
    "RefreshResult",
    "Store",
    "StoreError",
    "SyncedStory",
    "View",
    "check_file",
]


class Store(Articles, Search, SyncState, Retention):
    """The cache. Thread-safe: one connection guarded by a lock, so workers may call it from any thread."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def subscribe(
        self,
        url: str,
        stories: list[Story],
        refresh: RefreshResult,
        *,
        kind: str = "feed",
        title: str = "",
        site_url: str = "",
        full_text: bool = True,
    ) -> tuple[Source, int]:
        """A new subscription and its first stories, in one transaction: the source and how many were new."""
        with self._tx() as con:
            source = self._add_source_in(con, url, kind, title, site_url, full_text)
            assert source.id is not None
            new = self._save_in(con, source.id, stories)
            self._record_in(con, source.id, refresh)
            self._queue_source_in(con, source.url, "subscribe", title)  # sync (issue #18)
        return source, new
