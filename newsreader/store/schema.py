"""The schema: one migration per version (PRAGMA user_version), applied in order at open by Connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

APPLICATION_ID = 0x4E527264  # "NRrd": tells our database from somebody else's SQLite file

MIGRATIONS: list[str] = [
    # 1: the first release.
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'feed',
        title TEXT NOT NULL DEFAULT '',
        site_url TEXT NOT NULL DEFAULT '',
        etag TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        warning TEXT NOT NULL DEFAULT '',
        full_text INTEGER NOT NULL DEFAULT 1,
        backoff_until REAL,
        last_refresh REAL,
        added REAL NOT NULL
    );
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        title TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        authors TEXT NOT NULL DEFAULT '[]',
        published TEXT,
        updated TEXT,
        sort_ts REAL NOT NULL,
        read INTEGER NOT NULL DEFAULT 0,
        first_seen REAL NOT NULL,
        summary TEXT NOT NULL DEFAULT '',
        content TEXT NOT NULL DEFAULT '',
        UNIQUE (source_id, key)
    );
    CREATE INDEX stories_by_source ON stories (source_id, sort_ts DESC, id DESC);
    CREATE INDEX stories_by_time ON stories (sort_ts DESC, id DESC);
    CREATE INDEX stories_unread ON stories (source_id, read);
    CREATE TABLE articles (
        story_id INTEGER PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        data TEXT,
        error TEXT NOT NULL DEFAULT '',
        tries INTEGER NOT NULL DEFAULT 0,
        checked REAL NOT NULL
    );
    CREATE VIRTUAL TABLE stories_fts USING fts5(title, authors, body, tokenize = 'unicode61 remove_diacritics 2');
    """,
    # 2: each source's story and unread counts kept by triggers: the sources pane no longer counts 100,000
    # stories at start (17 ms), whichever path inserts, deletes or marks a story.
    """
    ALTER TABLE sources ADD COLUMN story_count INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE sources ADD COLUMN unread_count INTEGER NOT NULL DEFAULT 0;
    UPDATE sources SET
        story_count = (SELECT count(*) FROM stories WHERE source_id = sources.id),
        unread_count = (SELECT count(*) FROM stories WHERE source_id = sources.id AND read = 0);
    CREATE TRIGGER stories_counted_in AFTER INSERT ON stories BEGIN
        UPDATE sources SET story_count = story_count + 1, unread_count = unread_count + (NEW.read = 0)
        WHERE id = NEW.source_id;
    END;
    CREATE TRIGGER stories_counted_out AFTER DELETE ON stories BEGIN
        UPDATE sources SET story_count = story_count - 1, unread_count = unread_count - (OLD.read = 0)
        WHERE id = OLD.source_id;
    END;
    INSERT INTO stories_fts (stories_fts, rank) VALUES ('automerge', 16);
    CREATE TRIGGER stories_counted_again AFTER UPDATE OF read, source_id ON stories
    WHEN OLD.read IS NOT NEW.read OR OLD.source_id IS NOT NEW.source_id BEGIN
        UPDATE sources SET story_count = story_count - 1, unread_count = unread_count - (OLD.read = 0)
        WHERE id = OLD.source_id;
        UPDATE sources SET story_count = story_count + 1, unread_count = unread_count + (NEW.read = 0)
        WHERE id = NEW.source_id;
    END;
    """,
    # 3: sync with an aggregator (issue #18): the starred flag, the server's ids of our stories and sources, the
    # queue of changes not yet pushed (one per item and flag: the last set wins), and the sync's own state.
    """
    ALTER TABLE stories ADD COLUMN starred INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX stories_starred ON stories (sort_ts DESC, id DESC) WHERE starred = 1;
    CREATE TABLE sync_feeds (
        feed_id TEXT PRIMARY KEY,
        source_id INTEGER NOT NULL UNIQUE REFERENCES sources(id) ON DELETE CASCADE,
        folders TEXT NOT NULL DEFAULT '[]'
    );
    CREATE TABLE sync_items (
        item_id TEXT PRIMARY KEY,
        story_id INTEGER NOT NULL UNIQUE REFERENCES stories(id) ON DELETE CASCADE
    );
    CREATE TABLE sync_pending (
        item_id TEXT NOT NULL,
        flag TEXT NOT NULL CHECK (flag IN ('read', 'starred')),
        value INTEGER NOT NULL,
        queued REAL NOT NULL,
        PRIMARY KEY (item_id, flag)
    );
    CREATE TABLE sync_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    # 4: retention (issue #15): the keys of purged stories, so a feed that still lists one does not bring it back.
    """
    CREATE TABLE purged (
        source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
        key TEXT NOT NULL,
        purged REAL NOT NULL,
        PRIMARY KEY (source_id, key)
    ) WITHOUT ROWID;
    """,
    # 5: folders and tags (issue #16): a source's folder path ("Tech/Python": "/" separates the levels, "" is the
    # top level), its own tags (JSON), whether its title is the reader's (rename, OPML) and no refresh replaces it;
    # story tags (from extracted pages) in a table of their own, so the sources pane lists them without JSON.
    """
    ALTER TABLE sources ADD COLUMN folder TEXT NOT NULL DEFAULT '';
    ALTER TABLE sources ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE sources ADD COLUMN own_title INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX sources_by_folder ON sources (folder);
    CREATE TABLE story_tags (
        tag TEXT NOT NULL,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        PRIMARY KEY (tag, story_id)
    ) WITHOUT ROWID;
    CREATE INDEX story_tags_by_story ON story_tags (story_id);
    INSERT OR IGNORE INTO story_tags (tag, story_id)
        SELECT trim(j.value), a.story_id FROM articles a, json_each(a.data, '$.tags') j
        WHERE a.data IS NOT NULL AND json_valid(a.data) AND j.type = 'text' AND trim(j.value) != '';
    """,
    # 6: the headline list sorted by title or by source (issue #16): indexes in each order, so a page deep in the
    # list walks an index rather than sorting every story (by title, page at 50,000 of 100k: 1.5 s -> ms).
    """
    CREATE INDEX stories_by_title ON stories (title COLLATE NOCASE, sort_ts DESC, id DESC);
    CREATE INDEX sources_by_name ON sources (coalesce(nullif(title, ''), url) COLLATE NOCASE, id);
    """,
    # 7: sync (issue #18): subscribe/unsubscribe queued for the server (one per feed URL: the last wins), and a
    # count of the server's refusals of each queued change (dropped after sync.engine.MAX_TRIES).
    """
    CREATE TABLE sync_sources (
        url TEXT PRIMARY KEY,
        action TEXT NOT NULL CHECK (action IN ('subscribe', 'unsubscribe')),
        title TEXT NOT NULL DEFAULT '',
        queued REAL NOT NULL,
        tries INTEGER NOT NULL DEFAULT 0
    );
    ALTER TABLE sync_pending ADD COLUMN tries INTEGER NOT NULL DEFAULT 0;
    """,
]


def statements(script: str) -> Iterator[str]:
    """A migration's statements one by one (a trigger's body has semicolons of its own)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""
