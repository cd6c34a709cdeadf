"""What a new user hit in the first hour with the headless CLI (issue 14), each against a loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.cli_run import run, run_json
from tests.site_server import KZ_SITE, SiteServer

SEED = "news/toqayev-to-meet-putin-in-moscow.html"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))  # nothing of the user's home (~/Downloads)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    with SiteServer(KZ_SITE, tmp_path) as server:
        yield server


# -- 3: global options before or after the command ---------------------------------------------------------


def test_global_options_work_before_and_after_the_command(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "elsewhere.db"
    assert run(capsys, "--db", str(db), "add", site.url("rss.xml"))[0] == 0
    assert db.exists() and not (tmp_path / "data" / "newsreader" / "newsreader.db").exists()
    before = run_json(capsys, "--db", str(db), "sources")
    after = run_json(capsys, "sources", "--db", str(db))
    assert [s["url"] for s in before] == [s["url"] for s in after] == [site.url("rss.xml")]

    config = tmp_path / "strict.toml"
    config.write_text('[network]\nconcurrency = "many"\n', encoding="utf-8")
    for argv in (["--config", str(config), "headlines", site.url("rss.xml")], ["headlines", "--config", str(config)]):
        if argv[0] == "headlines":
            argv.insert(1, site.url("rss.xml"))
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, "") and "'concurrency' must be a int" in err

    demo_before = run_json(capsys, "--demo", "list")
    demo_after = run_json(capsys, "list", "--demo")
    assert len(demo_before) == len(demo_after) > 0
    assert {s["source"] for s in demo_before} == {"Steppe Ledger"}


def test_global_options_before_the_command_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "d"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    db = tmp_path / "mine.db"
    cmd = [sys.executable, "-m", "newsreader", "--db", str(db), "sources", "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0 and json.loads(done.stdout) == []
    assert db.exists() and not (tmp_path / "d" / "newsreader" / "newsreader.db").exists()


# -- 4: --offline never fetches ----------------------------------------------------------------------------


def test_offline_refuses_every_command_that_would_fetch(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", site.url("rss.xml"))[0] == 0
    site.stop()  # a command that fetched would now say "could not connect", and refresh would record the error
    for argv in (
        ["--offline", "refresh"],
        ["refresh", "--offline"],
        ["--offline", "headlines", site.url("rss.xml")],
        ["--offline", "article", site.url(SEED)],
        ["--offline", "add", site.url("index.html")],
        ["--demo", "refresh"],
    ):
        code, out, err = run(capsys, *argv)
        assert (code, out) == (1, ""), argv
        assert err.count("\n") == 1 and "fetch" in err and "connect" not in err, argv
        assert err.startswith(f"newsreader: error: `{argv[1] if argv[0].startswith('--') else argv[0]}` fetches")
    # Nothing was fetched: the stories and sources are as `add` left them; cached commands work.
    assert len(run_json(capsys, "--offline", "list")) == 4
    (source,) = run_json(capsys, "--offline", "sources")
    assert source["error"] is None and source["url"] == site.url("rss.xml")
    assert [h["title"] for h in run_json(capsys, "--offline", "search", "Putin")]


# -- 2: imports take only http(s) URLs, say what they skipped; what is subscribed can be removed ------------------


def test_import_of_random_bytes_subscribes_to_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)) * 12)
    code, out, err = run(capsys, "import", str(junk))
    assert (code, out) == (1, "")
    assert err == f"newsreader: error: {junk} is not an OPML file or a list of URLs (it is not UTF-8 text)\n"
    assert run_json(capsys, "sources") == []


def test_import_skips_what_is_not_an_http_url_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = tmp_path / "urls.txt"
    listing.write_text(
        "# mine\nhttp://a.test/feed.xml\nftp://b.test/feed\nexample.com/feed\nhttp:///nohost\n"
        "http://c.test/has space\nhttp://d.test/\x1b]2;x\x07\nHTTPS://E.test:443/rss#top\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(listing))
    assert code == 0, err
    first, second = out.splitlines()
    assert first == "imported 2 new sources"
    assert second.startswith("skipped 5 entries that are not http(s) URLs: line 3 (ftp://b.test/feed): its scheme,")
    assert "line 4 (example.com/feed): it has no scheme" in second and "http:///nohost): it has no host" in second
    assert second.endswith("; and 2 more") and "\x1b" not in out
    assert sorted(s["url"] for s in run_json(capsys, "sources")) == ["http://a.test/feed.xml", "https://e.test/rss"]

    code, out, err = run(capsys, "import", str(listing))
    assert out.splitlines()[0] == "imported 0 new sources (2 already subscribed)"

    nothing = tmp_path / "nothing.txt"
    nothing.write_text("ftp://b.test/feed\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(nothing))
    assert (code, out) == (1, "")
    assert err == (
        f"newsreader: error: {nothing}: found no http or https URL to subscribe to"
        " (skipped 1 entry: line 1 (ftp://b.test/feed): its scheme, ftp, is not http or https)\n"
    )


def test_a_junk_url_stored_before_is_removed_by_the_url_the_reader_shows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsreader.config import db_path
    from newsreader.store import Store

    with Store(db_path()) as store:  # as an older import stored them
        store.add_source("http://x.test/\x1b[31mred\x07\u202e\x01")
        store.add_source("http://y.test/a\tb")
    shown = [s["url"] for s in run_json(capsys, "sources")]
    assert sorted(shown) == ["http://x.test/red", "http://y.test/a b"]
    for url in shown:
        code, out, err = run(capsys, "remove", url)
        assert code == 0, err
        assert out == f"removed {url}\n"
    assert run_json(capsys, "sources") == []


# -- 9: one feed, however its URL is spelt ---------------------------------------------------------------------


def test_one_feed_is_subscribed_once_however_its_url_is_spelt(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    port = site.base.rsplit(":", 1)[1]
    assert run(capsys, "add", f"HTTP://127.0.0.1:{port}/rss.xml#latest")[0] == 0
    (source,) = run_json(capsys, "sources")
    assert source["url"] == site.url("rss.xml")  # stored normalised: scheme and host in lower case, no fragment
    for spelling in (site.url("rss.xml"), f"http://127.0.0.1:{port}/rss.xml#x", f"Http://127.0.0.1:{port}/rss.xml"):
        code, out, err = run(capsys, "add", spelling)
        assert code == 0, err
        assert out.startswith("already subscribed to ")
    assert len(run_json(capsys, "sources")) == 1
    assert len(run_json(capsys, "list", "--source", f"HTTP://127.0.0.1:{port}/rss.xml#x")) == 4
    assert run(capsys, "remove", f"http://127.0.0.1:{port}/rss.xml#x")[0] == 0
    assert run_json(capsys, "sources") == []


def test_a_source_stored_in_another_spelling_is_still_found(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsreader.config import db_path
    from newsreader.store import Store

    old = site.url("rss.xml").replace("http://", "HTTP://").replace("/rss.xml", "/rss.xml#old")
    with Store(db_path()) as store:  # a database from before URLs were normalised
        store.add_source(old)
    code, out, _ = run(capsys, "add", site.url("rss.xml"))
    assert (code, out) == (0, f"already subscribed to the feed <{old}>\n")
    (outcome,) = run_json(capsys, "refresh", site.url("rss.xml"), "--no-full-text")
    assert outcome["status"] == "ok" and outcome["new"] == 4
    assert run(capsys, "remove", site.url("rss.xml"))[0] == 0
    assert run_json(capsys, "sources") == []


@pytest.mark.parametrize(
    ("url", "normal"),
    [
        ("HTTP://Example.COM/Path/A.xml?Q=1#frag", "http://example.com/Path/A.xml?Q=1"),
        ("https://example.com:443/feed", "https://example.com/feed"),
        ("http://example.com:80/feed", "http://example.com/feed"),
        ("http://example.com:8080/feed", "http://example.com:8080/feed"),
        ("https://example.com:80/feed", "https://example.com:80/feed"),
        ("http://[::1]:80/x", "http://[::1]/x"),
        ("http://user:Pw@Example.com/x", "http://user:Pw@example.com/x"),
        ("http://example.com/a%2Fb?x=1&y=2", "http://example.com/a%2Fb?x=1&y=2"),
    ],
)
def test_urls_are_normalised_but_path_and_query_kept(url: str, normal: str) -> None:
    from newsreader.urls import normalise

    assert normalise(url) == normal
    assert normalise(normal) == normal


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("", "it is empty"),
        ("ftp://x.test/", "its scheme, ftp, is not http or https"),
        ("javascript:alert(1)", "its scheme, javascript, is not http or https"),
        ("/relative", "it has no scheme (http:// or https://)"),
        ("localhost:8080/feed", "it has no scheme (http:// or https://)"),
        ("http://", "it has no host"),
        ("http://x.test:99999/", "it is not a URL (Port out of range 0-65535)"),
        ("http://bad host/", "it holds spaces or control characters"),
        ("http://x.test/\x00", "it holds spaces or control characters"),
        ("http://x.test/\u202e", "it holds spaces or control characters"),
        ("http://<x>/", "its host '<x>' is not a host name"),
    ],
)
def test_what_cannot_be_subscribed_is_named(url: str, why: str) -> None:
    from newsreader.urls import problem

    assert problem(url) == why


def test_real_urls_can_be_subscribed() -> None:
    from newsreader.urls import problem

    for url in ("http://127.0.0.1:8080/rss.xml", "https://пример.рф/новости", "http://[::1]/x", "https://a.b/c?d#e"):
        assert problem(url) is None, url


# -- 5: search --json says what show --json says -----------------------------------------------------------------


def test_search_json_gives_the_whole_story_as_show_does(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", site.url("rss.xml"))[0] == 0
    assert run(capsys, "refresh")[0] == 0
    (hit,) = run_json(capsys, "search", "Leninsky Prospekt")  # only in the seed story's full text
    shown = run_json(capsys, "show", str(hit["id"]), "--keep-unread")
    assert hit == shown
    assert hit["has_article"] is True and hit["summary"] and hit["article"]["text"]
    assert "Leninsky Prospekt" in hit["article"]["text"]


# -- 6: [[scrape]] rules: a bad selector is a config error; a rule matching nothing says so -------------------


def _rule(tmp_path: Path, site: SiteServer, item: str) -> str:
    config = tmp_path / f"rule-{abs(hash(item))}.toml"
    config.write_text(f'[[scrape]]\nmatch = "{site.base}/"\nitem = "{item}"\n', encoding="utf-8")
    return str(config)


def test_a_bad_selector_is_a_config_error_naming_the_rule(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _rule(tmp_path, site, "div[[")
    for argv in (["headlines", site.url("index.html")], ["add", "--scrape", site.url("index.html")]):
        code, out, err = run(capsys, "--config", config, *argv)
        assert (code, out) == (1, ""), argv
        assert err == (
            f"newsreader: error: bad config file: {config} [[scrape]] #1 (match = '{site.base}/'):"
            " 'item' = 'div[[' is not a CSS selector this reader understands\n"
        )
    assert run_json(capsys, "sources") == []


def test_a_rule_that_matches_nothing_says_so(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _rule(tmp_path, site, "div.no-such-card")
    why = f"the [[scrape]] rule for '{site.base}/' found no headlines on the page (item = 'div.no-such-card')"
    code, out, err = run(capsys, "--config", config, "headlines", site.url("index.html"))
    assert (code, out, err) == (1, "", f"newsreader: error: {site.url('index.html')}: {why}\n")
    code, out, err = run(capsys, "--config", config, "add", "--scrape", site.url("index.html"))
    assert (code, out, err) == (1, "", f"newsreader: error: {site.url('index.html')}: {why}\n")
    assert run_json(capsys, "sources") == []


def test_every_selector_of_a_rule_is_checked(tmp_path: Path) -> None:
    from newsreader.config import ConfigError, load_config

    for key in ("title", "link", "time", "summary"):
        path = tmp_path / f"{key}.toml"
        path.write_text(f'[[scrape]]\nmatch = "a.test"\nitem = "li"\n{key} = "a:nth-child("\n', encoding="utf-8")
        with pytest.raises(ConfigError, match=f"#1 \\(match = 'a.test'\\): '{key}' = 'a:nth-child\\(' is not a CSS"):
            load_config(path)
    path = tmp_path / "number.toml"
    path.write_text('[[scrape]]\nmatch = "a.test"\nitem = "li"\ntitle = 3\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="'title' must be a str, not 3"):
        load_config(path)


# -- 11: what add says is true and names what it found -------------------------------------------------------------


def test_add_says_what_it_subscribed_to_or_already_had(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    feed, page = site.url("rss.xml"), site.url("index.html")
    assert run(capsys, "add", page)[1] == (
        f"found the feed “Steppe Ledger” <{feed}> on the page; subscribed to it (4 stories)\n"
    )
    advertised = f"the page advertises the feed “Steppe Ledger” <{feed}>: already subscribed\n"
    assert run(capsys, "add", page)[1] == advertised
    assert run(capsys, "add", site.url(SEED))[1] == advertised  # a story's page advertises the same feed
    assert run(capsys, "add", feed + "#top")[1] == f"already subscribed to the feed “Steppe Ledger” <{feed}>\n"
    # Asked to scrape a page that has a feed: it does not claim there is none.
    title = "Steppe Ledger - news of Kazakhstan and Central Asia"
    assert run(capsys, "add", "--scrape", page)[1] == f"scraping the headlines of “{title}” as asked (21 stories)\n"
    assert run(capsys, "add", "--scrape", page)[1] == f"already subscribed to the scraped page “{title}” <{page}>\n"


# -- 12: the wrong kind of URL for a command gets a clear message and exit 1 -------------------------------------


def test_headlines_of_a_story_and_article_of_a_feed_say_what_they_got(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "headlines", site.url(SEED))
    assert (code, out) == (1, "")
    assert err == (
        f"newsreader: error: {site.url(SEED)}: found no headlines: this looks like a story's own page"
        " (`newsreader article URL` reads it)\n"
    )
    code, out, err = run(capsys, "article", site.url("rss.xml"))
    assert (code, out) == (1, "")
    assert err == (
        f"newsreader: error: {site.url('rss.xml')}: it is a feed, not a story's page"
        " (`newsreader headlines URL` lists its stories)\n"
    )
    (site.dir / "empty.xml").write_text('<?xml version="1.0"?><rss><channel><title>E</title></channel></rss>')
    code, out, err = run(capsys, "headlines", site.url("empty.xml"))
    assert (code, out, err) == (1, "", f"newsreader: error: {site.url('empty.xml')}: the feed holds no stories\n")


# -- 8: scraped sources are named by their page ------------------------------------------------------------------


def test_a_scraped_source_takes_its_pages_title(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "add", "--scrape", site.url("index.html"))[0] == 0
    (source,) = run_json(capsys, "sources")
    assert source["title"] == "Steppe Ledger - news of Kazakhstan and Central Asia"
    stories = run_json(capsys, "list")
    assert {s["source"] for s in stories} == {source["title"]}  # not the listing's URL


def test_a_scraped_source_without_a_title_gets_it_at_refresh(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from newsreader.config import db_path
    from newsreader.store import Store

    with Store(db_path()) as store:  # as `add --scrape` stored it before
        store.add_source(site.url("index.html"), "scrape")
    (outcome,) = run_json(capsys, "refresh", "--no-full-text")
    assert outcome["title"] == "Steppe Ledger - news of Kazakhstan and Central Asia" and outcome["new"] == 21
    assert run_json(capsys, "sources")[0]["title"] == outcome["title"]


def test_config_writes_every_key_commented(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import tomllib

    from newsreader.config import Config, load_config

    code, out, err = run(capsys, "config")
    assert code == 0, err
    path = Path(out.strip())
    text = path.read_text(encoding="utf-8")
    live = [ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith(("#", "["))]
    assert live == []
    assert tomllib.loads(text) == {"network": {}, "reader": {}}
    assert load_config(path) == Config()
    for key in ("timeout", "deadline", "max_bytes", "max_redirects", "concurrency", "per_host", "full_text", "browser"):
        assert f"# {key} = " in text
    # Taking the "# " off a line sets that key.
    path.write_text(text.replace("# timeout = 15.0", "timeout = 3.5"), encoding="utf-8")
    assert load_config(path).network.timeout == 3.5


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("[network]\ntimeout = -5\n", "[network]: 'timeout' must be more than 0, not -5.0"),
        ("[network]\ndeadline = 0\n", "[network]: 'deadline' must be more than 0, not 0.0"),
        ("[network]\ntimeout = inf\n", "[network]: 'timeout' must be a finite number, not inf"),
        ("[network]\ntimeout = nan\n", "[network]: 'timeout' must be a finite number, not nan"),
        ("[network]\nmax_bytes = 0\n", "[network]: 'max_bytes' must be at least 1, not 0"),
        ("[network]\nmax_redirects = -1\n", "[network]: 'max_redirects' must be at least 0, not -1"),
        ("[network]\nconcurrency = 0\n", "[network]: 'concurrency' must be at least 1, not 0"),
        ("[network]\nper_host = -2\n", "[network]: 'per_host' must be at least 1, not -2"),
        ("[reader]\nextract_concurrency = 0\n", "[reader]: 'extract_concurrency' must be at least 1, not 0"),
    ],
)
def test_numbers_out_of_range_are_named(
    setting: str, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(setting, encoding="utf-8")
    code, out, err = run(capsys, "--config", str(config), "headlines", "http://127.0.0.1:9/feed.xml")
    assert (code, out) == (1, "")
    assert err == f"newsreader: error: bad config file: {config} {message}\n"


def test_a_url_without_a_scheme_is_read_as_https(site: SiteServer, capsys: pytest.CaptureFixture[str]) -> None:
    bare = site.url("rss.xml").removeprefix("http://")  # 127.0.0.1:PORT/rss.xml; the server speaks only http
    for command in ("headlines", "article", "add"):
        code, out, err = run(capsys, command, bare)
        assert (code, out) == (1, ""), command
        assert err.startswith(f"newsreader: error: https://{bare}: could not connect"), err
        assert err.endswith(
            "(no scheme was given, so https:// was assumed; write http:// for a site without https)\n"
        ), err
    assert run_json(capsys, "sources") == []
    code, out, err = run(capsys, "headlines", "ftp://x.test/feed")
    assert (code, out, err) == (1, "", "newsreader: error: ftp://x.test/feed: its scheme, ftp, is not http or https\n")


def test_search_for_nothing_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    for query in ("", "   "):
        code, out, err = run(capsys, "search", query)
        assert (code, out) == (1, "")
        assert err == "newsreader: error: nothing to search for: give one or more words (`newsreader search WORDS`)\n"


# -- 11: every message true and grammatical ----------------------------------------------------------------------


def test_refresh_lines_count_in_the_singular_and_plural() -> None:
    from newsreader.refresh import Outcome

    assert Outcome("u", "T", new=1, articles=1, article_errors=1).describe() == "T: 1 new; 1 full story; 1 page failed"
    assert Outcome("u", "T", new=2, articles=2, article_errors=3).describe() == (
        "T: 2 new; 2 full stories; 3 pages failed"
    )


def test_a_story_whose_page_failed_says_when_it_is_tried_again(capsys: pytest.CaptureFixture[str]) -> None:
    from newsreader.config import db_path
    from newsreader.model import Story
    from newsreader.store import Store

    with Store(db_path()) as store:
        source = store.add_source("http://x.test/feed", title="X")
        assert source.id is not None
        store.save_stories(
            source.id,
            [
                Story(key="1", title="With text", url="http://x.test/1", summary="<p>Teaser.</p>"),
                Story(key="2", title="Without", url="http://x.test/2"),
            ],
        )
        ids = {s.title: s.id for s in store.headlines()}
        for story_id in ids.values():
            assert story_id is not None
            store.save_article(story_id, None, "HTTP 404 Not Found")
    code, out, err = run(capsys, "show", str(ids["With text"]))
    assert code == 0, err
    assert (
        "> The full story could not be fetched (HTTP 404 Not Found); showing the feed's text. A refresh tries again"
        " once 30 minutes have passed, up to 5 tries in all."
    ) in out
    assert "Teaser." in out
    code, out, err = run(capsys, "show", str(ids["Without"]))
    assert "(HTTP 404 Not Found); the feed gives no text of it either. A refresh tries again" in out


# -- 8: undated scraped items sort by when they were first seen -------------------------------------------------


def test_undated_scraped_items_sort_by_when_they_were_first_seen(
    site: SiteServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import time
    from email.utils import format_datetime

    from newsreader.model import parse_iso

    def listing(*slugs: str) -> None:
        items = "".join(f'<li><a href="/story/{s}.html">The story called {s} in full</a></li>' for s in slugs)
        page = site.dir / "list.html"
        page.write_text(f"<html><head><title>List</title></head><ul>{items}</ul></html>")
        later = time.time() + 10 * len(
            slugs
        )  # a new Last-Modified each time: no 304 for a page changed within a second
        os.utime(page, (later, later))

    config = tmp_path / "rule.toml"
    config.write_text(f'[[scrape]]\nmatch = "{site.url("list.html")}"\nitem = "li"\n', encoding="utf-8")
    listing("one", "two")
    before = time.time()
    code, out, err = run(capsys, "--config", str(config), "add", "--scrape", "--no-full-text", site.url("list.html"))
    assert (code, out) == (0, "scraping the headlines of “List” as asked (2 stories)\n"), err
    now = datetime.now(UTC)
    dated = [("later", now.timestamp() + 3600), ("earlier", before - 86400)]
    items = "".join(
        f"<item><title>Dated {name}</title><link>{site.url(name)}</link><guid>{name}</guid>"
        f"<pubDate>{format_datetime(datetime.fromtimestamp(ts, UTC))}</pubDate></item>"
        for name, ts in dated
    )
    (site.dir / "dated.xml").write_text(f'<?xml version="1.0"?><rss><channel><title>D</title>{items}</channel></rss>')
    assert run(capsys, "add", "--no-full-text", site.url("dated.xml"))[0] == 0
    order = [s["title"] for s in run_json(capsys, "list")]
    assert order == ["Dated later", "The story called one in full", "The story called two in full", "Dated earlier"]

    # A refresh leaves the items it has seen where they were; a new one is first seen now, above them.
    listing("three", "one", "two")
    (outcome,) = run_json(capsys, "--config", str(config), "refresh", site.url("list.html"), "--no-full-text")
    assert outcome["new"] == 1
    order = [s["title"] for s in run_json(capsys, "list")]
    assert order == [
        "Dated later",
        "The story called three in full",
        "The story called one in full",
        "The story called two in full",
        "Dated earlier",
    ]
    assert all(parse_iso(s["published"]) is None for s in run_json(capsys, "list", "--source", site.url("list.html")))


def test_import_finds_a_source_stored_in_another_spelling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsreader.config import db_path
    from newsreader.store import Store

    with Store(db_path()) as store:
        store.add_source("HTTP://A.test:80/feed#old")
    listing = tmp_path / "urls.txt"
    listing.write_text("http://a.test/feed\nhttp://a.test/feed#again\nhttp://b.test/feed\n", encoding="utf-8")
    code, out, err = run(capsys, "import", str(listing))
    assert (code, out) == (0, "imported 1 new source (1 already subscribed)\n"), err
    assert sorted(s["url"] for s in run_json(capsys, "sources")) == ["HTTP://A.test:80/feed#old", "http://b.test/feed"]


def test_a_refused_command_is_logged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from newsreader.config import log_path

    assert run(capsys, "--offline", "refresh")[0] == 1
    logged = log_path().read_text(encoding="utf-8")
    assert "WARNING newsreader.cli: refresh: `refresh` fetches from the network" in logged


def test_add_of_a_page_with_no_feed_and_no_headlines_says_both(
    site: SiteServer, capsys: pytest.CaptureFixture[str]
) -> None:
    (site.dir / "bare.html").write_text("<html><head><title>Bare</title></head><body><p>Nothing.</p></body></html>")
    code, out, err = run(capsys, "add", site.url("bare.html"))
    assert (code, out) == (1, "")
    assert (
        err == f"newsreader: error: {site.url('bare.html')}: found no headlines on the page, and no feed advertised\n"
    )
    code, out, err = run(capsys, "add", "--scrape", site.url("bare.html"))
    assert err == f"newsreader: error: {site.url('bare.html')}: found no headlines on the page\n"
    assert run_json(capsys, "sources") == []


def test_import_of_opml_names_a_skipped_outline_in_the_singular(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><body>'
        '<outline text="Good" type="rss" xmlUrl="https://good.test/feed"/>'
        '<outline text="Old" type="rss" xmlUrl="gopher://old.test/feed"/></body></opml>',
        encoding="utf-8",
    )
    code, out, err = run(capsys, "import", str(opml))
    assert code == 0, err
    assert out == (
        "imported 1 new source\n"
        "skipped 1 entry that is not an http(s) URL: “Old” (gopher://old.test/feed): its scheme, gopher, is not http"
        " or https\n"
    )
