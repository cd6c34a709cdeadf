"""SQLite cache of sources, stories and extracted articles. The only module that speaks SQL.

WAL mode so a second instance can read while one refreshes; a schema version with migrations; one
transaction per source's refresh so a kill mid-refresh loses nothing that was committed.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from newsreader.model import Article, Source, Story, iso, parse_iso

APPLICATION_ID = 0x4E527264  # "NRrd": tells our database from somebody else's SQLite file
SQLITE_HEADER = b"SQLite format 3\x00"

FULL_CHECK_MAX_BYTES = 32 * 1024 * 1024
ARTICLE_RETRY_SECONDS = 30 * 60
ARTICLE_MAX_TRIES = 5
HEADLINE_PAGE = 200  # headlines read at a time: the list pages through the store this many at once

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
]


def _statements(script: str) -> Iterator[str]:
    """A migration's statements one by one (a trigger's body has semicolons of its own)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                yield pending
            pending = ""


class StoreError(Exception):
    """The database cannot be used; the message says why and what was done."""


def _ts(when: datetime | None) -> float | None:
    return when.timestamp() if when else None


def _from_ts(value: float | None) -> datetime | None:
    return datetime.fromtimestamp(value, UTC) if value is not None else None


_TAGS = re.compile(r"<[^>]*>")


def _index_text(*parts: str) -> str:
    # Only for the search index, never shown: dropping tags is enough here.
    return " ".join(_TAGS.sub(" ", p) for p in parts if p)


def _fts_query(query: str) -> str:
    """User words to an FTS5 query: every word must match; the last one may be a prefix."""
    words = [w for w in re.split(r"\s+", query.strip()) if w]
    quoted = ['"' + w.replace('"', '""') + '"' for w in words]
    if quoted:
        quoted[-1] += "*"
    return " AND ".join(quoted)


def check_file(path: Path) -> str | None:
    """Why the file at `path` is not a usable database of ours, or None when it is (or does not exist)."""
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot read it: {exc.strerror or exc}"
    if not header:
        return None  # an empty file: SQLite makes a database of it
    if not header.startswith(SQLITE_HEADER) or len(header) < 100:
        return "it is not an SQLite database"
    try:
        # Through SQLite, not the raw header: after an unclean exit the newest header may still be in the WAL.
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            app_id = con.execute("PRAGMA application_id").fetchone()[0]
            tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app_id != APPLICATION_ID and (app_id != 0 or tables):
                return "it is another program's SQLite database"
            # The page-by-page check costs ~2 ms a MiB; a large cache gets it in the background (Store.verify).
            result = "ok"
            if path.stat().st_size <= FULL_CHECK_MAX_BYTES:
                result = con.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        return f"it is damaged ({exc})"
    return None if result == "ok" else f"it is damaged ({result})"


class Store:
    """The cache. Thread-safe: one connection guarded by a lock, so workers may call it from any thread."""

    def __init__(self, path: Path | str, *, checked: bool = False) -> None:
        """Open (and create, check and migrate) the store at `path`.

        `checked`: another process has just opened this file and checked it (a refresh's worker process
        joining its parent): no check, and never moved aside.
        """
        self.path = Path(path)
        self.notice = ""  # set when a bad file was moved aside at open
        if str(path) != ":memory:" and not checked:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            problem = check_file(self.path)
            if problem:
                aside = self.path.with_name(f"{self.path.name}.bad-{time.strftime('%Y%m%d-%H%M%S')}")
                self.path.rename(aside)
                for suffix in ("-wal", "-shm"):
                    side = self.path.with_name(self.path.name + suffix)
                    if side.exists():
                        side.rename(aside.with_name(aside.name + suffix))
                self.notice = f"{self.path} could not be used ({problem}); moved it to {aside} and started a new one."
        self._lock = threading.RLock()
        self._batching = False  # inside batch(): writes become savepoints of its transaction
        try:
            self._con = sqlite3.connect(str(path), timeout=10, check_same_thread=False, isolation_level=None)
            self._con.execute("PRAGMA busy_timeout = 10000")
            self._con.execute("PRAGMA journal_mode = WAL")
            self._con.execute("PRAGMA synchronous = NORMAL")
            self._con.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.OperationalError as exc:
            raise StoreError(f"cannot open the database {path}: {exc}") from exc

    # -- plumbing -------------------------------------------------------------------------------------

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Writes made inside share one transaction, each in a savepoint of its own.

        A write that fails is undone alone (and raises as ever); the others are committed together at the
        end. FTS5 and the WAL cost per transaction, so a refresh saves many sources at once this way.
        Other threads wait for the store meanwhile: keep batches short.
        """
        with self._lock:
            if self._batching:
                yield
                return
            with self._tx() as con:
                self._batching = True
                try:
                    yield
                finally:
                    self._batching = False
                if not con.in_transaction:  # SQLite rolled everything back itself (a full disk, say)
                    raise StoreError(f"could not save to the database {self.path}: the batch was rolled back")

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (a savepoint inside a batch); rolled back whole on any error."""
        with self._lock:
            if self._batching:
                with self._savepoint() as con:
                    yield con
                return
            try:
                self._con.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreError(f"the database is busy or read-only: {exc}") from exc
            try:
                yield self._con
            except sqlite3.Error as exc:
                self._rollback()
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc
            except BaseException:
                self._rollback()
                raise
            try:
                self._con.execute("COMMIT")
            except sqlite3.OperationalError as exc:
                self._rollback()
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc

    @contextmanager
    def _savepoint(self) -> Iterator[sqlite3.Connection]:
        self._con.execute("SAVEPOINT write")
        try:
            yield self._con
        except BaseException as exc:
            if self._con.in_transaction:
                self._con.execute("ROLLBACK TO write")
                self._con.execute("RELEASE write")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"could not save to the database {self.path}: {exc}") from exc
            raise
        self._con.execute("RELEASE write")

    def _rollback(self) -> None:
        if self._con.in_transaction:  # SQLite has already rolled back after some errors (a full disk)
            self._con.execute("ROLLBACK")

    def _read(self, sql: str, args: Iterable[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            cur = self._con.execute(sql, tuple(args))
            cur.row_factory = sqlite3.Row
            return cur.fetchall()

    @property
    def schema_version(self) -> int:
        return int(self._read("PRAGMA user_version")[0][0])

    def _migrate(self) -> None:
        if self.schema_version == 0:
            self._con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        with self._tx() as con:
            version = con.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(f"{self.path} was written by a newer newsreader (schema {version}); upgrade to use it")
            for number in range(version, len(MIGRATIONS)):
                for statement in _statements(MIGRATIONS[number]):
                    con.execute(statement)
                con.execute(f"PRAGMA user_version = {number + 1}")

    def integrity_check(self) -> str:
        return str(self._read("PRAGMA integrity_check")[0][0])

    def verify(self) -> str:
        """'ok', or what is damaged: SQLite's page-by-page check (quick_check), for a check after start."""
        try:
            # Its own read-only connection: the store's lock stays free for the reader meanwhile.
            con = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
            try:
                return str(con.execute("PRAGMA quick_check").fetchone()[0])
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            return str(exc)

    # -- sources --------------------------------------------------------------------------------------

    @staticmethod
    def _source(row: sqlite3.Row) -> Source:
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
            backoff_until=_from_ts(row["backoff_until"]),
            last_refresh=_from_ts(row["last_refresh"]),
            unread=row["unread"] or 0,
            total=row["total"] or 0,
        )

    _SOURCES = "SELECT s.*, s.unread_count AS unread, s.story_count AS total FROM sources s"

    def add_source(
        self, url: str, kind: str = "feed", title: str = "", site_url: str = "", full_text: bool = True
    ) -> Source:
        """Subscribe; adding a URL already there changes nothing and returns it."""
        with self._tx() as con:
            con.execute(
                "INSERT INTO sources (url, kind, title, site_url, full_text, added) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(url) DO NOTHING",
                (url, kind, title, site_url, int(full_text), time.time()),
            )
        source = self.source(url)
        assert source is not None
        return source

    def remove_source(self, url: str) -> bool:
        with self._tx() as con:
            ids = [
                r[0]
                for r in con.execute(
                    "SELECT id FROM stories WHERE source_id = (SELECT id FROM sources WHERE url = ?)", (url,)
                )
            ]
            con.executemany("DELETE FROM stories_fts WHERE rowid = ?", ((i,) for i in ids))
            return con.execute("DELETE FROM sources WHERE url = ?", (url,)).rowcount > 0

    def source(self, url_or_id: str | int) -> Source | None:
        column = "id" if isinstance(url_or_id, int) else "url"
        rows = self._read(f"{self._SOURCES} WHERE s.{column} = ?", (url_or_id,))
        return self._source(rows[0]) if rows else None

    def sources(self) -> list[Source]:
        return [self._source(r) for r in self._read(f"{self._SOURCES} ORDER BY lower(s.title), s.url")]

    def record_refresh(
        self,
        source_id: int,
        *,
        error: str = "",
        warning: str = "",
        title: str | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        backoff_until: datetime | None = None,
    ) -> None:
        """What a refresh learned about a source (validators, title, error); None leaves a field as it was."""
        with self._tx() as con:
            self._record_in(
                con,
                source_id,
                error=error,
                warning=warning,
                title=title,
                etag=etag,
                last_modified=last_modified,
                backoff_until=backoff_until,
            )

    def set_source_kind(self, source_id: int, kind: str, full_text: bool | None = None) -> None:
        with self._tx() as con:
            con.execute("UPDATE sources SET kind = ? WHERE id = ?", (kind, source_id))
            if full_text is not None:
                con.execute("UPDATE sources SET full_text = ? WHERE id = ?", (int(full_text), source_id))

    # -- stories --------------------------------------------------------------------------------------

    def save_stories(self, source_id: int, stories: list[Story], **refresh: object) -> int:
        """Insert new stories and update changed ones of a source, in one transaction; returns how many were new.

        Read state is never touched. `refresh` keywords, when given, are recorded in the same transaction
        (see record_refresh), so a source's validators never run ahead of its stories.
        """
        now = time.time()
        unique: dict[str, Story] = {}
        for story in stories:
            unique.setdefault(story.key, story)
        with self._tx() as con:
            existing: dict[str, tuple[int, str, str, str, str, str]] = {}
            keys = list(unique)
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in con.execute(
                    "SELECT key, id, title, url, summary, content, authors FROM stories"
                    f" WHERE source_id = ? AND key IN ({marks})",
                    (source_id, *chunk),
                ):
                    existing[row[0]] = row[1:]
            new_rows = []
            for order, story in enumerate(unique.values()):
                authors = json.dumps(story.authors, ensure_ascii=False)
                # Stories without a date keep feed order: later entries sort just below earlier ones.
                sort_ts = _ts(story.when) or (now - order * 1e-3)
                old = existing.get(story.key)
                if old is None:
                    new_rows.append((story, authors, sort_ts))
                    continue
                if (old[1], old[2], old[3], old[4], old[5]) != (
                    story.title,
                    story.url,
                    story.summary,
                    story.content,
                    authors,
                ):
                    con.execute(
                        "UPDATE stories SET title = ?, url = ?, authors = ?, published = ?, updated = ?, summary = ?,"
                        " content = ? WHERE id = ?",
                        (
                            story.title,
                            story.url,
                            authors,
                            iso(story.published),
                            iso(story.updated),
                            story.summary,
                            story.content,
                            old[0],
                        ),
                    )
                    self._index(con, old[0], story.title, authors, story.summary, story.content, replace=True)
            # Ids are ours to give inside this IMMEDIATE transaction, so rows and index go in two batched calls.
            first_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM stories").fetchone()[0]
            rows = []
            for offset, (story, authors, sort_ts) in enumerate(new_rows):
                story.id = first_id + offset
                rows.append(
                    (
                        story.id,
                        source_id,
                        story.key,
                        story.title,
                        story.url,
                        authors,
                        iso(story.published),
                        iso(story.updated),
                        sort_ts,
                        now,
                        story.summary,
                        story.content,
                    )
                )
            con.executemany(
                "INSERT INTO stories (id, source_id, key, title, url, authors, published, updated, sort_ts, first_seen,"
                " summary, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            con.executemany(
                "INSERT INTO stories_fts (rowid, title, authors, body) VALUES (?, ?, ?, ?)",
                ((r[0], r[3], r[5], _index_text(r[10], r[11])) for r in rows),
            )
            if refresh:
                self._record_in(con, source_id, **refresh)
        return len(new_rows)

    def _record_in(self, con: sqlite3.Connection, source_id: int, **fields: object) -> None:
        sets = ["error = ?", "warning = ?", "last_refresh = ?", "backoff_until = ?"]
        backoff = fields.get("backoff_until")
        args: list[object] = [
            fields.get("error", ""),
            fields.get("warning", ""),
            time.time(),
            _ts(backoff) if isinstance(backoff, datetime) else None,
        ]
        for column in ("title", "etag", "last_modified"):
            if fields.get(column) is not None:
                sets.append(f"{column} = ?")
                args.append(fields[column])
        con.execute(f"UPDATE sources SET {', '.join(sets)} WHERE id = ?", (*args, source_id))

    @staticmethod
    def _index(
        con: sqlite3.Connection, story_id: int | None, title: str, authors: str, *body: str, replace: bool = False
    ) -> None:
        if replace:
            con.execute("DELETE FROM stories_fts WHERE rowid = ?", (story_id,))
        con.execute(
            "INSERT INTO stories_fts (rowid, title, authors, body) VALUES (?, ?, ?, ?)",
            (story_id, title, authors, _index_text(*body)),
        )

    _HEADLINE = """
        SELECT st.id, st.source_id, st.key, st.title, st.url, st.authors, st.published, st.updated, st.read,
               s.title AS source_title, s.url AS source_url
        FROM stories st JOIN sources s ON s.id = st.source_id
    """

    @staticmethod
    def _headline(row: sqlite3.Row) -> Story:
        return Story(
            id=row["id"],
            source_id=row["source_id"],
            key=row["key"],
            title=row["title"],
            url=row["url"],
            authors=json.loads(row["authors"]),
            published=parse_iso(row["published"]),
            updated=parse_iso(row["updated"]),
            read=bool(row["read"]),
            source_title=row["source_title"] or row["source_url"],
        )

    @staticmethod
    def _where(source_id: int | None, unread_only: bool) -> tuple[str, list[object]]:
        clauses: list[str] = []
        args: list[object] = []
        if source_id is not None:
            clauses.append("st.source_id = ?")
            args.append(source_id)
        if unread_only:
            clauses.append("st.read = 0")
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args

    def count_stories(self, source_id: int | None = None, unread_only: bool = False) -> int:
        # From the counters the triggers keep (migration 2), not by counting the stories.
        column = "unread_count" if unread_only else "story_count"
        if source_id is None:
            return int(self._read(f"SELECT coalesce(sum({column}), 0) FROM sources")[0][0])
        rows = self._read(f"SELECT {column} FROM sources WHERE id = ?", (source_id,))
        return int(rows[0][0]) if rows else 0

    def headlines(
        self, source_id: int | None = None, offset: int = 0, limit: int = 200, unread_only: bool = False
    ) -> list[Story]:
        """One page of headlines, newest first, without their bodies."""
        where, args = self._where(source_id, unread_only)
        rows = self._read(
            f"{self._HEADLINE}{where} ORDER BY st.sort_ts DESC, st.id DESC LIMIT ? OFFSET ?", (*args, limit, offset)
        )
        return [self._headline(r) for r in rows]

    def position(self, story_id: int, source_id: int | None = None, unread_only: bool = False) -> int | None:
        """Where a story stands in the list headlines() pages through."""
        rows = self._read("SELECT sort_ts, id FROM stories WHERE id = ?", (story_id,))
        if not rows:
            return None
        where, args = self._where(source_id, unread_only)
        joiner = " AND " if where else " WHERE "
        sql = f"SELECT count(*) FROM stories st{where}{joiner}(st.sort_ts, st.id) > (?, ?)"
        return int(self._read(sql, (*args, rows[0][0], rows[0][1]))[0][0])

    def next_unread(self, story_id: int | None, source_id: int | None = None, forward: bool = True) -> Story | None:
        """The nearest unread story after (or before) `story_id` in list order; from the top when story_id is None."""
        where, args = self._where(source_id, True)
        order = "DESC" if forward else "ASC"
        if story_id is not None:
            pivot = self._read("SELECT sort_ts, id FROM stories WHERE id = ?", (story_id,))
            if pivot:
                where += f" AND (st.sort_ts, st.id) {'<' if forward else '>'} (?, ?)"
                args += [pivot[0][0], pivot[0][1]]
        rows = self._read(f"{self._HEADLINE}{where} ORDER BY st.sort_ts {order}, st.id {order} LIMIT 1", args)
        return self._headline(rows[0]) if rows else None

    def story(self, story_id: int) -> Story | None:
        """A whole story: headline, feed text and extracted article."""
        rows = self._read(
            """SELECT st.id, st.source_id, st.key, st.title, st.url, st.authors, st.published, st.updated, st.read,
                       s.title AS source_title, s.url AS source_url, st.summary, st.content,
                       a.data, a.error AS article_error
                FROM stories st JOIN sources s ON s.id = st.source_id LEFT JOIN articles a ON a.story_id = st.id
                WHERE st.id = ?""",
            (story_id,),
        )
        if not rows:
            return None
        row = rows[0]
        story = self._headline(row)
        story.summary = row["summary"]
        story.content = row["content"]
        story.article = Article.from_json(json.loads(row["data"])) if row["data"] else None
        story.article_error = row["article_error"] or ""
        return story

    def story_by_url(self, url: str) -> Story | None:
        rows = self._read("SELECT id FROM stories WHERE url = ? ORDER BY id LIMIT 1", (url,))
        return self.story(rows[0][0]) if rows else None

    def set_read(self, story_ids: int | Iterable[int], read: bool = True) -> None:
        ids = [story_ids] if isinstance(story_ids, int) else list(story_ids)
        with self._tx() as con:
            con.executemany("UPDATE stories SET read = ? WHERE id = ?", ((int(read), i) for i in ids))

    def mark_source_read(self, source_id: int | None) -> None:
        where, args = self._where(source_id, True)
        with self._tx() as con:
            con.execute(f"UPDATE stories AS st SET read = 1{where}", args)

    # -- articles -------------------------------------------------------------------------------------

    def save_article(self, story_id: int, article: Article | None, error: str = "") -> None:
        """Keep an extracted page for offline reading, or why it could not be had (retried later)."""
        data = json.dumps(article.to_json(), ensure_ascii=False) if article else None
        with self._tx() as con:
            if article is None:
                # A failed retry never throws away an article we already have.
                con.execute(
                    "INSERT INTO articles (story_id, data, error, tries, checked) VALUES (?, NULL, ?, 1, ?)"
                    " ON CONFLICT(story_id) DO UPDATE SET error = excluded.error, tries = tries + 1,"
                    " checked = excluded.checked",
                    (story_id, error, time.time()),
                )
                return
            con.execute(
                "INSERT INTO articles (story_id, data, error, tries, checked) VALUES (?, ?, '', 1, ?)"
                " ON CONFLICT(story_id) DO UPDATE SET data = excluded.data, error = '', tries = tries + 1,"
                " checked = excluded.checked",
                (story_id, data, time.time()),
            )
            row = con.execute("SELECT title, authors, summary FROM stories WHERE id = ?", (story_id,)).fetchone()
            if row:
                self._index(con, story_id, row[0], row[1], row[2], article.text, replace=True)

    def stories_needing_article(self, source_id: int | None = None, limit: int = 100) -> list[Story]:
        """Stories whose page should be fetched: never tried, or failed long enough ago and not too often."""
        retry_before = time.time() - ARTICLE_RETRY_SECONDS
        where = " AND st.source_id = ?" if source_id is not None else ""
        args: list[object] = [retry_before, ARTICLE_MAX_TRIES]
        if source_id is not None:
            args.append(source_id)
        rows = self._read(
            f"""{self._HEADLINE} LEFT JOIN articles a ON a.story_id = st.id
                WHERE st.url != '' AND st.content = '' AND s.full_text = 1
                  AND (a.story_id IS NULL OR (a.data IS NULL AND a.checked < ? AND a.tries < ?)){where}
                ORDER BY st.sort_ts DESC LIMIT ?""",
            (*args, limit),
        )
        return [self._headline(r) for r in rows]

    # -- search ---------------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 200) -> list[Story]:
        """Full-text search over titles, authors, summaries and article bodies; newest matches first."""
        fts = _fts_query(query)
        if not fts:
            return []
        try:
            rows = self._read(
                # Newest stored first: what a news reader's search wants, and FTS5 walks rowids backwards
                # and stops at the limit, where ranking must score every match (6 ms against 200 ms on 100k).
                f"""{self._HEADLINE} JOIN (SELECT rowid FROM stories_fts WHERE stories_fts MATCH ?
                    ORDER BY rowid DESC LIMIT ?) f ON f.rowid = st.id ORDER BY st.id DESC""",
                (fts, limit),
            )
        except sqlite3.OperationalError:
            return []
        return [self._headline(r) for r in rows]
