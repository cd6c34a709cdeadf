"""Where saved stories go (issue 14, item 13): the config's save_dir, else the downloads folder only if it exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.cli import main
from newsreader.config import Config, NetworkConfig, config_path, db_path, load_config
from newsreader.model import Story
from newsreader.store import Store
from newsreader.tui.app import NewsReaderApp


@pytest.fixture(autouse=True)
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new user's machine: fresh XDG dirs, a home without a Downloads folder, run from a folder of its own."""
    for var in ("DATA", "CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{var}_HOME", str(tmp_path / var.lower()))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_DOWNLOAD_DIR", raising=False)
    (tmp_path / "home").mkdir()
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    return tmp_path


def one_story() -> int:
    with Store(db_path()) as store:
        source = store.add_source("http://x.test/feed", title="X")
        assert source.id is not None
        store.save_stories(source.id, [Story(key="1", title="Saved story", summary="<p>Body.</p>")])
        story_id = store.headlines()[0].id
    assert story_id is not None
    return story_id


def test_save_without_a_setting_never_creates_downloads(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story_id = one_story()
    assert main(["save", str(story_id)]) == 0
    out = capsys.readouterr().out
    assert out == f"saved {fresh_home / 'here' / 'Saved story.md'}\n"
    assert not (fresh_home / "home" / "Downloads").exists()

    (fresh_home / "home" / "Downloads").mkdir()  # once there is one, it is used
    assert main(["save", str(story_id)]) == 0
    assert capsys.readouterr().out == f"saved {fresh_home / 'home' / 'Downloads' / 'Saved story.md'}\n"


def test_save_dir_setting_is_used_and_made(fresh_home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    story_id = one_story()
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[reader]\nsave_dir = "~/news/saved"\n', encoding="utf-8")
    assert load_config().save_dir == "~/news/saved"
    assert main(["save", str(story_id)]) == 0
    saved = fresh_home / "home" / "news" / "saved" / "Saved story.md"
    assert capsys.readouterr().out == f"saved {saved}\n"
    assert "Body." in saved.read_text(encoding="utf-8")
    assert main(["save", str(story_id), "--dir", str(fresh_home / "other")]) == 0  # --dir still wins
    assert (fresh_home / "other" / "Saved story.md").exists()

    config_path().write_text("[reader]\nsave_dir = 3\n", encoding="utf-8")
    assert main(["save", str(story_id)]) == 1
    assert "[reader]: 'save_dir' must be a str, not 3" in capsys.readouterr().err


async def test_the_s_key_saves_to_save_dir(fresh_home: Path) -> None:
    one_story()
    target = fresh_home / "mine"
    store = Store(db_path())
    config = Config(network=NetworkConfig(timeout=3, deadline=10), save_dir=str(target))
    app = NewsReaderApp(store, config, offline=True)
    try:
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.press("enter")
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            await pilot.press("s")
            for _ in range(3):
                await pilot.pause()
                await app.workers.wait_for_complete()
            assert [p.name for p in target.iterdir()] == ["Saved story.md"]
    finally:
        store.close()
    assert not (fresh_home / "home" / "Downloads").exists()
