"""Retention: old stories leave the cache (pages and search entries with them), starred ones never, unread ones
only when asked; a purged story does not come back while its feed still lists it; `newsreader purge`."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.model import Article, Story
from newsreader.store import Store

NOW = datetime.now(UTC)


def dated(n: int, days_ago: float) -> Story:
    return Story(
        key=f"k{n}",
        title=f"Story {n} about the steppe",
        url=f"https://news.example/{n}",
        summary=f"summary {n}",
        published=NOW - timedelta(days=days_ago),
    )


def saved_long_ago(monkeypatch: pytest.MonkeyPatch, store: Store, source_id: int, stories: list[Story]) -> None:
    """Stories as a refresh of 300 days ago would have saved them (first seen then)."""
    with monkeypatch.context() as m:
        m.setattr(time, "time", lambda: NOW.timestamp() - 300 * 86400)
        store.save_stories(source_id, stories)


@pytest.fixture
def filled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Store, int]:
    store = Store(tmp_path / "data" / "newsreader" / "newsreader.db")
    source = store.add_source("https://news.example/feed.xml", "feed", "News")
    assert source.id is not None
    # 0: old and read; 1: old, read, starred; 2: old and unread; 3: new and read
    saved_long_ago(monkeypatch, store, source.id, [dated(0, 200), dated(1, 200), dated(2, 200)])
    store.save_stories(source.id, [dated(3, 1), dated(5, 200)])  # 5: dated long ago, but first seen today
    ids = {s.key: s.id for s in store.headlines(source.id) if s.id is not None}
    store.set_read([ids["k0"], ids["k1"], ids["k3"]])
    store.set_starred(ids["k1"])
    store.save_article(ids["k0"], Article(url="https://news.example/0", text="the whole of story zero"))
    return store, source.id


def test_old_read_stories_go_with_their_page_and_index(filled: tuple[Store, int]) -> None:
    store, source_id = filled
    assert len(store.search("zero")) == 1
    gone = store.purge(time.time() - 90 * 86400)
    assert gone == 1
    # starred, unread, recent, and old but just brought by the feed: kept
    assert {s.key for s in store.headlines(source_id)} == {"k1", "k2", "k3", "k5"}
    assert store.search("zero") == [] and store.search("Story 0") == []
    source = store.source(source_id)
    assert source is not None and (source.total, source.unread) == (4, 2)  # the counters follow
    assert store.integrity_check() == "ok"


def test_unread_too_when_asked_but_never_starred(filled: tuple[Store, int]) -> None:
    store, source_id = filled
    assert store.purge(time.time() - 90 * 86400, keep_unread=False) == 2
    assert {s.key for s in store.headlines(source_id)} == {"k1", "k3", "k5"}


def test_a_purged_story_still_in_the_feed_is_not_new_again(filled: tuple[Store, int]) -> None:
    store, source_id = filled
    store.purge(time.time() - 90 * 86400)
    again = store.save_stories(source_id, [dated(0, 200), dated(3, 1), dated(4, 0)])
    assert again == 1  # only story 4: story 0 was purged, story 3 is there already
    assert {s.key for s in store.headlines(source_id)} == {"k1", "k2", "k3", "k4", "k5"}


def test_much_freed_is_compacted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "big.db")
    source = store.add_source("https://news.example/feed.xml", "feed", "News")
    assert source.id is not None
    saved_long_ago(monkeypatch, store, source.id, [dated(i, 400) for i in range(3000)])
    store.set_read([s.id for s in store.headlines(source.id, limit=5000) if s.id is not None])
    before = (tmp_path / "big.db").stat().st_size + (tmp_path / "big.db-wal").stat().st_size
    assert store.purge(time.time() - 90 * 86400) == 3000
    store.close()
    after = (tmp_path / "big.db").stat().st_size
    assert after < before / 2, (before, after)


def test_purge_command_and_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    store = Store(tmp_path / "data" / "newsreader" / "newsreader.db")
    source = store.add_source("https://news.example/feed.xml", "feed", "News")
    assert source.id is not None
    saved_long_ago(monkeypatch, store, source.id, [dated(0, 30), dated(1, 5)])
    store.set_read([s.id for s in store.headlines(source.id) if s.id is not None])
    store.close()
    assert main(["purge"]) == 0  # default keep_days = 90: nothing that old
    assert "purged 0 stories older than 90 days" in capsys.readouterr().out
    assert main(["purge", "--days", "10"]) == 0
    assert "purged 1 story older than 10 days (starred stories kept, and unread ones)" in capsys.readouterr().out
    config = tmp_path / "config" / "newsreader" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("[reader]\nkeep_days = 0\n", encoding="utf-8")
    assert main(["purge"]) == 1
    assert "keeping stories forever" in capsys.readouterr().err
