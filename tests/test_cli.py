"""The headless CLI end to end, against the sample site served on 127.0.0.1, with XDG dirs in tmp_path."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsreader.cli import main
from tests.site_server import KZ_SITE, SiteServer

SEED = "news/toqayev-to-meet-putin-in-moscow.html"
EXPECTED = json.loads((KZ_SITE / "EXPECTED.json").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    return tmp_path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    with SiteServer(KZ_SITE, tmp_path) as server:
        yield server


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


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


def test_scraped_page_refresh_keeps_dead_links_as_errors(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
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
