"""Shared fixtures: a store on disk, the demo store, a fixed clock and time zone for the screens."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.refresh import load_demo
from newsreader.store import Store

# Screens show local times; pin the zone so snapshots and assertions are the same on every machine.
os.environ["TZ"] = "UTC"
time.tzset()

FIXED_NOW = datetime(2025, 11, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test's data, config, cache (its log file) and state under its own tmp_path, never the user's."""
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "data" / "newsreader.db")
    yield s
    s.close()


@pytest.fixture
def demo_store(store: Store) -> Store:
    load_demo(store)
    return store


@pytest.fixture
def clock() -> object:
    return lambda: FIXED_NOW
