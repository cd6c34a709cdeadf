"""Where things live (platformdirs, honouring XDG_*) and the TOML config file."""

from __future__ import annotations

import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import PlatformDirs

from newsreader.model import ScrapeRule

APP = "newsreader"

DEFAULT_CONFIG = """\
# newsreader configuration. Every key is optional: each is shown commented out, with its default value.
# Take the "# " off a line to change it.

[network]
# timeout = 15.0          # seconds to connect, and between bytes read (more than 0)
# deadline = 30.0         # seconds for a whole fetch, slow or not (more than 0)
# max_bytes = 10485760    # response size cap (10 MiB), counted after decompression (at least 1)
# max_redirects = 5       # (0 or more)
# concurrency = 16        # sources fetched at once (at least 1)
# per_host = 4            # requests at once to one host (at least 1)

[reader]
# full_text = true        # fetch and extract each story's page when its feed holds no full text
# extract_concurrency = 4 # story pages fetched at once (at least 1)
# Whole stories are fetched newest first, within these limits (each 0 or more); the rest wait for the next
# refresh, or for the moment a story is opened in the reader.
# keep_days = 90           # stories older than this leave the cache at refresh (0: never); starred ones stay
# keep_unread = true        # unread stories stay however old they are
# max_items_per_source = 5000   # the newest stories kept of a feed or page that lists more (0: no cap)
# first_articles = 5            # per source, on its first refresh
# articles_per_source = 20      # per source, on later refreshes
# articles_per_refresh = 3000   # in all, per refresh
# article_bytes_per_refresh = 314572800  # 300 MiB of pages in all, per refresh
# browser = ""            # command to open links; "" = the system's default browser
# save_dir = ""           # where `s` and `save` write stories; "" = your downloads folder if there is one,
#                         # else the current directory

# Per-site rules for scraping listing pages; they override the generic heuristic.
# [[scrape]]
# match = "news.example"  # a host (or parent domain) or a URL prefix
# item = "div.card"       # CSS selector of one headline block
# title = "h3"            # optional, inside item
# link = "a"              # optional, inside item
# time = "time"           # optional, inside item
"""

# The least each number may be: key -> (minimum, whether the minimum itself is allowed).
LIMITS: dict[str, tuple[float, bool]] = {
    "timeout": (0, False),
    "deadline": (0, False),
    "max_bytes": (1, True),
    "max_redirects": (0, True),
    "concurrency": (1, True),
    "per_host": (1, True),
    "extract_concurrency": (1, True),
}


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


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", _dirs().user_state_dir)


def state_path() -> Path:
    """What the reader keeps between runs that is not config (the theme): $XDG_STATE_HOME/newsreader/state.json."""
    return state_dir() / "state.json"


def downloads_dir() -> Path:
    """Where saved stories go when the config names no folder: the user's downloads folder when there is one,
    else the current directory. The downloads folder is never created (platformdirs names ~/Downloads even
    where there is none)."""
    downloads = Path(_dirs().user_downloads_dir)
    return downloads if downloads.is_dir() else Path.cwd()


def save_dir(config: Config) -> Path:
    """Where saved stories go: the config's `save_dir` (made when it is missing: the user named it), else
    downloads_dir()."""
    return Path(config.save_dir).expanduser() if config.save_dir else downloads_dir()


def log_path() -> Path:
    """The log file: failures kept whole, with tracebacks (the screen shows them in one line)."""
    return cache_dir() / "newsreader.log"


def db_path() -> Path:
    return data_dir() / "newsreader.db"


def demo_db_path() -> Path:
    """The demo's own database (`--demo`), beside the cache."""
    return data_dir() / "demo.db"


def config_path() -> Path:
    return config_dir() / "config.toml"


@dataclass(slots=True)
class NetworkConfig:
    timeout: float = 15.0
    deadline: float = 30.0  # newsboat waits 30 s too; a slow-drip server held every refresh for 60
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 16
    per_host: int = 4


@dataclass(slots=True)
class Config:
    network: NetworkConfig = field(default_factory=NetworkConfig)
    full_text: bool = True
    extract_concurrency: int = 4
    keep_days: int = 90
    keep_unread: bool = True
    max_items_per_source: int = 5000
    first_articles: int = 5
    articles_per_source: int = 20
    articles_per_refresh: int = 3000
    article_bytes_per_refresh: int = 300 * 1024 * 1024
    browser: str = ""
    save_dir: str = ""
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
    if key in LIMITS and isinstance(value, int | float):
        if not math.isfinite(value):
            raise ConfigError(f"{where}: '{key}' must be a finite number, not {value!r}")
        least, allowed = LIMITS[key]
        if value < least or (value == least and not allowed):
            bound = f"at least {least}" if allowed else f"more than {least}"
            raise ConfigError(f"{where}: '{key}' must be {bound}, not {value!r}")
    return value


# [reader] counts, each 0 or more: retention, the item cap and the whole-text budget.
READER_COUNTS = (
    "keep_days",
    "max_items_per_source",
    "first_articles",
    "articles_per_source",
    "articles_per_refresh",
    "article_bytes_per_refresh",
)

_SECTIONS: dict[str, tuple[str, ...]] = {
    "network": ("timeout", "deadline", "max_bytes", "max_redirects", "concurrency", "per_host"),
    "reader": ("full_text", "extract_concurrency", "browser", "save_dir", "keep_unread", *READER_COUNTS),
}


# --- [sync] (issue #18): a sync server's account. Its names are checked here with every section's; its values are
# read and checked by newsreader.sync.account (load_account, parse_account), which holds the sync code.
SYNC_KEYS = (
    *("server", "user", "protocol", "password_env", "password_command", "password_keyring", "password"),
    "interval",  # minutes between the TUI's syncs (0: only at start and on ctrl+s)
)
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
    cfg.save_dir = str(_typed(reader, "save_dir", cfg.save_dir, where))
    cfg.keep_unread = bool(_typed(reader, "keep_unread", cfg.keep_unread, where))
    for name in READER_COUNTS:
        value = int(_typed(reader, name, getattr(cfg, name), where))  # type: ignore[call-overload]
        if value < 0:
            raise ConfigError(f"{where}: '{name}' must be 0 or more, not {value}")
        setattr(cfg, name, value)
    for i, rule in enumerate(raw.get("scrape", [])):
        if not isinstance(rule, dict) or not rule.get("match") or not rule.get("item"):
            raise ConfigError(f"{path} [[scrape]] #{i + 1}: 'match' and 'item' are required")
        where = f"{path} [[scrape]] #{i + 1} (match = {rule['match']!r})"
        for key, value in rule.items():
            if not isinstance(value, str):
                raise ConfigError(f"{where}: '{key}' must be a str, not {value!r}")
        scrape_rule = ScrapeRule(**{k: v for k, v in rule.items() if k in ScrapeRule.__slots__})
        _check_selectors(scrape_rule, where)
        cfg.scrape.append(scrape_rule)
    return cfg


SELECTORS = ("item", "title", "link", "time", "summary")  # the CSS selectors of a [[scrape]] rule


def _check_selectors(rule: ScrapeRule, where: str) -> None:
    """A selector the HTML parser cannot use is an error of the config file, named there, not of a page."""
    from selectolax.lexbor import LexborHTMLParser, SelectolaxError

    probe = LexborHTMLParser("<p></p>")
    for key in SELECTORS:
        selector = getattr(rule, key)
        if not selector:
            continue
        try:
            probe.css(selector)
        except SelectolaxError:
            raise ConfigError(
                f"{where}: '{key}' = {selector!r} is not a CSS selector this reader understands"
            ) from None


def write_default_config(path: Path | None = None) -> Path:
    path = path or config_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(DEFAULT_CONFIG, encoding="utf-8")
    return path
