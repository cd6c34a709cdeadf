"""Refresh orchestration against feeds on 127.0.0.1: batched writes, and parsing and saving in worker processes."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from newsreader.config import Config, NetworkConfig
from newsreader.fetch import Fetcher
from newsreader.refresh import POOL_MIN_SOURCES, Refresher, worker_pool
from newsreader.store import RefreshResult, Store, StoreError
from tests.site_server import KZ_SITE, SiteServer


def rss(name: str, items: int) -> str:
    entries = "".join(
        f"<item><title>{name} story {i}</title><link>http://x.test/{name}/{i}</link><guid>{name}-{i}</guid>"
        f"<description>Body of {name} {i}</description><pubDate>Mon, 10 Nov 2025 0{i % 10}:00:00 GMT</pubDate></item>"
        for i in range(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>{entries}</channel></rss>'


def serve(httpserver: HTTPServer, feeds: dict[str, str]) -> None:
    for name, body in feeds.items():
        httpserver.expect_request(f"/{name}.xml").respond_with_data(
            body, content_type="application/rss+xml", headers={"ETag": f'"{name}"'}
        )


def config() -> Config:
    return Config(network=NetworkConfig(timeout=5, deadline=10))


async def refresh(store: Store, executor: Any = None) -> dict[str, Any]:
    async with Fetcher(config().network) as fetcher:
        outcomes = await Refresher(store, fetcher, config(), executor=executor).refresh_all(full_text=False)
    return {o.url.rsplit("/", 1)[1]: o for o in outcomes}


async def test_a_source_whose_save_fails_costs_only_itself(
    store: Store, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    serve(httpserver, {f"f{i}": rss(f"f{i}", 5) for i in range(6)})
    ids = {f"f{i}": store.add_source(httpserver.url_for(f"/f{i}.xml")).id for i in range(6)}
    real = store._record_in

    def failing(con: sqlite3.Connection, source_id: int, result: RefreshResult) -> None:
        if source_id == ids["f3"]:  # its stories are written by now: they must be undone, and only they
            raise sqlite3.OperationalError("disk I/O error")
        real(con, source_id, result)

    monkeypatch.setattr(store, "_record_in", failing)
    got = await refresh(store)
    assert got["f3.xml"].status == "error" and "disk I/O error" in got["f3.xml"].error
    assert all(got[f"f{i}.xml"].status == "ok" and got[f"f{i}.xml"].new == 5 for i in (0, 1, 2, 4, 5))
    assert store.count_stories(ids["f3"]) == 0 and store.count_stories() == 25
    f3, f0 = store.source(ids["f3"] or 0), store.source(ids["f0"] or 0)
    assert f3 is not None and f3.etag == ""  # so the next refresh fetches it whole
    assert f0 is not None and f0.etag == '"f0"'


def test_a_batch_commits_together_and_a_failed_write_is_undone_alone(store: Store) -> None:
    from newsreader.model import Story

    a = store.add_source("http://x.test/a").id
    assert a is not None
    with store.batch():
        store.save_stories(a, [Story(key="1", title="one")])
        with pytest.raises(StoreError):
            store.save_stories(9999, [Story(key="2", title="no such source")])  # a foreign key fails
        store.save_stories(a, [Story(key="3", title="three")], RefreshResult(etag='"e"'))
    assert sorted(s.title for s in store.headlines(a)) == ["one", "three"]
    assert store.source(a).etag == '"e"' and store.source(a).total == 2  # type: ignore[union-attr]


async def test_worker_processes_parse_and_save_and_only_counts_come_back(
    store: Store, httpserver: HTTPServer, tmp_path: Path
) -> None:
    feeds = {f"p{i}": rss(f"p{i}", 8) for i in range(5)}
    feeds["bad"] = "this is not a feed at all"
    serve(httpserver, feeds)
    for name in feeds:
        store.add_source(httpserver.url_for(f"/{name}.xml"))
    with SiteServer(KZ_SITE, tmp_path) as site, worker_pool(POOL_MIN_SOURCES) as pool:
        assert pool.saves  # a big refresh's pool: its workers save
        listing = store.add_source(site.url("index.html"), kind="scrape")  # a page scraped in the worker
        got = await refresh(store, pool)
        assert [got[f"p{i}.xml"].new for i in range(5)] == [8] * 5
        assert got["p0.xml"].title == "p0"
        assert got["bad.xml"].status == "error" and got["bad.xml"].error  # the worker's FeedError, as a message
        assert got["index.html"].new == 21
        again = await refresh(store, pool)  # every feed sends the same items: nothing new, read state kept
    assert all(o.new == 0 for o in again.values() if o.status == "ok")
    assert store.count_stories() == 40 + 21
    assert store.headlines(listing.id)[0].title == "President Toqayev to Meet Putin in Moscow on November 12"
    assert {s.title for s in store.sources()} >= {"p0", "p4"}
    assert store.search("p3 story 7")[0].title == "p3 story 7"
