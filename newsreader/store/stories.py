"""Stories and their full-text index: saving a source's stories, paging headlines, read state."""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

from newsreader.model import Article, Folder, Selection, Story, Tag, iso, parse_iso
from newsreader.store.connection import ts
from newsreader.store.sources import RefreshResult, Sources

HEADLINE_PAGE = 200  # headlines read at a time: the list pages through the store this many at once

# A headline's columns, written once: every query that makes Story objects selects these (and may add more).
HEADLINE_COLUMNS = """st.id, st.source_id, st.key, st.title, st.url, st.authors, st.published, st.updated, st.read,
               st.starred, s.title AS source_title, s.url AS source_url"""
HEADLINES = f"SELECT {HEADLINE_COLUMNS} FROM stories st JOIN sources s ON s.id = st.source_id"

_TAGS = re.compile(r"<[^>]*>")


def index_text(*parts: str) -> str:
    # Only for the search index, never shown: dropping tags is enough here.
    return " ".join(_TAGS.sub(" ", p) for p in parts if p)


def index(
    con: sqlite3.Connection, story_id: int | None, title: str, authors: str, *body: str, replace: bool = False
) -> None:
    """A story's entry in the search index (stories_fts, rowid = the story's id)."""
    if replace:
        con.execute("DELETE FROM stories_fts WHERE rowid = ?", (story_id,))
    con.execute(
        "INSERT INTO stories_fts (rowid, title, authors, body) VALUES (?, ?, ?, ?)",
        (story_id, title, authors, index_text(*body)),
    )


def headline_of(row: sqlite3.Row) -> Story:
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
        starred=bool(row["starred"]),
        source_title=row["source_title"] or row["source_url"],
    )


SYNC_KEY = "sync:"  # the key of a story that came from the sync server (its canonical item id follows)
FLAGS = ("read", "starred")  # the flags a sync server shares: set (never toggled) and queued for the next push


# The sources of a folder and its subfolders; the stories of a tag (by their page, or by their source's tags).
IN_FOLDER = "SELECT id FROM sources WHERE folder = ? OR substr(folder, 1, ?) = ?"
TAGGED = """(st.id IN (SELECT story_id FROM story_tags WHERE tag = ?)
    OR st.source_id IN (SELECT sources.id FROM sources, json_each(sources.tags) j WHERE j.value = ?))"""


def folder_args(path: str) -> list[object]:
    return [path, len(path) + 1, path + "/"]


def where(source_id: Selection, unread_only: bool, starred_only: bool = False) -> tuple[str, list[object]]:
    """The WHERE clause (over `stories st`) of what a headline list shows."""
    return where_view(View(source_id, unread_only, starred_only))


# -- views: which headlines a list shows, and in which order (issue #16) ----------------------------------------

SORTS = ("date", "source", "title")  # the orders a headline list can have; the first is the default

# Each order as its terms, (SQL expression, descending?), the last ones making it total (ties broken by id).
_ORDER_TERMS: dict[str, tuple[tuple[str, bool], ...]] = {
    "date": (("st.sort_ts", True), ("st.id", True)),
    "source": (
        ("coalesce(nullif(s.title, ''), s.url) COLLATE NOCASE", False),
        ("st.source_id", False),
        ("st.sort_ts", True),
        ("st.id", True),
    ),
    "title": (("st.title COLLATE NOCASE", False), ("st.sort_ts", True), ("st.id", True)),
}


@dataclass(frozen=True, slots=True)
class View:
    """Which headlines a list shows and in which order: a source (None: every source), unread ones only, starred
    ones only, sorted by date (newest first), source (then newest) or title. Every query of a list (its pages,
    its length, a story's place in it, the next unread, a search within it) takes one, so a new filter (a folder)
    is one field here and one clause in where_view()."""

    source_id: Selection = None  # a source's id, a Folder, a Tag, or None (every source)
    unread_only: bool = False
    starred_only: bool = False
    sort: str = "date"
    # Read since the list was shown, still listed in unread only: its later pages keep their offsets (a story read
    # at row 5 would otherwise shift every row after it, and the next page would skip one).
    keep: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"not a sort order: {self.sort!r} (one of {', '.join(SORTS)})")


def where_view(view: View) -> tuple[str, list[object]]:
    """The view's WHERE clause (on `stories st`), or "", and its arguments."""
    clauses: list[str] = []
    args: list[object] = []
    if isinstance(view.source_id, Folder):
        clauses.append(f"st.source_id IN ({IN_FOLDER})")
        args += folder_args(view.source_id.path)
    elif isinstance(view.source_id, Tag):
        clauses.append(TAGGED)
        args += [view.source_id.name, view.source_id.name]
    elif view.source_id is not None:
        clauses.append("st.source_id = ?")
        args.append(view.source_id)
    if view.unread_only and view.keep:
        # One argument however many (SQLite takes at most 999 or 32,766 of them, by its version).
        clauses.append("(st.read = 0 OR st.id IN (SELECT value FROM json_each(?)))")
        args.append(json.dumps(view.keep))
    elif view.unread_only:
        clauses.append("st.read = 0")
    if view.starred_only:
        clauses.append("st.starred = 1")
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


def order_by(sort: str, reverse: bool = False) -> str:
    return ", ".join(f"{expr} {'DESC' if desc != reverse else 'ASC'}" for expr, desc in _ORDER_TERMS[sort])


def before(sort: str, pivot: tuple[object, ...], after: bool = False) -> tuple[str, list[object]]:
    """A condition true of the rows listed before `pivot` (the values of the order's terms), or after it."""
    terms = _ORDER_TERMS[sort]
    if len({desc for _, desc in terms}) == 1:  # one direction: a row value, which the index serves
        desc = terms[0][1]
        op = ">" if desc != after else "<"
        return f"({', '.join(e for e, _ in terms)}) {op} ({', '.join('?' * len(terms))})", list(pivot)
    ors: list[str] = []
    args: list[object] = []
    for i, (expr, desc) in enumerate(terms):
        equal = [f"{e} = ?" for e, _ in terms[:i]]
        op = ">" if desc != after else "<"
        ors.append("(" + " AND ".join([*equal, f"{expr} {op} ?"]) + ")")
        args += [*pivot[:i], pivot[i]]
    # The first term's bound, said again on its own: the index in that order is walked from the pivot on.
    first, desc = terms[0]
    return f"{first} {'>' if desc != after else '<'}= ? AND (" + " OR ".join(ors) + ")", [pivot[0], *args]


def select_from(sort: str) -> str:
    """The headlines' SELECT for an order: by source, the sources (in name order) lead the join, each one's
    stories after it, so a page is read in order instead of sorting every story."""
    if sort == "source":
        return f"SELECT {HEADLINE_COLUMNS} FROM sources s CROSS JOIN stories st ON st.source_id = s.id"
    return HEADLINES


class Stories(Sources):
    def save_stories(self, source_id: int, stories: list[Story], refresh: RefreshResult | None = None) -> int:
        """Insert new stories and update changed ones of a source, in one transaction; returns how many were new.

        Read state is never touched. `refresh`, when given, is recorded in the same transaction, so a source's
        validators never run ahead of its stories.
        """
        with self._tx() as con:
            new = self._save_in(con, source_id, stories)
            if refresh is not None:
                self._record_in(con, source_id, refresh)
        return new

    @staticmethod
    def _purged_keys(con: sqlite3.Connection, source_id: int, keys: list[str]) -> list[str]:
        found: list[str] = []
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found += [
                row[0]
                for row in con.execute(
                    f"SELECT key FROM purged WHERE source_id = ? AND key IN ({marks})", (source_id, *chunk)
                )
            ]
        return found

    def _save_in(self, con: sqlite3.Connection, source_id: int, stories: list[Story]) -> int:
        now = time.time()
        unique: dict[str, Story] = {}
        for story in stories:
            unique.setdefault(story.key, story)
        existing: dict[str, tuple[int, str, str, str, str, str]] = {}
        keys = list(unique)
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in con.execute(
                f"SELECT key, id, title, url, summary, content, authors FROM stories WHERE source_id = ? AND key IN ({marks})",
                (source_id, *chunk),
            ):
                existing[row[0]] = row[1:]
        if len(existing) < len(unique):
            for key in self._purged_keys(con, source_id, [k for k in keys if k not in existing]):
                del unique[key]  # purged by retention: a feed still listing it must not bring it back as new
        synced = self._synced_by_url(con, source_id) if len(existing) < len(unique) else {}
        new_rows = []
        tagged: list[tuple[str, int]] = []  # the feed's categories of changed stories, as story tags
        for order, story in enumerate(unique.values()):
            authors = json.dumps(story.authors, ensure_ascii=False)
            # Stories without a date keep feed order: later entries sort just below earlier ones.
            sort_ts = ts(story.when) or (now - order * 1e-3)
            old = existing.get(story.key)
            if old is None and story.url in synced:
                # The feed's own entry of a story the sync server brought (same source, same link): it takes the
                # synced story over (its key, then its fields below), so one story is never listed twice.
                story_id = synced.pop(story.url)
                con.execute("UPDATE stories SET key = ? WHERE id = ?", (story.key, story_id))
                old = (story_id, "", "", "", "", "")
            if old is None:
                new_rows.append((story, authors, sort_ts))
                continue
            if old[1:] != (story.title, story.url, story.summary, story.content, authors):
                con.execute(
                    # An undated listing keeps the date the story's own page gave (save_article).
                    "UPDATE stories SET title = ?, url = ?, authors = ?, published = coalesce(?, published),"
                    " updated = ?, summary = ?, content = ? WHERE id = ?",
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
                index(con, old[0], story.title, authors, story.summary, story.content, replace=True)
                tagged += ((tag, old[0]) for tag in story.tags)
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
            ((r[0], r[3], r[5], index_text(r[10], r[11])) for r in rows),
        )
        # The feed's categories, as story tags (the `#` list): new stories' and updated ones' alike.
        tagged += ((tag, story.id) for story, _, _ in new_rows if story.id is not None for tag in story.tags)
        con.executemany("INSERT OR IGNORE INTO story_tags (tag, story_id) VALUES (?, ?)", tagged)
        return len(new_rows)

    def _synced_by_url(self, con: sqlite3.Connection, source_id: int) -> dict[str, int]:
        """The stories of a source that came from the sync server and were not seen in its feed yet, by link."""
        rows = con.execute(
            "SELECT url, id FROM stories WHERE source_id = ? AND substr(key, 1, ?) = ? AND url != ''",
            (source_id, len(SYNC_KEY), SYNC_KEY),
        )
        return {url: story_id for url, story_id in rows}

    def count_stories(self, source_id: Selection = None, unread_only: bool = False) -> int:
        # From the counters the triggers keep (migration 2), not by counting the stories; a tag's are counted.
        column = "unread_count" if unread_only else "story_count"
        if source_id is None:
            return int(self._read(f"SELECT coalesce(sum({column}), 0) FROM sources")[0][0])
        if isinstance(source_id, Folder):
            sql = f"SELECT coalesce(sum({column}), 0) FROM sources WHERE id IN ({IN_FOLDER})"
            return int(self._read(sql, folder_args(source_id.path))[0][0])
        if isinstance(source_id, Tag):
            clause, args = where(source_id, unread_only)
            return int(self._read(f"SELECT count(*) FROM stories st{clause}", args)[0][0])
        rows = self._read(f"SELECT {column} FROM sources WHERE id = ?", (source_id,))
        return int(rows[0][0]) if rows else 0

    def count(self, view: View) -> int:
        """How many headlines a view lists: from the counters, except for starred ones (a partial index)."""
        if not view.starred_only and not view.keep:
            return self.count_stories(view.source_id, view.unread_only)
        clause, args = where_view(view)
        return int(self._read(f"SELECT count(*) FROM stories st{clause}", args)[0][0])

    def tags(self) -> list[tuple[str, int, int]]:
        """Every tag with its stories and unread stories, by name: story tags (from their pages) and the reader's
        tags of sources (a source's stories are its tag's)."""
        rows = self._read(
            """SELECT tag, count(*), coalesce(sum(read = 0), 0) FROM (
                   SELECT t.tag AS tag, st.id, st.read FROM story_tags t JOIN stories st ON st.id = t.story_id
                   UNION
                   SELECT j.value, st.id, st.read FROM sources s, json_each(s.tags) j
                   JOIN stories st ON st.source_id = s.id
               ) GROUP BY tag ORDER BY lower(tag), tag"""
        )
        extra = {tag for s in self._read("SELECT tags FROM sources WHERE tags != '[]'") for tag in json.loads(s[0])}
        found = [(r[0], int(r[1]), int(r[2])) for r in rows]
        named = {r[0] for r in found}
        # A source tag with no stories yet is listed all the same (with nothing in it).
        found += [(tag, 0, 0) for tag in sorted(extra - named, key=str.lower)]
        return found

    def headlines(
        self,
        source_id: Selection = None,
        offset: int = 0,
        limit: int = 200,
        unread_only: bool = False,
        *,
        starred_only: bool = False,
        sort: str = "date",
    ) -> list[Story]:
        """One page of headlines, newest first (or by `sort`), without their bodies."""
        return self.page(View(source_id, unread_only, starred_only, sort), offset, limit)

    def page(self, view: View, offset: int = 0, limit: int = 200) -> list[Story]:
        """One page of a view's headlines, in its order, without their bodies."""
        clause, args = where_view(view)
        sql = f"{select_from(view.sort)}{clause} ORDER BY {order_by(view.sort)} LIMIT ? OFFSET ?"
        rows = self._read(sql, (*args, limit, offset))
        return [headline_of(r) for r in rows]

    def _pivot(self, story_id: int, sort: str) -> tuple[object, ...] | None:
        terms = ", ".join(expr for expr, _ in _ORDER_TERMS[sort])
        rows = self._read(
            f"SELECT {terms} FROM stories st JOIN sources s ON s.id = st.source_id WHERE st.id = ?", (story_id,)
        )
        return tuple(rows[0]) if rows else None

    def position(
        self, story_id: int, source_id: Selection = None, unread_only: bool = False, *, view: View | None = None
    ) -> int | None:
        """Where a story stands in the list headlines() (or page(view)) pages through; None if it is gone."""
        view = view or View(source_id, unread_only)
        pivot = self._pivot(story_id, view.sort)
        if pivot is None:
            return None
        clause, args = where_view(view)
        condition, more = before(view.sort, pivot)
        joiner = " AND " if clause else " WHERE "
        table = "sources s CROSS JOIN stories st ON st.source_id = s.id" if view.sort == "source" else "stories st"
        sql = f"SELECT count(*) FROM {table}{clause}{joiner}{condition}"
        return int(self._read(sql, (*args, *more))[0][0])

    def next_unread(
        self,
        story_id: int | None,
        source_id: Selection = None,
        forward: bool = True,
        *,
        view: View | None = None,
    ) -> Story | None:
        """The nearest unread story after (or before) `story_id` in list order; from the top when story_id is None
        (from the bottom, going back)."""
        view = View(*(view.source_id, True, view.starred_only, view.sort)) if view else View(source_id, True)
        clause, args = where_view(view)
        if story_id is not None:
            pivot = self._pivot(story_id, view.sort)
            if pivot:
                condition, more = before(view.sort, pivot, after=forward)
                clause += f" AND {condition}"
                args += more
        order = order_by(view.sort, reverse=not forward)
        rows = self._read(f"{select_from(view.sort)}{clause} ORDER BY {order} LIMIT 1", args)
        return headline_of(rows[0]) if rows else None

    def story(self, story_id: int) -> Story | None:
        """A whole story: headline, feed text and extracted article."""
        rows = self._read(
            f"""SELECT {HEADLINE_COLUMNS}, st.summary, st.content, a.data, a.error AS article_error
                FROM stories st JOIN sources s ON s.id = st.source_id LEFT JOIN articles a ON a.story_id = st.id
                WHERE st.id = ?""",
            (story_id,),
        )
        if not rows:
            return None
        row = rows[0]
        story = headline_of(row)
        story.summary = row["summary"]
        story.content = row["content"]
        story.article = Article.from_json(json.loads(row["data"])) if row["data"] else None
        story.article_error = row["article_error"] or ""
        return story

    def story_by_url(self, url: str) -> Story | None:
        rows = self._read("SELECT id FROM stories WHERE url = ? ORDER BY id LIMIT 1", (url,))
        return self.story(rows[0][0]) if rows else None

    def set_read(self, story_ids: int | Iterable[int], read: bool = True) -> None:
        """Mark stories read (or unread); for stories the sync server knows, the change is queued for the next push
        in the same transaction (see _set_flag_in)."""
        with self._tx() as con:
            self._set_flag_in(con, "read", _ids(story_ids), read)

    def set_starred(self, story_ids: int | Iterable[int], starred: bool = True) -> None:
        """Star (or unstar) stories; queued for the sync server like set_read."""
        with self._tx() as con:
            self._set_flag_in(con, "starred", _ids(story_ids), starred)

    def mark_source_read(self, source_id: Selection, starred_only: bool = False) -> list[int]:
        """Mark every unread story of a source (a folder, a tag; None: of all sources; starred_only: only the starred
        ones, the Starred view) read; queued for the sync server. Returns their ids, so that it can be undone."""
        clause, args = where(source_id, True, starred_only)
        with self._tx() as con:
            ids = [r[0] for r in con.execute(f"SELECT st.id FROM stories st{clause}", args)]
            self._set_flag_in(con, "read", ids, True)
        return ids

    def _set_flag_in(self, con: sqlite3.Connection, flag: str, ids: list[int], value: bool) -> None:
        """Set a flag, and queue the same *set* operation for every story of `ids` the sync server knows.

        Always, account or not: only stories that came from a sync server have an item id (sync_items), so a
        reader without an account queues nothing, and the queue holds at most one change per item and flag (the
        last one wins). A set, not a toggle: pushing it twice is harmless.
        """
        if flag not in FLAGS:
            raise ValueError(f"not a synced flag: {flag!r}")
        now = time.time()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            con.execute(f"UPDATE stories SET {flag} = ? WHERE {flag} != ? AND id IN ({marks})", (value, value, *chunk))
            con.execute(
                f"""INSERT INTO sync_pending (item_id, flag, value, queued)
                    SELECT item_id, ?, ?, ? FROM sync_items WHERE story_id IN ({marks})
                    ON CONFLICT (item_id, flag) DO UPDATE SET value = excluded.value, queued = excluded.queued,
                    tries = 0""",
                (flag, int(value), now, *chunk),
            )


def _ids(story_ids: int | Iterable[int]) -> list[int]:
    return [story_ids] if isinstance(story_ids, int) else list(story_ids)
