"""What a new user hit in the first hour with the headless CLI (issue 14), each against a loopback server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from newsreader.cli import main
from tests.site_server import KZ_SITE, SiteServer

SEED = "news/toqayev-to-meet-putin-in-moscow.html"


@pytest.fixture(autouse=True)
def xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
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
