"""The TUI's sync (issue #18), driven with Pilot against a real FreshRSS (tests/freshrss.py): the sync at start,
the account line (server, last sync, pending changes, last error), ctrl+s, and a server that is down."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from newsreader.config import Config, NetworkConfig
from newsreader.store import Store
from newsreader.sync.account import Account
from newsreader.sync.greader import GReader
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.account_line import AccountLine
from tests.freshrss import FreshRSS, free_port, running

PASSWORD_ENV = "NEWSREADER_TEST_TUI_SYNC_PASSWORD"


@pytest.fixture
def freshrss(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[FreshRSS]:
    with running(tmp_path_factory.mktemp("freshrss")) as (fr, _feeds):
        monkeypatch.setenv(PASSWORD_ENV, fr.api_password)
        yield fr


def _app(store: Store, clock: Any, server: str, user: str) -> NewsReaderApp:
    app = NewsReaderApp(store, Config(network=NetworkConfig(timeout=2, deadline=5)), clock=clock, offline=False)
    app.sync_account = Account(server, user, "greader", password_env=PASSWORD_ENV, interval=0)
    return app


async def _settle(app: NewsReaderApp, pilot: Any) -> None:
    for _ in range(8):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def _line(app: NewsReaderApp) -> str:
    return str(app.screen.query_one(AccountLine).render())


def _status(app: NewsReaderApp) -> str:
    return str(app.screen.query_one("#status").render())


async def test_the_tui_syncs_at_start_and_on_ctrl_s(freshrss: FreshRSS, store: Store, clock: Any) -> None:
    store.sync_sources = True
    app = _app(store, clock, freshrss.greader_url, freshrss.user)
    host = f"127.0.0.1:{freshrss.port}"
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        # The sync at start brought the server's feeds and stories; the line names the server, no error.
        assert len(store.sources()) == 2 and store.count_stories() == 7
        line = app.screen.query_one(AccountLine)
        assert line.state is not None and line.state.last_sync is not None and line.state.error == ""
        assert _line(app).endswith(host) and "↑" not in _line(app) and "!" not in _line(app)
        assert "Synced: pushed 0 changes, 7 new stories" in _status(app)
        # A change is queued: the line counts it; ctrl+s pushes it and the server has it.
        story = store.headlines(limit=1)[0]
        assert story.id is not None
        store.set_read(story.id)  # as the TUI's m does: the flag and the queued change in one transaction
        line.refresh_state()
        await _settle(app, pilot)
        assert _line(app).endswith(f" 1↑ {host}"), _line(app)
        await pilot.press("ctrl+s")
        await _settle(app, pilot)
        assert "Synced: pushed 1 change" in _status(app) and "↑" not in _line(app)
        async with GReader(freshrss.greader_url, freshrss.user, freshrss.api_password) as backend:
            assert store.item_of_story(story.id) not in await backend.unread_ids()
        assert isinstance(line.tooltip, str) and f"Sync account: {host}" in line.tooltip
        assert "0 changes pending" in line.tooltip


async def test_a_server_down_leaves_the_reader_working_and_the_line_says_it(
    demo_store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()  # nobody listens there: the server is down
    app = _app(demo_store, clock, f"http://127.0.0.1:{port}/api/greader.php", "alice")
    monkeypatch.setenv(PASSWORD_ENV, "any")
    async with app.run_test(size=(160, 45)) as pilot:
        await _settle(app, pilot)
        assert "Sync: server unreachable" in _status(app) and "changes kept for the next sync" in _status(app)
        text = _line(app)
        assert text.startswith(f"never synced 127.0.0.1:{port}\n! 127.0.0.1:{port}"), text
        assert demo_store.sync_state("last_error")
        # The reader works: the headlines are there, j moves, a second ctrl+s says it tries again.
        before = app.screen.query_one("#headlines").cursor  # type: ignore[attr-defined]
        await pilot.press("j")
        assert app.screen.query_one("#headlines").cursor == before + 1  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        assert "Syncing with" in _status(app)
        await pilot.press("ctrl+s")
        assert "A sync is already running." in _status(app)
        await _settle(app, pilot)
        assert "server unreachable" in _status(app)


async def test_without_an_account_the_line_is_hidden_and_ctrl_s_says_what_to_add(demo_store: Store, clock: Any) -> None:
    app = NewsReaderApp(demo_store, clock=clock, offline=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await _settle(app, pilot)
        assert not app.screen.query_one(AccountLine).display
        await pilot.press("ctrl+s")
        assert "No sync account" in _status(app)


def test_the_account_line_time_is_local_and_today_only_the_time(tmp_path: Path) -> None:
    from datetime import UTC

    with Store(tmp_path / "a.db") as store:
        line = AccountLine(Account("https://rss.example.org/api/greader.php", "u", "greader"), store, NetworkConfig())
        line.tz = UTC
        assert line.time_text(datetime(2024, 1, 2, 10, 30, tzinfo=UTC).timestamp()) == "Jan 02 10:30"
        assert line.time_text(datetime.now(UTC).replace(hour=8, minute=5).timestamp()) == "08:05"
        assert line.host == "rss.example.org"


def test_a_bad_sync_table_is_said_once_when_the_tui_starts(xdg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The TUI opens the store (which asks whether sources sync) and then gives the app its account: one warning.
    from newsreader import cli

    config = xdg / "config" / "newsreader" / "config.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[sync]\nserver = "ftp://nowhere.example"\nuser = "me"\npassword = "pw"\n')
    args = cli.build_parser().parse_args([])
    store = cli._open_store(args)
    try:
        assert store.sync_sources is False
        assert cli._account(args) is None
    finally:
        store.close()
    err = capsys.readouterr().err
    assert err.count("bad [sync] table") == 1, err
