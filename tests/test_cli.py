"""The headless CLI end to end, against the sample site served on 127.0.0.1, with XDG dirs in tmp_path."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.cli import main
from tests.cli_run import run, run_json
from tests.site_server import KZ_SITE, SiteServer

SEED = "news/toqayev-to-meet-putin-in-moscow.html"
EXPECTED = json.loads((KZ_SITE / "EXPECTED.json").read_text(encoding="utf-8"))


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    with SiteServer(KZ_SITE, tmp_path) as server:
        yield server


def test_headlines_of_a_listing_page(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = run_json(capsys, "headlines", site.url("index.html"))
    exp = EXPECTED["index.html"]
    titles = [h["title"] for h in heads]
    assert len(titles) == exp["headline_count"]
    assert titles[:5] == exp["first_titles"]
    assert not set(exp["must_not_include"]) & set(titles)
    assert set(heads[0]) == {"title", "url", "published", "author", "summary"}
    assert heads[0]["url"] == site.url(SEED)


def test_headlines_of_a_feed(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    heads = run_json(capsys, "headlines", site.url("rss.xml"))
    assert len(heads) == EXPECTED["rss.xml"]["item_count"]
    assert heads[0] == {
        "title": "President Toqayev to Meet Putin in Moscow on November 12",
        "url": site.url(SEED),
        "published": "2025-11-10T04:30:00+00:00",
        "author": "Elizaveta Azarenka",
        "summary": "Toqayev and Putin will meet in Moscow on November 12 to discuss Russian-Kazakh relations.",
    }


def test_article_json_has_the_whole_seed_story(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    a = run_json(capsys, "article", site.url(SEED))
    e = EXPECTED[SEED]
    paras = [p for p in a["text"].split("\n\n") if p.strip()]
    assert (a["title"], a["authors"], a["site"], a["section"]) == (e["title"], e["authors"], e["site"], e["section"])
    assert a["published"][:16] == e["published"][:16]
    assert a["image"]["url"].endswith(e["image"]["url_path"]) and a["image"]["caption"] == e["image"]["caption"]
    assert len(paras) == e["body_paragraph_count"]
    assert (paras[0], paras[-1]) == (e["first_paragraph"], e["last_paragraph"])
    assert len(a["related"]) == e["related_count"]


def test_subscribe_refresh_then_read_offline(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "add", site.url("rss.xml"))
    assert code == 0, err
    assert "Steppe Ledger" in out
    outcomes = run_json(capsys, "refresh")
    assert len(outcomes) == 1
    assert outcomes[0]["status"] == "not_modified"  # add already fetched it; the server answers 304
    assert outcomes[0]["articles"] == 4 and outcomes[0]["article_errors"] == 0
    site.stop()

    stories = run_json(capsys, "list")
    assert len(stories) == 4
    seed = next(s for s in stories if s["url"] == site.url(SEED))
    assert seed["article"]["authors"] == ["Elizaveta Azarenka"]
    assert seed["article"]["image"]["caption"] == "Photo: screenshot from Akorda's video"
    assert len(seed["article"]["text"].split("\n\n")) == 7

    code, out, _ = run(capsys, "show", str(seed["id"]))
    assert code == 0
    assert "Photo: screenshot from Akorda's video" in out and "Oral (Uralsk)" in out
    assert run_json(capsys, "list", "--unread") and all(
        s["id"] != seed["id"] for s in run_json(capsys, "list", "--unread")
    )

    # Refreshing with the server gone reports the error and keeps every story.
    outcomes = run_json(capsys, "refresh")
    assert outcomes[0]["status"] == "error" and "connect" in outcomes[0]["error"]
    assert len(run_json(capsys, "list")) == 4
    sources = run_json(capsys, "sources")
    assert sources[0]["error"] == outcomes[0]["error"] and sources[0]["unread"] == 3


def test_a_page_with_a_feed_subscribes_to_the_feed(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "add", site.url("index.html"))
    assert code == 0, err
    assert "found the feed" in out
    (source,) = run_json(capsys, "sources")
    assert (source["url"], source["kind"], source["site_url"]) == (site.url("rss.xml"), "feed", site.url("index.html"))


def write_config(xdg: Path, text: str) -> None:
    path = xdg / "config" / "newsreader" / "config.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_scraped_page_refresh_keeps_dead_links_as_errors(
    site: SiteServer, xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(xdg, "[reader]\nfirst_articles = 50\n")  # every page at once: this test is about the dead ones
    code, out, err = run(capsys, "add", "--scrape", site.url("index.html"))
    assert code == 0, err
    assert "scraping" in out
    (source,) = run_json(capsys, "sources")
    assert source["kind"] == "scrape" and source["total"] == 21
    (outcome,) = run_json(capsys, "refresh")
    assert outcome["articles"] == 4 and outcome["article_errors"] == 17  # only four article pages exist
    stories = run_json(capsys, "list")
    dead = [s for s in stories if s["article_error"]]
    assert len(dead) == 17 and all(s["article_error"] == "HTTP 404 File not found" for s in dead)


def test_bad_input_gets_one_clear_line(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "add", site.url("missing.xml"))
    assert (code, out) == (1, "")
    assert err == f"newsreader: error: {site.url('missing.xml')}: HTTP 404 File not found\n"
    code, _, err = run(capsys, "remove", "http://nowhere.test/feed")
    assert code == 1 and err == "newsreader: error: not subscribed to http://nowhere.test/feed\n"
    code, _, err = run(capsys, "refresh", "http://nowhere.test/feed")
    assert code == 1 and "not subscribed" in err
    with pytest.raises(SystemExit) as usage:
        main(["list", "--limit", "many"])
    assert usage.value.code == 2


def test_import_opml_and_url_lists(site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        f'<outline text="Steppe" type="rss" xmlUrl="{site.url("rss.xml")}"/></body></opml>',
        encoding="utf-8",
    )
    listing = tmp_path / "urls.txt"
    listing.write_text(f"# mine\n{site.url('rss.xml')}\nhttp://127.0.0.1:9/other.xml\n", encoding="utf-8")
    assert run(capsys, "import", str(opml))[1] == "imported 1 new source\n"
    assert run(capsys, "import", str(listing))[1] == "imported 1 new source (1 already subscribed)\n"
    assert sorted(s["url"] for s in run_json(capsys, "sources")) == sorted(
        [site.url("rss.xml"), "http://127.0.0.1:9/other.xml"]
    )


def test_search_finds_full_text_offline(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", site.url("rss.xml"))[0] == 0
    assert run(capsys, "refresh")[0] == 0
    site.stop()
    hits = run_json(capsys, "search", "Leninsky Prospekt")  # only in the seed story's full text
    assert [h["title"] for h in hits] == ["President Toqayev to Meet Putin in Moscow on November 12"]


def test_python_dash_m_entry_point_runs() -> None:
    import subprocess

    done = subprocess.run([sys.executable, "-m", "newsreader", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("newsreader ")


def test_save_names_the_file_from_a_sanitised_title(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsreader.config import db_path
    from newsreader.model import Story
    from newsreader.store import Store

    store = Store(db_path())
    src = store.add_source("http://x.test/feed")
    assert src.id is not None
    store.save_stories(
        src.id, [Story(key="1", title="../../etc/passwd; $(rm -rf ~) \x1b]2;x\x07", summary="<p>Body.</p>")]
    )
    sid = store.headlines()[0].id
    store.close()
    out_dir = tmp_path / "saved"
    for _ in range(2):
        code, out, err = run(capsys, "save", str(sid), "--dir", str(out_dir))
        assert out.startswith("saved ")
        assert code == 0, err
    files = sorted(p.name for p in out_dir.iterdir())
    assert files == ["etc_passwd_ _rm -rf (2).md", "etc_passwd_ _rm -rf.md"]
    assert "Body." in (out_dir / files[1]).read_text(encoding="utf-8")
    assert not (tmp_path / "etc").exists()


def test_whole_stories_can_be_switched_off_per_source(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", "--no-full-text", site.url("rss.xml"))[0] == 0
    (outcome,) = run_json(capsys, "refresh")
    assert outcome["articles"] == 0 and outcome["article_errors"] == 0
    assert all(s["article"] is None for s in run_json(capsys, "list"))


def test_whole_stories_newest_first_within_the_refreshs_budget(
    site: SiteServer, xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A first refresh fetches the newest few pages of each source; the rest wait, and the refresh says how many.
    write_config(xdg, "[reader]\nfirst_articles = 5\narticles_per_source = 10\n")
    assert run(capsys, "add", "--scrape", site.url("index.html"))[0] == 0
    newest = run_json(capsys, "list")[:5]  # before their pages are read (a read page's date can move a story)
    (first,) = run_json(capsys, "refresh")
    assert first["articles"] + first["article_errors"] == 5 and first["articles_waiting"] == 16
    tried = [s for s in run_json(capsys, "list") if s["has_article"] or s["article_error"]]
    assert {s["id"] for s in tried} == {s["id"] for s in newest}  # newest first
    code, out, _ = run(capsys, "refresh")
    assert code == 0 and "6 stories wait for their whole text" in out  # a later refresh: up to 10 more
    (third,) = run_json(capsys, "refresh")
    assert third["articles"] + third["article_errors"] == 6 and third["articles_waiting"] == 0


def test_the_refresh_budget_is_shared_by_all_sources(
    site: SiteServer, xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_config(xdg, "[reader]\nfirst_articles = 50\narticles_per_refresh = 3\n")
    assert run(capsys, "add", "--scrape", site.url("index.html"))[0] == 0
    assert run(capsys, "add", site.url("rss.xml"))[0] == 0
    outcomes = run_json(capsys, "refresh")
    assert sum(o["articles"] + o["article_errors"] for o in outcomes) == 3
    assert sum(o["articles_waiting"] for o in outcomes) > 0


def test_a_negative_budget_is_a_clear_config_error(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_config(xdg, "[reader]\narticles_per_refresh = -1\n")
    code, _, err = run(capsys, "refresh")
    assert code == 1 and "'articles_per_refresh' must be 0 or more" in err


@pytest.fixture
def almaty_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The reader's zone for one test: UTC+5, named ALMT (a POSIX rule, so no tz database is needed)."""
    import time

    monkeypatch.setenv("TZ", "ALMT-5")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


async def test_one_date_format_in_the_tui_show_save_and_article(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], almaty_time: None
) -> None:
    """The seed story was published 04:30 UTC (09:30 at +05:00 on its page): everywhere the reader's local time."""
    from newsreader.config import db_path
    from newsreader.refresh import load_demo
    from newsreader.store import Store
    from newsreader.tui.app import NewsReaderApp
    from newsreader.tui.widgets.article_view import ArticleView

    shown = "Mon 10 Nov 2025 09:30 ALMT"
    store = Store(db_path())
    load_demo(store)
    seed = store.headlines()[0]
    assert seed.id is not None and seed.published is not None and seed.published.hour == 4
    app = NewsReaderApp(store, offline=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.press("enter")
        for _ in range(3):
            await app.workers.wait_for_complete()
            await pilot.pause()
        presented = app.screen.query_one(ArticleView).presented
        assert presented is not None
        tui_header = ArticleView.header(presented).plain
    store.close()
    code, show, err = run(capsys, "show", str(seed.id), "--keep-unread")
    assert code == 0, err
    code, _, err = run(capsys, "save", str(seed.id), "--dir", str(tmp_path / "saved"))
    assert code == 0, err
    saved = next((tmp_path / "saved").iterdir()).read_text(encoding="utf-8")
    code, article, err = await asyncio.to_thread(run, capsys, "article", site.url(SEED))  # it runs its own loop
    assert code == 0, err
    for text in (tui_header, show, saved, article):
        byline = next(line for line in text.splitlines() if line.startswith("By "))
        assert shown in byline, byline
    assert "Tags: Kazakhstan, Russia, Diplomacy" in tui_header and "Tags: Kazakhstan, Russia, Diplomacy" in show


def test_no_full_text_holds_for_a_page_that_advertises_a_feed(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "add", "--no-full-text", site.url("index.html"))  # the page names rss.xml
    assert code == 0, err
    (source,) = run_json(capsys, "sources")
    assert source["kind"] == "feed" and source["url"] == site.url("rss.xml")
    (outcome,) = run_json(capsys, "refresh")
    assert outcome["articles"] == 0 and outcome["article_errors"] == 0 and outcome["articles_waiting"] == 0
    assert all(s["article"] is None for s in run_json(capsys, "list"))


def test_a_feed_listing_more_than_the_cap_keeps_its_newest(
    tmp_path: Path, xdg: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os
    import random
    import time

    root = tmp_path / "www"
    root.mkdir()
    days = list(range(1, 31))
    random.Random(7).shuffle(days)  # feed order is not date order: the cap goes by date
    items = "".join(
        f"<item><title>Story of day {d}</title><link>http://news.example/s/{d}.html</link>"
        f"<guid>d{d}</guid><pubDate>{d:02d} Oct 2025 10:00:00 +0000</pubDate></item>"
        for d in days
    )
    (root / "feed.xml").write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Daily</title><link>http://news.example/</link>'
        f"{items}</channel></rss>",
        encoding="utf-8",
    )
    write_config(xdg, "[reader]\nfull_text = false\nmax_items_per_source = 10\n")
    with SiteServer(root, tmp_path) as server:
        assert run(capsys, "add", server.url("feed.xml"))[0] == 0
        (source,) = run_json(capsys, "sources")
        assert "it lists 30 stories; the newest 10 are kept" in (source["warning"] or "")
        served = server.dir / "feed.xml"
        served.write_text(served.read_text().replace("day 3<", "day three<"))
        later = time.time() + 10  # a Last-Modified a second could not tell apart would be answered 304
        os.utime(served, (later, later))
        (outcome,) = run_json(capsys, "refresh")  # changed: read again, capped again
    assert "the newest 10 are kept" in (outcome["warning"] or "")
    titles = {s["title"] for s in run_json(capsys, "list")}
    assert titles == {f"Story of day {d}" for d in range(21, 31)}
