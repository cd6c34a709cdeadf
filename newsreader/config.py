"""Where things live (platformdirs, honouring XDG_*) and the TOML config file."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import PlatformDirs

from newsreader.model import ScrapeRule

APP = "newsreader"

DEFAULT_CONFIG = """\
# newsreader configuration. Every key is optional; these are the defaults.

[network]
timeout = 15.0          # seconds to connect, and between bytes read
deadline = 60.0         # seconds for a whole fetch
max_bytes = 10485760    # response size cap (10 MiB), counted after decompression
max_redirects = 5
concurrency = 16        # sources fetched at once
per_host = 4            # requests at once to one host

[reader]
full_text = true        # fetch and extract each story's page when its feed holds no full text
extract_concurrency = 4
browser = ""            # command to open links; "" = the system's default browser

# Per-site rules for scraping listing pages; they override the generic heuristic.
# [[scrape]]
# match = "news.example"
# item = "div.card"
# title = "h3"
# link = "a"
# time = "time"
"""


def _dirs() -> PlatformDirs:
    return PlatformDirs(APP, appauthor=False)


def _xdg(var: str, fallback: str) -> Path:
    # platformdirs honours XDG_* on Linux only; honour them everywhere so tests and scripts can redirect.
    value = os.environ.get(var)
    return Path(value) / APP if value else Path(fallback)


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", _dirs().user_data_dir)


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", _dirs().user_config_dir)


def cache_dir() -> Path:
    return _xdg("XDG_CACHE_HOME", _dirs().user_cache_dir)


def downloads_dir() -> Path:
    """Where saved stories go."""
    return Path(_dirs().user_downloads_dir)


def log_path() -> Path:
    """The log file: failures kept whole, with tracebacks (the screen shows them in one line)."""
    return cache_dir() / "newsreader.log"


def db_path() -> Path:
    return data_dir() / "newsreader.db"


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(slots=True)
class NetworkConfig:
    timeout: float = 15.0
    deadline: float = 60.0
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 4


@dataclass(slots=True)
class Config:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    full_text: bool = True
    extract_concurrency: int = 4
    browser: str = ""
    scrape: list[ScrapeRule] = field(default_factory=list)


class ConfigError(Exception):
    """The config file could not be read; the message says where and why."""


def _typed(section: dict[str, object], key: str, default: object, where: str) -> object:
    value = section.get(key, default)
    kind = type(default)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not kind:
        raise ConfigError(f"{where}: '{key}' must be a {kind.__name__}, not {value!r}")
    return value


_SECTIONS: dict[str, tuple[str, ...]] = {
    "network": ("timeout", "deadline", "max_bytes", "max_redirects", "concurrency", "per_host"),
    "reader": ("full_text", "extract_concurrency", "browser"),
}


# --- [sync] (issue #18): a sync server's account. Its names are checked here with every section's; its values are
# read and checked by newsreader.sync.account (load_account, parse_account), which holds the sync code.
SYNC_KEYS = ("server", "user", "protocol", "password_env", "password_command", "password_keyring", "password")
_SECTIONS["sync"] = SYNC_KEYS  # "password" is listed only so that account.py can refuse it with a hint
# --- end [sync]


def _check_names(raw: dict[str, object], path: Path) -> None:
    """A misspelt or misplaced setting is an error, not silently the default."""
    for key, value in raw.items():
        if key == "scrape":
            rules = value if isinstance(value, list) else []
            for i, rule in enumerate(rules):
                unknown = sorted(set(rule) - set(ScrapeRule.__slots__)) if isinstance(rule, dict) else []
                if unknown:
                    raise ConfigError(f"{path} [[scrape]] #{i + 1}: unknown setting '{unknown[0]}'")
        elif key in _SECTIONS and isinstance(value, dict):
            for name in value:
                if name not in _SECTIONS[key]:
                    home = next((s for s, names in _SECTIONS.items() if name in names), None)
                    hint = f" (it belongs in [{home}])" if home else ""
                    raise ConfigError(f"{path} [{key}]: unknown setting '{name}'{hint}")
        else:
            home = next((s for s, names in _SECTIONS.items() if key in names), None)
            hint = f" (it belongs in [{home}])" if home else ""
            raise ConfigError(f"{path}: unknown setting '{key}'{hint}")


def load_config(path: Path | None = None) -> Config:
    """Read the config file; a missing file means the defaults."""
    path = path or config_path()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    _check_names(raw, path)
    cfg = Config()
    net = raw.get("network", {})
    where = f"{path} [network]"
    for name in ("timeout", "deadline", "max_bytes", "max_redirects", "concurrency", "per_host"):
        setattr(cfg.network, name, _typed(net, name, getattr(cfg.network, name), where))
    reader = raw.get("reader", {})
    where = f"{path} [reader]"
    cfg.full_text = bool(_typed(reader, "full_text", cfg.full_text, where))
    cfg.extract_concurrency = int(_typed(reader, "extract_concurrency", cfg.extract_concurrency, where))  # type: ignore[call-overload]
    cfg.browser = str(_typed(reader, "browser", cfg.browser, where))
    for i, rule in enumerate(raw.get("scrape", [])):
        if not isinstance(rule, dict) or not rule.get("match") or not rule.get("item"):
            raise ConfigError(f"{path} [[scrape]] #{i + 1}: 'match' and 'item' are required")
        cfg.scrape.append(ScrapeRule(**{k: str(v) for k, v in rule.items() if k in ScrapeRule.__slots__}))
    return cfg


def write_default_config(path: Path | None = None) -> Path:
    path = path or config_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_CONFIG, encoding="utf-8")
    return path
