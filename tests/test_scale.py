"""Bounded at scale (issue #15): time limits per parse and per extraction (a document that overruns is abandoned,
its worker process replaced, and the next one parses), and huge feeds read in chunks keeping the newest."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from newsreader.config import Config, NetworkConfig
from newsreader.fetch import Fetcher
from newsreader.refresh import Outcome, Refresher, worker_pool
from newsreader.refresh.guard import GuardedPool, TimeLimitError
from newsreader.refresh.reading import newest
from newsreader.sources import feed
from newsreader.sources.feed import parse_feed
from newsreader.store import Store

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PAGE = "<html><head><title>{t}</title></head><body><article><h1>{t}</h1>{p}</article></body></html>"
PARAGRAPH = "<p>Astana's new railway line opens to passengers this week, the minister said on Monday.</p>"


def slow_page() -> str:
    """A page whose one paragraph carries 40,000 attributes: extraction is quadratic in them (20,000 took 4 s,
    40,000 15 s, 100,000 over 30 s; measured on the tests' machine, 2026-12-01). Real bytes, no hook."""
    attributes = " ".join(f'data-a{i}="{i}"' for i in range(40_000))
    return f"<html><head><title>Slow</title></head><body><article><p {attributes}>Hi.</p></article></body></html>"


def slow_feed() -> str:
    """A feed whose one item's HTML body has a <p> with 100,000 attributes (1.5 MB): parsing it (feedparser-rs and
    the body's clean-up) took 5.9 s on the tests' machine (2026-12-01). Real bytes, no hook."""
    attributes = " ".join(f'a{i}="{i}"' for i in range(100_000))
    return (
        '<rss version="2.0"><channel><title>Slow</title><item><title>x</title><link>http://x.test/1</link>'
        f"<description><![CDATA[<p {attributes}>hi</p>]]></description></item></channel></rss>"
    )


def rss(name: str, items: int, link: str = "", step: timedelta = timedelta(minutes=1)) -> str:
    entries = "".join(
        f"<item><title>{name} {i}</title><link>{link or 'http://x.test/'}{name}/{i}</link><guid>{name}-{i}</guid>"
        f"<pubDate>{format_datetime(T0 + step * i)}</pubDate></item>\n"
        for i in range(items)
    )
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{name}</title>{entries}</channel></rss>'


def config(**reader: Any) -> Config:
    return Config(network=NetworkConfig(timeout=5, deadline=30), **reader)


async def refresh(store: Store, cfg: Config, pool: GuardedPool | None, full_text: bool = True) -> dict[str, Outcome]:
    async with Fetcher(cfg.network) as fetcher:
        outcomes = await Refresher(store, fetcher, cfg, executor=pool).refresh_all(full_text=full_text)
    return {o.url.rsplit("/", 1)[1]: o for o in outcomes}


@pytest.fixture
def pool() -> Any:
    p = worker_pool(1)
    yield p
    p.shutdown(cancel_futures=True)


def test_a_slow_page_is_abandoned_its_worker_replaced_and_the_next_page_extracts(
    store: Store, httpserver: HTTPServer, pool: GuardedPool
) -> None:
    base = httpserver.url_for("/")
    items = "".join(
        f"<item><title>{name}</title><link>{base}page/{name}</link><guid>{name}</guid>"
        f"<pubDate>{format_datetime(T0 + timedelta(hours=i))}</pubDate></item>"
        for i, name in enumerate(["fine-1", "slow", "fine-2"])
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'
    httpserver.expect_request("/news.xml").respond_with_data(body, content_type="application/rss+xml")
    for name in ("fine-1", "fine-2"):
        page = PAGE.format(t=name, p=PARAGRAPH * 6)
        httpserver.expect_request(f"/page/{name}").respond_with_data(page, content_type="text/html; charset=utf-8")
    httpserver.expect_request("/page/slow").respond_with_data(slow_page(), content_type="text/html; charset=utf-8")
    source = store.add_source(httpserver.url_for("/news.xml"))
    cfg = config(extract_timeout=1.0, extract_concurrency=1)  # one at a time: the slow page, then the one after
    (outcome,) = asyncio.run(refresh(store, cfg, pool)).values()
    assert (outcome.status, outcome.new, outcome.articles, outcome.article_errors) == ("ok", 3, 2, 1)
    assert pool.replaced == 1
    stories = {s.title: s.id or 0 for s in store.headlines(source.id)}
    slow = store.story(stories["slow"])
    assert slow is not None and slow.article_error == "extraction took longer than 1 s; abandoned"
    for name in ("fine-1", "fine-2"):
        story = store.story(stories[name])
        assert story is not None and story.article is not None and "railway line" in story.article.text


def test_a_feed_that_overruns_its_parse_limit_is_an_error_and_the_others_are_read(
    store: Store, httpserver: HTTPServer, pool: GuardedPool
) -> None:
    httpserver.expect_request("/big.xml").respond_with_data(slow_feed(), content_type="application/rss+xml")
    httpserver.expect_request("/small.xml").respond_with_data(rss("small", 3), content_type="application/rss+xml")
    store.add_source(httpserver.url_for("/big.xml"))
    store.add_source(httpserver.url_for("/small.xml"))
    got = asyncio.run(refresh(store, config(parse_timeout=1.0), pool, full_text=False))
    assert got["big.xml"].status == "error"
    assert got["big.xml"].error == "parsing took longer than 1 s; abandoned"
    assert (got["small.xml"].status, got["small.xml"].new) == ("ok", 3)
    assert pool.replaced == 1
    errors = {s.url.rsplit("/", 1)[1]: s.error for s in store.sources()}
    assert errors["big.xml"] == "parsing took longer than 1 s; abandoned" and not errors["small.xml"]


def _sleep_then(seconds: float, value: int) -> int:
    import time

    time.sleep(seconds)
    return value


def test_the_pool_itself_kills_an_overrun_and_serves_the_next_job(pool: GuardedPool) -> None:
    with pytest.raises(TimeLimitError, match=r"^napping took longer than 0.2 s; abandoned$"):
        pool.submit_limited(0.2, "napping", _sleep_then, 60, 1).result(timeout=30)
    assert pool.replaced == 1
    assert pool.submit_limited(10, "napping", _sleep_then, 0, 7).result(timeout=30) == 7


def atom(entries: int) -> bytes:
    """An Atom feed with what a chunk must carry over from the head: xml:base, namespaces, the feed's author."""
    body = "".join(
        f'<entry><title type="html"><![CDATA[Story <b>{i}</b> &amp; more]]></title><link href="s/{i}"/>'
        f"<id>urn:s:{i}</id><updated>{(T0 + timedelta(minutes=i % 997)).isoformat()}</updated>"
        f"<media:thumbnail url='p/{i}.jpg'/><dc:subject>tag{i % 7}</dc:subject>"
        f'<content type="html">&lt;p&gt;Body {i} with &lt;a href="rel/{i}"&gt;a link&lt;/a&gt;&lt;/p&gt;</content>'
        "</entry>\n"
        for i in range(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xml:base="http://news.example/base/"><title>Chunked</title><author><name>Desk</name></author>'
        f'<link rel="alternate" href="http://news.example/"/><id>urn:feed</id>{body}</feed>'
    ).encode()


@pytest.mark.parametrize("kind", ["atom", "rss"])
def test_a_huge_feed_read_in_chunks_gives_the_stories_a_whole_read_does(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = atom(2_500) if kind == "atom" else rss("r", 2_500, step=timedelta(minutes=-7)).encode()
    whole = parse_feed(doc, "http://news.example/feed.xml")
    monkeypatch.setattr(feed, "HUGE_BYTES", 1024)  # this small document takes the huge path; chunks of 1000
    chunked = parse_feed(doc, "http://news.example/feed.xml", keep=1_200)
    assert chunked.listed == 2_500 and len(chunked.stories) == 1_200
    assert chunked.stories == newest(whole.stories, 1_200)
    assert (chunked.title, chunked.link, chunked.warning) == (whole.title, whole.link, whole.warning)
    if kind == "atom":
        first = chunked.stories[0]
        assert first.url.startswith("http://news.example/base/s/") and first.authors == ["Desk"]


def test_a_huge_feed_whose_channel_title_comes_after_its_items_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    items = "".join(f"<item><title>s{i}</title><guid>g{i}</guid></item>" for i in range(2_100))
    doc = (
        f'<?xml version="1.0"?><rss version="2.0"><channel>{items}<title>Last word</title>'
        "<link>http://news.example/</link></channel></rss>"
    ).encode()
    whole = parse_feed(doc, "http://news.example/feed.xml")
    monkeypatch.setattr(feed, "HUGE_BYTES", 1024)  # read in chunks of 1000 items, as a refresh reads a huge feed
    chunked = parse_feed(doc, "http://news.example/feed.xml", keep=3_000)
    assert (chunked.title, chunked.link) == (whole.title, whole.link) == ("Last word", "http://news.example/")
    assert chunked.listed == 2_100


def test_a_20000_item_feed_is_stored_capped_keeping_the_newest(
    tmp_path: Path, httpserver: HTTPServer, pool: GuardedPool
) -> None:
    body = rss("huge", 20_000)  # 3 MB: read in chunks of 1000 items
    assert len(body) >= feed.HUGE_BYTES
    httpserver.expect_request("/huge.xml").respond_with_data(body, content_type="application/rss+xml")
    store = Store(tmp_path / "huge.db")
    source = store.add_source(httpserver.url_for("/huge.xml"), full_text=False)
    (outcome,) = asyncio.run(refresh(store, config(max_items_per_source=3_000), pool, full_text=False)).values()
    assert (outcome.status, outcome.new) == ("ok", 3_000)
    assert "it lists 20,000 stories; the newest 3,000 are kept" in outcome.warning
    titles = {s.title for s in store.headlines(source.id, limit=5_000)}
    assert titles == {f"huge {i}" for i in range(17_000, 20_000)}
    store.close()


def test_time_limits_in_the_config(tmp_path: Path) -> None:
    from newsreader.config import ConfigError, load_config

    path = tmp_path / "config.toml"
    path.write_text("[reader]\nparse_timeout = 3\nextract_timeout = 2.5\n", encoding="utf-8")
    cfg = load_config(path)
    assert (cfg.parse_timeout, cfg.extract_timeout) == (3.0, 2.5)
    path.write_text("[reader]\nparse_timeout = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="'parse_timeout' must be more than 0"):
        load_config(path)


def test_the_byte_budget_stops_whole_stories_once_spent_and_the_rest_wait(store: Store, httpserver: HTTPServer) -> None:
    base = httpserver.url_for("/")
    items = "".join(
        f"<item><title>s{i}</title><link>{base}page/{i}</link><guid>s{i}</guid>"
        f"<pubDate>{format_datetime(T0 + timedelta(hours=i))}</pubDate></item>"
        for i in range(4)
    )
    body = f'<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>{items}</channel></rss>'
    httpserver.expect_request("/news.xml").respond_with_data(body, content_type="application/rss+xml")
    for i in range(4):
        page = PAGE.format(t=f"s{i}", p=PARAGRAPH * 6)
        httpserver.expect_request(f"/page/{i}").respond_with_data(page, content_type="text/html; charset=utf-8")
    source = store.add_source(httpserver.url_for("/news.xml"))
    # 100 bytes: the first page (the newest) is fetched, and spends more than that; the others wait.
    cfg = config(article_bytes_per_refresh=100, extract_concurrency=1)
    (outcome,) = asyncio.run(refresh(store, cfg, None)).values()
    assert (outcome.articles, outcome.article_errors, outcome.articles_waiting) == (1, 0, 3)
    fetched = [s.title for s in store.headlines(source.id) if (store.story(s.id or 0) or s).article is not None]
    assert fetched == ["s3"]


async def test_the_tui_reports_an_abandoned_parse_and_the_other_sources_and_keys_keep_working(
    store: Store, clock: Any, httpserver: HTTPServer
) -> None:
    from newsreader.tui.app import NewsReaderApp
    from newsreader.tui.widgets.headline_list import HeadlineList

    httpserver.expect_request("/slow.xml").respond_with_data(slow_feed(), content_type="application/rss+xml")
    httpserver.expect_request("/small.xml").respond_with_data(rss("small", 3), content_type="application/rss+xml")
    store.add_source(httpserver.url_for("/slow.xml"), full_text=False)
    store.add_source(httpserver.url_for("/small.xml"), full_text=False)
    cfg = Config(network=NetworkConfig(timeout=3, deadline=10), parse_timeout=1.0)
    app = NewsReaderApp(store, cfg, clock=clock, offline=False)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.pause()
        await pilot.press("R")
        deadline = asyncio.get_running_loop().time() + 60
        status = ""
        while "Refreshed" not in status and asyncio.get_running_loop().time() < deadline:
            await pilot.pause(0.1)
            status = str(app.screen.query_one("#status").render())
        assert app.is_running and "Refreshed 2 sources: 3 new" in status and "1 failed" in status
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.query_one(HeadlineList).total == 3
        await pilot.press("j")
        assert app.screen.query_one(HeadlineList).cursor == 1
    errors = {s.url.rsplit("/", 1)[1]: s.error for s in store.sources()}
    assert errors == {"slow.xml": "parsing took longer than 1 s; abandoned", "small.xml": ""}


def test_subscribing_to_a_feed_that_overruns_its_parse_limit_is_a_clear_error(
    store: Store, httpserver: HTTPServer, pool: GuardedPool
) -> None:
    from newsreader.refresh import SubscribeError

    httpserver.expect_request("/big.xml").respond_with_data(slow_feed(), content_type="application/rss+xml")
    httpserver.expect_request("/small.xml").respond_with_data(rss("small", 3), content_type="application/rss+xml")
    cfg = config(parse_timeout=1.0)

    async def subscribe(url: str) -> Any:
        async with Fetcher(cfg.network) as fetcher:
            return await Refresher(store, fetcher, cfg, executor=pool).subscribe(url)

    with pytest.raises(SubscribeError, match=r"big\.xml: parsing took longer than 1 s; abandoned$"):
        asyncio.run(subscribe(httpserver.url_for("/big.xml")))
    assert store.sources() == []  # nothing half-made
    assert pool.replaced == 1
    done = asyncio.run(subscribe(httpserver.url_for("/small.xml")))  # the replaced worker reads the next one
    assert done.new == 3


def test_the_one_off_article_command_abandons_a_slow_page_at_its_limit(
    tmp_path: Path, httpserver: HTTPServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.cli_run import run

    httpserver.expect_request("/slow").respond_with_data(slow_page(), content_type="text/html; charset=utf-8")
    config = tmp_path / "config.toml"
    config.write_text("[reader]\nextract_timeout = 1\n", encoding="utf-8")
    code, out, err = run(capsys, "--config", str(config), "article", httpserver.url_for("/slow"))
    assert code == 1 and out == ""
    assert "extraction took longer than 1 s; abandoned" in err


def _fails() -> None:
    raise ValueError("not a page")


def test_a_one_off_jobs_own_failure_reaches_its_caller_unchanged() -> None:
    from newsreader.refresh.oneoff import _limited

    with pytest.raises(ValueError, match=r"^not a page$"):
        asyncio.run(_limited(5, "extraction", _fails))
