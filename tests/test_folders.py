"""Folders, tags and OPML (issue #16): the store's side, the CLI (import, export, rename, move, tag, sources,
list --folder/--tag), OPML round-trips of a large real-world-shaped file, and hostile OPML."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader import opml, safe
from newsreader.model import Article, Folder, Source, Story, Tag
from newsreader.store import MIGRATIONS, RefreshResult, Store
from newsreader.store.schema import APPLICATION_ID, statements
from newsreader.sync.base import Action, Backend, Item, Pull, Subscription
from newsreader.sync.engine import SyncReport, pull_subscriptions
from tests.cli_run import run, run_json

BIG = Path(__file__).parent / "fixtures" / "opml" / "big.opml"
WHEN = datetime(2025, 11, 1, 12, 0, tzinfo=UTC)


def stories(prefix: str, count: int) -> list[Story]:
    return [Story(key=f"{prefix}{i}", title=f"{prefix} story {i}", published=WHEN) for i in range(count)]


# -- the store -------------------------------------------------------------------------------------------


def test_folder_selection_counts_and_headlines_include_subfolders(store: Store) -> None:
    a = store.add_source("https://a.test/feed", folder="Tech")
    b = store.add_source("https://b.test/feed", folder=" Tech / Python /")
    c = store.add_source("https://c.test/feed", folder="Technology")  # a prefix of the name, not a subfolder
    assert b.folder == "Tech/Python"
    for source, n in ((a, 2), (b, 3), (c, 4)):
        assert source.id is not None
        store.save_stories(source.id, stories(source.url, n))
    assert store.count_stories(Folder("Tech")) == 5
    assert store.count_stories(Folder("Tech/Python"), unread_only=True) == 3
    assert {s.source_id for s in store.headlines(Folder("Tech"))} == {a.id, b.id}
    assert len(store.mark_source_read(Folder("Tech/Python"))) == 3
    assert store.count_stories(Folder("Tech"), unread_only=True) == 2
    assert store.count_stories(None, unread_only=True) == 6


def test_tags_come_from_pages_and_from_sources(store: Store) -> None:
    a = store.add_source("https://a.test/feed")
    b = store.add_source("https://b.test/feed")
    assert a.id is not None and b.id is not None
    store.save_stories(a.id, stories("a", 2))
    store.save_stories(b.id, stories("b", 1))
    first = store.headlines(a.id)[0]
    assert first.id is not None
    store.save_article(first.id, Article(url="https://a.test/1", tags=["Space", " Space ", "Mars  rover", ""]))
    store.set_source_tags(b.id, ["daily", "Daily", "space"])
    assert store.source(b.id).tags == ["daily", "space"]  # type: ignore[union-attr]
    assert store.tags() == [("daily", 1, 1), ("Mars rover", 1, 1), ("Space", 1, 1), ("space", 1, 1)]
    assert [s.id for s in store.headlines(Tag("Space"))] == [first.id]
    assert store.count_stories(Tag("daily")) == 1
    store.set_read(first.id)
    assert ("Space", 1, 0) in store.tags()
    store.set_source_tags(a.id, ["empty-yet"])
    store.remove_source("https://a.test/feed")  # its stories' tags go with them
    assert [t[0] for t in store.tags()] == ["daily", "space"]


def test_a_renamed_title_survives_a_refresh_and_empty_gives_the_feeds_back(store: Store) -> None:
    source = store.add_source("https://a.test/feed", title="Feed's own")
    assert source.id is not None
    assert store.rename_source(source.id, "Mine")
    store.record_refresh(source.id, RefreshResult(title="Feed's new"))
    assert store.source(source.id).title == "Mine"  # type: ignore[union-attr]
    store.rename_source(source.id, "")
    store.record_refresh(source.id, RefreshResult(title="Feed's new"))
    assert store.source(source.id).title == "Feed's new"  # type: ignore[union-attr]
    assert not store.rename_source(9999, "nobody")


def test_the_migration_takes_tags_of_pages_saved_before_it(tmp_path: Path) -> None:
    # A database of the version before folders, built from the migrations before it (later ones may follow it).
    before = next(i for i, script in enumerate(MIGRATIONS) if "CREATE TABLE story_tags" in script)
    path = tmp_path / "old.db"
    con = sqlite3.connect(path)
    for script in MIGRATIONS[:before]:
        for statement in statements(script):
            con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {before}")
    con.execute("INSERT INTO sources (id, url, added) VALUES (1, 'https://a.test/feed', 0)")
    con.execute("INSERT INTO stories (id, source_id, key, title, sort_ts, first_seen) VALUES (1, 1, 'a1', 'A 1', 0, 0)")
    article = '{"url": "https://a.test/1", "tags": ["Old tag"]}'
    con.execute("INSERT INTO articles (story_id, data, checked) VALUES (1, ?, 0)", (article,))
    con.commit()
    con.close()
    with Store(path) as store:
        assert store.tags() == [("Old tag", 1, 1)]
        assert store.sources()[0].folder == ""


# -- OPML ------------------------------------------------------------------------------------------------


def test_the_big_opml_imports_with_its_folders_and_refuses_command_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "import", str(BIG))
    assert code == 0, err
    first, second = out.splitlines()
    assert first == "imported 300 new sources"
    assert second.startswith("skipped 5 entries that are not http(s) URLs: “Shell” (exec:~/bin/make-feed.sh): it is a")
    assert "newsboat exec source, which runs a command: never imported" in second
    assert "filter source" in second and "query source" in second and second.endswith("; and 2 more")
    sources = run_json(capsys, "sources")
    assert len(sources) == 300
    assert not any(s["url"].startswith(("exec", "filter", '"query', "file", "gopher")) for s in sources)
    folders = {s["folder"] for s in sources}
    assert "Tech/Python/Async" in folders and "Science 🔬/Space/Mars 🚀" in folders and "" in folders
    assert 'News & Politics/Local "Almaty"' in folders and "Tech/Web <dev>" in folders and "عربي" in folders
    listing = next(s for s in sources if s["url"] == "https://listing.example/news/")
    assert listing["kind"] == "scrape"
    titles = {s["title"] for s in sources}
    assert "Tom & Jerry's <News> 56" in titles


def test_import_then_export_round_trips_every_source_title_and_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(BIG))[0] == 0
    before = sorted((s["url"], s["title"], s["folder"], s["kind"], s["site_url"]) for s in run_json(capsys, "sources"))
    code, exported, err = run(capsys, "export")
    assert code == 0, err
    assert exported.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    assert 'type="link"' in exported and "&amp;" in exported and "&lt;" in exported and "'Local \"Almaty\"'" in exported
    entries = opml.parse(exported.encode())  # well-formed: our own reader takes it back
    assert len(entries) == 300
    again = tmp_path / "again.opml"
    again.write_text(exported, encoding="utf-8")
    code, out, err = run(capsys, "--db", str(tmp_path / "second.db"), "import", str(again))
    assert (code, out) == (0, "imported 300 new sources\n"), err
    after = run_json(capsys, "--db", str(tmp_path / "second.db"), "sources")
    assert sorted((s["url"], s["title"], s["folder"], s["kind"], s["site_url"]) for s in after) == [
        # The JSON output passes through safe.py: compare like with like.
        (u, safe.line(t), safe.line(f), k, w)
        for u, t, f, k, w in before
    ]
    # Exported twice, the same document (but for its date).
    code, twice, err = run(capsys, "--db", str(tmp_path / "second.db"), "export")
    assert twice.split("</head>")[1] == exported.split("</head>")[1]


def test_the_store_keeps_odd_characters_and_display_strips_controls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "import", str(BIG))[0] == 0
    with Store(tmp_path / "data" / "newsreader" / "newsreader.db") as store:
        raw = {s.title for s in store.sources()}
    assert any("\u202e" in t for t in raw) and any("\u009b" in t for t in raw)  # kept as given
    code, out, _err = run(capsys, "sources")
    assert code == 0 and "\u202e" not in out and "\u009b" not in out and "\x85" not in out
    assert "Bidi evil title" in out and "أخبار اليوم" in out and "👩‍💻 devs" in out


def test_export_writes_folders_nested_and_xml_safe() -> None:
    sources = [
        Source("https://a.test/feed", title='A & "B" <c>', folder="X/Y/Z", site_url="https://a.test/"),
        Source("https://b.test/page", kind="scrape", title="Page\x07bell"),
        Source("https://c.test/feed"),
    ]
    text = opml.export(sources)
    assert "\x07" not in text
    entries = {e.url: e for e in opml.parse(text.encode())}
    assert entries["https://a.test/feed"] == opml.Entry(
        "https://a.test/feed", 'A & "B" <c>', "X/Y/Z", "https://a.test/"
    )
    assert entries["https://b.test/page"].kind == "scrape"
    assert entries["https://c.test/feed"].title == "https://c.test/feed" and entries["https://c.test/feed"].folder == ""


def test_a_slash_inside_one_opml_folder_name_does_not_make_a_level() -> None:
    data = b'<opml version="2.0"><body><outline text="A/B"><outline xmlUrl="https://a.test/f"/></outline></body></opml>'
    assert opml.parse(data)[0].folder == "A\u2215B"


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
            b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><opml version="2.0"><body>'
            b'<outline text="&c;" xmlUrl="https://laughs.test/feed"/></body></opml>',
            "declares XML entities",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><opml><body>'
            b'<outline text="&xxe;" xmlUrl="https://xxe.test/feed"/></body></opml>',
            "declares XML entities",
        ),
        (b'<opml version="2.0"><body><outline xmlUrl="https://a.test/f">', "not well-formed"),
        (b"<rss><channel/></rss>", "not OPML"),
        (b"<opml><body>" + b"<outline>" * 100 + b"</outline>" * 100 + b"</body></opml>", "nest more than"),
    ],
)
def test_hostile_opml_is_refused_with_a_clear_message_and_nothing_added(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], body: bytes, why: str
) -> None:
    path = tmp_path / "evil.opml"
    path.write_bytes(body)
    code, out, err = run(capsys, "import", str(path))
    assert (code, out) == (1, "")
    assert err.startswith(f"newsreader: error: {path}: not an OPML file we read: ") and why in err
    assert run_json(capsys, "sources") == []


def test_command_urls_are_refused_and_the_rest_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "newsboat.opml"
    path.write_text(
        '<opml version="2.0"><body>'
        '<outline text="ok" xmlUrl="https://ok.test/feed"/>'
        '<outline text="run" xmlUrl="exec:rm -rf ~"/>'
        '<outline text="f" xmlUrl="  FILTER:sh -c evil:https://x.test/"/>'
        '<outline text="js" xmlUrl="javascript:alert(1)"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(path))
    assert code == 0, err
    assert out.splitlines()[0] == "imported 1 new source"
    assert "“run” (exec:rm -rf ~): it is a newsboat exec source, which runs a command: never imported" in out
    assert "FILTER:sh" in out and "its scheme, javascript, is not http or https" in out
    assert [s["url"] for s in run_json(capsys, "sources")] == ["https://ok.test/feed"]


# -- the CLI: rename, move, tag, list --------------------------------------------------------------------


def test_rename_move_and_tag_by_id_or_url(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text("https://a.test/feed\nhttps://b.test/feed\n", encoding="utf-8")
    assert run(capsys, "import", str(listing))[0] == 0
    ids = {s["url"]: s["id"] for s in run_json(capsys, "sources")}
    a = str(ids["https://a.test/feed"])
    assert run(capsys, "rename", a, "Alpha \x1b]2;x\x07news") == (0, "renamed https://a.test/feed to Alpha news\n", "")
    assert run(capsys, "move", "https://b.test/feed", "Tech / Python") == (
        0,
        "moved https://b.test/feed to folder Tech/Python\n",
        "",
    )
    assert run(capsys, "tag", a, "daily", "world", "daily")[1] == "Alpha news: tags daily, world\n"
    assert run(capsys, "tag", a, "--remove", "DAILY")[1] == "Alpha news: tags world\n"
    assert run(capsys, "move", a, "")[1] == "moved Alpha news to the top level\n"
    code, out, err = run(capsys, "sources")
    assert f"{a} " in out and "Alpha news <https://a.test/feed> #world" in out and "in Tech/Python" in out
    for command in (("rename", "99", "x"), ("move", "https://nope.test/", "x"), ("tag", "42", "x")):
        code, out, err = run(capsys, *command)
        assert (code, out) == (1, "")
        assert (
            err
            == f"newsreader: error: no source {command[1]} (give its id or URL, as `newsreader sources` lists them)\n"
        )
    code, out, err = run(capsys, "tag", a, "  ")
    assert (code, err) == (1, "newsreader: error: no tag given (`newsreader tag ID TAG...`)\n")


def test_list_by_folder_and_tag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "data" / "newsreader" / "newsreader.db"
    with Store(db) as store:
        a = store.add_source("https://a.test/feed", title="A", folder="News/World")
        b = store.add_source("https://b.test/feed", title="B", folder="Other")
        assert a.id is not None and b.id is not None
        store.save_stories(a.id, stories("a", 2))
        store.save_stories(b.id, stories("b", 1))
        store.set_source_tags(b.id, ["fun"])
    assert [s["source"] for s in run_json(capsys, "list", "--folder", "News")] == ["A", "A"]
    assert [s["source"] for s in run_json(capsys, "list", "--tag", "fun")] == ["B"]


# -- sync: a new source takes the server's folder --------------------------------------------------------


class Folders(Backend):
    """A server that only lists subscriptions (all pull_subscriptions asks of it)."""

    def __init__(self, subs: list[Subscription]) -> None:
        self.subs = subs

    async def aclose(self) -> None:
        pass

    async def login(self) -> None:
        pass

    async def subscriptions(self) -> list[Subscription]:
        return self.subs

    async def pull(self, since: str | None = None) -> Pull:
        raise NotImplementedError

    async def items(self, ids: Iterable[str]) -> list[Item]:
        raise NotImplementedError

    async def unread_ids(self) -> set[str]:
        raise NotImplementedError

    async def starred_ids(self) -> set[str]:
        raise NotImplementedError

    async def push(self, action: Action, ids: Iterable[str]) -> None:
        raise NotImplementedError

    async def subscribe(self, feed_url: str, *, title: str = "", folder: str = "") -> Subscription:
        raise NotImplementedError

    async def unsubscribe(self, feed_url: str) -> None:
        raise NotImplementedError


def test_a_source_new_from_the_server_takes_its_folder_and_a_known_one_keeps_its_own(store: Store) -> None:
    mine = store.add_source("https://mine.test/feed", folder="My/Own")
    server = Folders(
        [
            Subscription("feed/1", "One", "https://one.test/feed", folders=("Tech / News", "Other")),
            Subscription("feed/2", "Mine", "https://mine.test/feed", folders=("Theirs",)),
            Subscription("feed/3", "None", "https://none.test/feed"),
        ]
    )
    asyncio.run(pull_subscriptions(store, server, SyncReport()))
    folders = {s.url: s.folder for s in store.sources()}
    assert folders == {
        "https://one.test/feed": "Tech \u2215 News",  # one GReader label: one level, its "/" kept as a look-alike
        "https://mine.test/feed": "My/Own",
        "https://none.test/feed": "",
    }
    assert mine.id is not None and store.source_folders(mine.id) == ("Theirs",)


# -- story tags from the feed's categories ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "document",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title><item><title>One</title><guid>1</guid>'
        b"<link>https://f.test/1</link><category>Science</category><category> Space  news </category>"
        b"<category>Science</category></item></channel></rss>",
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>F</title><id>f</id>'
        b"<updated>2026-11-01T00:00:00Z</updated><entry><title>One</title><id>1</id>"
        b'<link href="https://f.test/1"/><updated>2026-11-01T00:00:00Z</updated>'
        b'<category term="Science"/><category term="Space news"/></entry></feed>',
    ],
    ids=["rss", "atom"],
)
def test_a_feeds_categories_become_story_tags(store: Store, document: bytes) -> None:
    from newsreader.sources.feed import parse_feed

    parsed = parse_feed(document, "https://f.test/feed")
    assert parsed.stories[0].tags == ["Science", "Space news"]  # once each, whitespace folded
    source = store.add_source("https://f.test/feed")
    assert source.id is not None
    store.save_stories(source.id, parsed.stories)
    assert store.tags() == [("Science", 1, 1), ("Space news", 1, 1)]
    (story,) = store.headlines(Tag("Space news"))
    assert story.title == "One"
    # The page's own tags are added to the feed's, not put in their place.
    store.save_article(story.id or 0, Article(url="https://f.test/1", tags=["Astronomy"]))
    assert [t[0] for t in store.tags()] == ["Astronomy", "Science", "Space news"]
