"""The store's views (issue #16): a list's filter and order are done by its queries, page by page, and a story's
place, the next unread and a search agree with the pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.model import Story
from newsreader.store import SORTS, Store, View

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def filled(tmp_path: Path) -> Store:
    store = Store(tmp_path / "views.db")
    titles = {"Zeta news": ["banana", "Apple", "cherry"], "alpha news": ["Delta", "echo", "apple"], "": ["Mango"]}
    n = 0
    for i, (name, stories) in enumerate(titles.items()):
        source = store.add_source(f"https://{i}.example/feed", "feed", name)
        assert source.id is not None
        batch = []
        for title in stories:
            n += 1
            batch.append(
                Story(
                    key=f"k{n}",
                    title=title,
                    url=f"https://{i}.example/{n}",
                    summary=f"fruit {title}",
                    published=T0 + timedelta(hours=n * 7 % 11),
                )
            )
        store.save_stories(source.id, batch)
    return store


def every_page(store: Store, view: View, size: int = 2) -> list[Story]:
    rows: list[Story] = []
    for offset in range(0, 100, size):
        page = store.page(view, offset, size)
        if not page:
            break
        rows += page
    return rows


@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("unread_only", [False, True])
def test_pages_positions_and_next_unread_agree_in_every_order(filled: Store, sort: str, unread_only: bool) -> None:
    some = filled.headlines()
    filled.set_read([some[1].id or 0, some[4].id or 0])
    view = View(unread_only=unread_only, sort=sort)
    rows = every_page(filled, view)
    assert len(rows) == filled.count(view) == (5 if unread_only else 7)
    for index, story in enumerate(rows):
        assert story.id is not None
        assert filled.position(story.id, view=view) == index
    unread = [s for s in rows if not s.read]
    # n from the top walks the unread ones in list order; p walks them back.
    found, walked = None, []
    for _ in range(10):
        found = filled.next_unread(found.id if found else None, view=view)
        if found is None:
            break
        walked.append(found.id)
    assert walked == [s.id for s in unread]
    assert filled.next_unread(unread[-1].id, view=view, forward=False) == unread[-2]


def test_the_orders(filled: Store) -> None:
    titles = [s.title.lower() for s in filled.page(View(sort="title"))]
    assert titles == ["apple", "apple", "banana", "cherry", "delta", "echo", "mango"]  # without case
    by_source = [s.source_title for s in filled.page(View(sort="source"))]
    # A source without a title sorts by its URL, as it is shown; names compare without case.
    assert by_source == ["alpha news"] * 3 + ["https://2.example/feed"] + ["Zeta news"] * 3
    dates = [s.when for s in filled.page(View()) if s.when is not None]
    assert dates == sorted(dates, reverse=True)
    with pytest.raises(ValueError, match="not a sort order"):
        View(sort="random")


def test_starred_view_and_search_within_a_view(filled: Store) -> None:
    rows = filled.headlines()
    apple = [s for s in rows if s.title.lower() == "apple"]
    assert len(apple) == 2 and all(s.id is not None for s in apple)
    filled.set_starred(apple[0].id or 0)
    starred = View(starred_only=True)
    assert [s.id for s in filled.page(starred)] == [apple[0].id] and filled.count(starred) == 1
    assert filled.page(starred)[0].starred
    assert {s.id for s in filled.search("apple")} == {s.id for s in apple}
    assert [s.id for s in filled.search("apple", view=starred)] == [apple[0].id]
    one_source = View(source_id=apple[1].source_id)
    assert [s.id for s in filled.search("apple", view=one_source)] == [apple[1].id]
    assert filled.search("fruit", view=View(unread_only=True, source_id=apple[1].source_id)) != []
    assert filled.search("nothing-like-it", view=one_source) == []


def test_unread_only_keeps_listing_thousands_of_stories_read_since_it_was_shown(tmp_path: Path) -> None:
    # More ids than SQLite takes as arguments of one query by default (32,766; 999 before 3.32): one JSON argument.
    store = Store(tmp_path / "many.db")
    source = store.add_source("https://many.example/feed", "feed", "Many")
    assert source.id is not None
    store.save_stories(
        source.id,
        [Story(key=f"m{i}", title=f"s{i:05}", published=T0 - timedelta(minutes=i)) for i in range(33_000)],
    )
    every = store.page(View(unread_only=True), 0, 33_000)
    read = [s.id for s in every[:32_900] if s.id is not None]
    store.set_read(read)
    kept = View(unread_only=True, keep=tuple(read))
    assert [s.title for s in store.page(kept, 32_800, 200)] == [f"s{i:05}" for i in range(32_800, 33_000)]
    assert len(store.page(View(unread_only=True), 0, 33_000)) == 100
    store.close()
