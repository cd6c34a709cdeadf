"""The SQLite cache on disk: identity, read state, paging, articles, search, migrations, bad files."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.model import Article, Image, Related, Story
from newsreader.store import ARTICLE_RETRY_SECONDS, MIGRATIONS, RefreshResult, Store

T0 = datetime(2025, 11, 10, 9, 30, tzinfo=UTC)


def story(n: int, **kw: object) -> Story:
    fields: dict[str, object] = {
        "key": f"guid-{n}",
        "title": f"Story {n}",
        "url": f"http://x.test/{n}",
        "published": T0 - timedelta(hours=n),
    }
    fields.update(kw)
    return Story(**fields)  # type: ignore[arg-type]


def test_new_database_is_versioned_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    Store(path).close()
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x4E527264
    con.close()
    again = Store(path)  # reopening migrates nothing and keeps the file
    assert again.notice == ""
    assert again.schema_version == len(MIGRATIONS)
    again.close()


def test_refresh_never_duplicates_and_never_resets_read_state(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    assert store.save_stories(src.id, [story(1), story(2), story(3)]) == 3
    first = store.headlines(src.id)
    store.set_read(first[0].id)  # type: ignore[arg-type]
    # The same feed again, one story retitled and one new: one new row, read state kept.
    assert store.save_stories(src.id, [story(1, title="Story 1, updated"), story(2), story(3), story(4)]) == 1
    rows = store.headlines(src.id)
    assert [r.title for r in rows] == ["Story 1, updated", "Story 2", "Story 3", "Story 4"]
    assert [r.read for r in rows] == [True, False, False, False]
    assert store.source(src.id).unread == 3  # type: ignore[union-attr]


def test_duplicate_keys_in_one_batch_keep_the_first(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    assert store.save_stories(src.id, [story(1), story(1, title="dupe")]) == 1
    assert [r.title for r in store.headlines(src.id)] == ["Story 1"]


def test_validators_and_title_are_saved_with_the_stories(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(
        src.id, [story(1)], RefreshResult(title="X News", etag='"abc"', last_modified="Mon, 10 Nov 2025 09:30:00 GMT")
    )
    got = store.source("http://x.test/feed")
    assert got is not None
    assert (got.title, got.etag, got.last_modified, got.error) == (
        "X News",
        '"abc"',
        "Mon, 10 Nov 2025 09:30:00 GMT",
        "",
    )
    store.record_refresh(src.id, RefreshResult(error="HTTP 500 Internal Server Error"))
    got = store.source(src.id)
    assert got is not None and got.error == "HTTP 500 Internal Server Error" and got.etag == '"abc"'


def test_paging_position_and_unread_navigation(store: Store) -> None:
    a = store.add_source("http://a.test/feed")
    b = store.add_source("http://b.test/feed")
    assert a.id is not None and b.id is not None
    store.save_stories(a.id, [story(n) for n in range(0, 10, 2)])
    store.save_stories(b.id, [story(n) for n in range(1, 10, 2)])
    everything = store.headlines(limit=100)
    assert [s.title for s in everything] == [f"Story {n}" for n in range(10)]  # newest first, across sources
    assert [s.title for s in store.headlines(offset=3, limit=2)] == ["Story 3", "Story 4"]
    assert store.count_stories() == 10 and store.count_stories(a.id) == 5
    assert store.position(everything[6].id) == 6  # type: ignore[arg-type]
    assert store.position(everything[6].id, source_id=a.id) == 3  # type: ignore[arg-type]
    store.set_read([everything[1].id, everything[2].id])  # type: ignore[list-item]
    nxt = store.next_unread(everything[0].id)
    assert nxt is not None and nxt.title == "Story 3"
    prev = store.next_unread(everything[3].id, forward=False)
    assert prev is not None and prev.title == "Story 0"
    assert store.next_unread(everything[9].id) is None
    store.mark_source_read(a.id)
    assert store.count_stories(a.id, unread_only=True) == 0
    assert store.count_stories(b.id, unread_only=True) == 4  # Story 1 was read above


def test_article_round_trip_and_failed_retry_keeps_it(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(1)])
    sid = store.headlines(src.id)[0].id
    assert sid is not None
    assert [s.id for s in store.stories_needing_article(src.id)] == [sid]
    article = Article(
        url="http://x.test/1",
        title="Story 1",
        authors=["Elizaveta Azarenka"],
        published=T0,
        site="X",
        image=Image("http://x.test/a.jpg", "Photo: X"),
        text="First.\n\nSecond with zebra.",
        links=["http://x.test/l"],
        related=[Related("Other", "http://x.test/2")],
    )
    store.save_article(sid, article)
    got = store.story(sid)
    assert got is not None and got.article == article
    assert store.stories_needing_article(src.id) == []
    store.save_article(sid, None, "HTTP 404 Not Found")
    got = store.story(sid)
    assert got is not None and got.article == article  # a failed retry never throws the article away


def test_dead_link_is_kept_as_error_and_retried_later(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(1)])
    sid = store.headlines(src.id)[0].id
    assert sid is not None
    store.save_article(sid, None, "HTTP 404 Not Found")
    assert store.story(sid).article_error == "HTTP 404 Not Found"  # type: ignore[union-attr]
    assert store.stories_needing_article(src.id) == []  # not again right away
    import newsreader.store.articles as store_module

    later = store_module.time.time() + ARTICLE_RETRY_SECONDS + 1
    monkeypatch.setattr(store_module.time, "time", lambda: later)
    assert [s.id for s in store.stories_needing_article(src.id)] == [sid]


def test_full_text_search_covers_titles_and_article_bodies(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(1, title="Baikonur launch pad restored"), story(2, summary="<p>wolves</p>")])
    sid = store.headlines(src.id)[1].id
    assert sid is not None
    store.save_article(sid, Article(url="http://x.test/2", text="A rare melanist wolf in the east."))
    assert [s.title for s in store.search("baikonur")] == ["Baikonur launch pad restored"]
    assert [s.title for s in store.search("melan")] == ["Story 2"]  # prefix of a body word
    assert store.search("") == []
    for odd in ['"', "AND OR NOT", "title:(", "*", "a' OR 1=1 --"]:
        store.search(odd)  # FTS syntax in user input never raises


def test_remove_source_drops_its_stories_and_index(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(1, title="Unique zebra")])
    assert store.remove_source("http://x.test/feed") is True
    assert store.remove_source("http://x.test/feed") is False
    assert store.count_stories() == 0 and store.search("zebra") == []


def test_a_file_that_is_not_a_database_is_moved_aside_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    path.write_bytes(b"my precious notes, not a database\n" * 10)
    store = Store(path)
    assert "not an SQLite database" in store.notice and "moved it to" in store.notice
    store.close()
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("newsreader.db.bad-")]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"my precious notes")


def test_another_programs_database_is_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE passwords (site TEXT, secret TEXT)")
    con.execute("INSERT INTO passwords VALUES ('a', 'b')")
    con.commit()
    con.close()
    store = Store(path)
    assert "another program's SQLite database" in store.notice
    store.close()
    aside = next(p for p in tmp_path.iterdir() if p.name.startswith("newsreader.db.bad-") and p.suffix != "-wal")
    con = sqlite3.connect(aside)
    assert con.execute("SELECT secret FROM passwords").fetchall() == [("b",)]
    con.close()


def test_a_database_left_by_an_unclean_exit_is_ours_not_foreign(tmp_path: Path) -> None:
    # The process dies before any checkpoint: the header fields live only in the WAL, and must still be read.
    import subprocess
    import sys

    path = tmp_path / "newsreader.db"
    code = (
        "import os, sys; from newsreader.store import Store; from newsreader.model import Story\n"
        "s = Store(sys.argv[1]); src = s.add_source('http://x.test/feed')\n"
        "s.save_stories(src.id, [Story(key='1', title='kept')]); os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    assert (tmp_path / "newsreader.db-wal").exists()
    store = Store(path)
    assert store.notice == ""
    assert [s.title for s in store.headlines()] == ["kept"]
    store.close()


def test_a_full_disk_is_a_clear_error_and_loses_nothing(store: Store) -> None:
    from newsreader.store import StoreError

    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(1)])
    store._con.execute("PRAGMA max_page_count = " + str(store._con.execute("PRAGMA page_count").fetchone()[0]))
    big = [story(n, summary="x" * 5000) for n in range(2, 200)]
    with pytest.raises(StoreError) as error:
        store.save_stories(src.id, big)
    assert "could not save to the database" in str(error.value) and "full" in str(error.value)
    assert [s.title for s in store.headlines()] == ["Story 1"]  # the failed batch left nothing half-written
    assert store.integrity_check() == "ok"


def test_a_damaged_database_is_detected_at_start_and_moved_aside(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    store = Store(path)
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(src.id, [story(n, summary="words " * 200) for n in range(300)])
    store._con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    store.close()
    data = bytearray(path.read_bytes())
    page = 4096
    data[page * 5 : page * 5 + 2000] = b"\xff" * 2000  # scribble over a b-tree page
    path.write_bytes(bytes(data))
    again = Store(path)
    assert "damaged" in again.notice and "moved it to" in again.notice
    assert again.count_stories() == 0 and again.integrity_check() == "ok"
    assert again.verify() == "ok"
    again.close()


def counted(store: Store) -> dict[int, tuple[int, int]]:
    """Each source's (stories, unread) as the counters say."""
    return {s.id: (s.total, s.unread) for s in store.sources() if s.id is not None}


def recounted(store: Store) -> dict[int, tuple[int, int]]:
    """The same, counted from the stories themselves."""
    con = store._con
    return {
        sid: (
            con.execute("SELECT count(*) FROM stories WHERE source_id = ?", (sid,)).fetchone()[0],
            con.execute("SELECT count(*) FROM stories WHERE source_id = ? AND read = 0", (sid,)).fetchone()[0],
        )
        for (sid,) in con.execute("SELECT id FROM sources").fetchall()
    }


def test_story_and_unread_counts_follow_every_change(store: Store) -> None:
    a = store.add_source("http://x.test/a").id
    b = store.add_source("http://x.test/b").id
    assert a is not None and b is not None
    store.save_stories(a, [story(n) for n in range(5)])
    store.save_stories(b, [story(n) for n in range(3)])
    assert counted(store) == recounted(store) == {a: (5, 5), b: (3, 3)}
    ids = [s.id for s in store.headlines(a) if s.id is not None]
    store.set_read(ids[:2])
    store.set_read(ids[0])  # again: no change
    assert counted(store)[a] == (5, 3)
    store.set_read(ids[1], read=False)
    assert counted(store)[a] == (5, 4)
    store.save_stories(a, [story(n, title=f"retitled {n}") for n in range(7)])  # 2 new, 5 updated
    assert counted(store)[a] == (7, 6)
    store.mark_source_read(a)
    assert counted(store)[a] == (7, 0)
    store.mark_source_read(None)
    assert counted(store) == recounted(store) == {a: (7, 0), b: (3, 0)}
    assert store.count_stories() == 10 and store.count_stories(unread_only=True) == 0
    assert store.count_stories(b) == 3 and store.count_stories(9999) == 0
    store.remove_source("http://x.test/a")
    assert counted(store) == recounted(store) == {b: (3, 0)}


def test_a_version_1_database_gets_its_counts_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "v1.db"
    con = sqlite3.connect(path, isolation_level=None)
    con.executescript(MIGRATIONS[0])
    con.execute("PRAGMA user_version = 1")
    con.execute(f"PRAGMA application_id = {0x4E527264}")
    con.execute("INSERT INTO sources (id, url, added) VALUES (1, 'http://x.test/a', 0)")
    for n in range(4):
        con.execute(
            "INSERT INTO stories (source_id, key, title, sort_ts, first_seen, read) VALUES (1, ?, 't', 0, 0, ?)",
            (f"k{n}", int(n == 0)),
        )
    con.close()
    with Store(path) as store:
        assert store.schema_version == len(MIGRATIONS)
        assert counted(store) == {1: (4, 3)}
        assert store.count_stories() == 4


def test_a_misspelt_refresh_field_is_an_error_not_dropped(store: Store) -> None:
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    with pytest.raises(TypeError):
        store.save_stories(src.id, [story(1)], etga='"abc"')  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        RefreshResult(etga='"abc"')  # type: ignore[call-arg]
    assert store.count_stories(src.id) == 0


def test_subscribing_and_the_first_save_are_one_transaction(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    source, new = store.subscribe(
        "http://x.test/a", [story(1), story(2)], RefreshResult(title="A", etag='"a"'), title="A", full_text=False
    )
    assert new == 2 and source.id is not None and source.title == "A" and source.full_text is False
    got = store.source("http://x.test/a")
    assert got is not None and (got.etag, got.total, got.last_refresh is not None) == ('"a"', 2, True)

    def failing(*_args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "_record_in", failing)
    from newsreader.store import StoreError

    with pytest.raises(StoreError, match="disk I/O error"):
        store.subscribe("http://x.test/b", [story(3)], RefreshResult(etag='"b"'))
    assert store.source("http://x.test/b") is None  # no source without its stories
    assert store.count_stories() == 2


def test_an_undated_story_takes_its_pages_date_and_sorts_by_it(store: Store) -> None:
    # A scraped headline has no date; once its page is read, it sorts by the page's date, not by when it was
    # first seen, so an old story newly scraped sorts below newer dated ones (issue #14, item 8).
    source = store.add_source("https://news.example/", "scrape", "News")
    assert source.id is not None
    store.save_stories(source.id, [story(1, published=None), story(2)])  # story 2: dated T0 - 2 h
    undated = next(s for s in store.headlines(source.id) if s.key == "guid-1")
    assert [s.key for s in store.headlines(source.id)] == ["guid-1", "guid-2"]  # first seen now: on top
    assert undated.id is not None
    page_date = T0 - timedelta(days=3)
    store.save_article(undated.id, Article(url="http://x.test/1", text="body", published=page_date))
    assert [s.key for s in store.headlines(source.id)] == ["guid-2", "guid-1"]
    assert store.headlines(source.id)[1].published == page_date
    # The listing still gives no date: a refresh that changes its title keeps the page's date.
    store.save_stories(source.id, [story(1, published=None, title="Story 1, updated"), story(2)])
    again = next(s for s in store.headlines(source.id) if s.key == "guid-1")
    assert again.published == page_date and again.title == "Story 1, updated"
