"""The look of the account line above the sources list (issue #18), on the demo with a fixed clock, a fixed last
sync (shown in UTC here, local time in use) and an error; offline, so no sync runs and the picture is fixed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from newsreader.store import Store
from newsreader.sync.account import Account
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.widgets.account_line import AccountLine
from tests.snapshot_run import settle


def test_account_line(snap_compare: Any, demo_store: Store, clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AccountLine, "tz", UTC)
    last = datetime(2024, 1, 2, 10, 30, tzinfo=UTC).timestamp()
    demo_store.set_sync_state({"last_sync": str(last), "last_error": "rss.example.org: connection refused"})
    app = NewsReaderApp(demo_store, offline=True, clock=clock)
    app.sync_account = Account("https://rss.example.org/api/greader.php", "u", "greader", password_env="X")
    assert snap_compare(app, terminal_size=(120, 36), run_before=settle)
