"""The config file: defaults, the written template, and clear errors for what is wrong in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.config import DEFAULT_CONFIG, Config, ConfigError, config_path, load_config, write_default_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_means_the_defaults(tmp_path: Path) -> None:
    assert load_config(tmp_path / "missing.toml") == Config()


def test_the_written_template_loads_as_the_defaults(tmp_path: Path) -> None:
    path = write_default_config(tmp_path / "c" / "config.toml")
    assert path.read_text(encoding="utf-8") == DEFAULT_CONFIG
    assert load_config(path) == Config()


def test_the_xdg_config_home_is_honoured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "newsreader" / "config.toml"


def test_settings_and_scrape_rules_are_read(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            "[network]\nconcurrency = 4\ntimeout = 5\n[reader]\nfull_text = false\n"
            '[[scrape]]\nmatch = "news.example"\nitem = "div.card"\ntitle = "h2"\n',
        )
    )
    assert cfg.network.concurrency == 4 and cfg.network.timeout == 5.0 and cfg.full_text is False
    assert [(r.match, r.item, r.title) for r in cfg.scrape] == [("news.example", "div.card", "h2")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("full_text = false\n", "unknown setting 'full_text' (it belongs in [reader])"),
        ("[reader]\nconcurrency = 3\n", "[reader]: unknown setting 'concurrency' (it belongs in [network])"),
        ("[network]\ntimout = 3\n", "[network]: unknown setting 'timout'"),
        ('[[scrape]]\nmatch = "x"\nitem = "a"\ntitel = "h2"\n', "[[scrape]] #1: unknown setting 'titel'"),
        ('[network]\nconcurrency = "many"\n', "'concurrency' must be a int"),
        ("[reader\n", "config.toml"),
    ],
)
def test_what_is_wrong_is_named(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    assert message in str(caught.value)
