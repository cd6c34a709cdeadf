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
# parse_timeout = 10.0    # seconds one feed's parse may take (a huge feed: each chunk of 1000 items); then
#                         # the feed is abandoned with an error saying so (more than 0)
# extract_timeout = 5.0   # seconds one story page's extraction may take, likewise (more than 0)
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
# While the reader is open (issue #16):
# refresh_interval = 0      # minutes between automatic refreshes of every source (0: never; 0.5 = 30 s)
# refresh_on_start = false  # refresh every source when the reader opens
# pager = ["less", "-R"]    # `v` shows the story as plain text in this program (argv, no shell; the
#                           # file's path is added as the last argument), the reader suspended meanwhile
# text_browser = []         # `w` opens the story's link in this terminal browser, e.g. ["w3m"] or
#                           # ["lynx", "-nocolor"] (argv, no shell; the URL is added as the last argument)

# Per-source automatic refresh, overriding refresh_interval: a host (or parent domain) or a URL prefix,
# as in [[scrape]], = minutes (0: never automatically). The first match in the file's order wins.
# [refresh_intervals]
# "news.example" = 5
# "https://blog.example/feed" = 0

# Keys, by binding id (press ? in the reader to see the keys; README lists the ids): one key, a list of
# keys, or keys separated by commas. Textual's key names: "ctrl+r", "f5", "x", "X", "question_mark", "space".
# [keys]
# "main.refresh" = "ctrl+r"
# "headlines.down" = ["j", "down", "ctrl+n"]
# Pictures (issue #17): the lead photo and the body's images in the article pane, kept for offline reading.
# images = "auto"          # "auto": Kitty or Sixel graphics if the terminal answers so, else coloured half cells;
#                          # "halfcell": always half cells; "off": no pictures, only their captions and addresses
# images_per_refresh = 30  # pictures fetched at refresh (lead photo, then the body's) of stories fetched whole
# image_bytes_per_refresh = 20971520  # 20 MiB of pictures in all, per refresh (0 or more)
# image_cache_bytes = 209715200  # 200 MiB of pictures kept on disk; the least recently read go first,
#                                # starred stories' pictures stay

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
    "parse_timeout": (0, False),
    "extract_timeout": (0, False),
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
    parse_timeout: float = 10.0  # a 100,000-item feed's chunk of 1000 parses in ~0.06 s; the whole of it in ~5 s
    extract_timeout: float = 5.0  # real pages extract in 28 ms (median), 65 ms (p90)
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
    # --- issue #16 part C: auto-refresh, pager and terminal browser, keymap
    refresh_interval: float = 0.0  # minutes; 0 = off
    refresh_on_start: bool = False
    refresh_intervals: dict[str, float] = field(default_factory=dict)  # match -> minutes (see interval_for)
    pager: list[str] = field(default_factory=lambda: ["less", "-R"])
    text_browser: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)  # binding id -> comma-separated Textual key names
    # --- end issue #16 part C
    # --- images (issue #17)
    images: str = "auto"
    images_per_refresh: int = 30
    image_bytes_per_refresh: int = 20 * 1024 * 1024
    image_cache_bytes: int = 200 * 1024 * 1024
    # --- end images


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
    "reader": (
        "full_text",
        "extract_concurrency",
        "parse_timeout",
        "extract_timeout",
        "browser",
        "save_dir",
        "keep_unread",
        *READER_COUNTS,
    ),
}
_SECTIONS["reader"] += ("refresh_interval", "refresh_on_start", "pager", "text_browser")  # issue #16 part C
FREE_TABLES = ("keys", "refresh_intervals")  # tables whose names are the user's (checked by their readers)


# --- images (issue #17): how pictures are drawn, and what refresh and the cache may spend on them.
IMAGE_MODES = ("auto", "off", "halfcell")
IMAGE_COUNTS = ("images_per_refresh", "image_bytes_per_refresh", "image_cache_bytes")
_SECTIONS["reader"] = (*_SECTIONS["reader"], "images", *IMAGE_COUNTS)


def image_cache_dir() -> Path:
    """Where prepared pictures are kept for offline reading (newsreader.images.ImageCache)."""
    return cache_dir() / "images"


def _load_images(reader: dict[str, object], cfg: Config, where: str) -> None:
    mode = _typed(reader, "images", cfg.images, where)
    if mode not in IMAGE_MODES:
        choices = ", ".join(f'"{m}"' for m in IMAGE_MODES)
        raise ConfigError(f"{where}: 'images' must be one of {choices}, not {mode!r}")
    cfg.images = str(mode)
    for name in IMAGE_COUNTS:
        value = int(_typed(reader, name, getattr(cfg, name), where))  # type: ignore[call-overload]
        if value < 0:
            raise ConfigError(f"{where}: '{name}' must be 0 or more, not {value}")
        setattr(cfg, name, value)


# --- end images

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
        elif key in FREE_TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: '{key}' must be a table ([{key}]), not {value!r}")
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
    cfg.parse_timeout = float(_typed(reader, "parse_timeout", cfg.parse_timeout, where))  # type: ignore[arg-type]
    cfg.extract_timeout = float(_typed(reader, "extract_timeout", cfg.extract_timeout, where))  # type: ignore[arg-type]
    cfg.browser = str(_typed(reader, "browser", cfg.browser, where))
    cfg.save_dir = str(_typed(reader, "save_dir", cfg.save_dir, where))
    cfg.keep_unread = bool(_typed(reader, "keep_unread", cfg.keep_unread, where))
    for name in READER_COUNTS:
        value = int(_typed(reader, name, getattr(cfg, name), where))  # type: ignore[call-overload]
        if value < 0:
            raise ConfigError(f"{where}: '{name}' must be 0 or more, not {value}")
        setattr(cfg, name, value)
    _load_images(reader, cfg, where)
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
    _load_part_c(cfg, raw, path)
    return cfg


# --- issue #16 part C: [reader] refresh_interval, refresh_on_start, pager, text_browser; [refresh_intervals];
# [keys]. Key names are checked here (Textual's names, without importing Textual); binding ids are checked by
# the TUI (tui/commands.unknown_ids, called by cli before the reader starts), which holds the bindings.
MODIFIERS = {"ctrl", "alt", "shift", "meta", "super", "hyper"}
NAMED_KEYS = {
    "escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end", "pageup", "pagedown",
    "up", "down", "left", "right", "slash", "backslash", "at", "minus", "plus", "underscore", "comma",
    *(f"f{n}" for n in range(1, 25)),
}  # fmt: skip


def key_name_ok(key: str) -> bool:
    """Whether `key` is a key name Textual understands: modifiers+, then a character or a key's name."""
    import unicodedata

    *mods, base = key.split("+") if key != "+" else [key]
    if any(m not in MODIFIERS for m in mods) or not base:
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace() and base != ","
    if base in NAMED_KEYS:
        return True
    try:  # a character by its Unicode name, as Textual writes it: "question_mark", "full_stop"
        char = unicodedata.lookup(base.replace("_", " "))
    except KeyError:
        return False
    return len(char) == 1 and char.isprintable() and not char.isspace()


def _argv(value: object, where: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(a, str) and a for a in value):
        raise ConfigError(f"{where}: '{key}' must be a list of words (argv, no shell), e.g. [\"w3m\"], not {value!r}")
    return list(value)


def _load_part_c(cfg: Config, raw: dict[str, object], path: Path) -> None:
    reader = raw.get("reader", {})
    assert isinstance(reader, dict)
    where = f"{path} [reader]"
    minutes = float(_typed(reader, "refresh_interval", cfg.refresh_interval, where))  # type: ignore[arg-type]
    if not math.isfinite(minutes) or minutes < 0:
        raise ConfigError(f"{where}: 'refresh_interval' must be 0 (off) or more minutes, not {minutes!r}")
    cfg.refresh_interval = minutes
    cfg.refresh_on_start = bool(_typed(reader, "refresh_on_start", cfg.refresh_on_start, where))
    for key in ("pager", "text_browser"):
        if key in reader:
            setattr(cfg, key, _argv(reader[key], where, key))
    intervals = raw.get("refresh_intervals", {})
    assert isinstance(intervals, dict)
    for match, value in intervals.items():
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value) and value >= 0
        if not ok or not match:
            raise ConfigError(f"{path} [refresh_intervals]: {match!r} = {value!r}: give 0 (never) or more minutes")
        cfg.refresh_intervals[match] = float(value)
    keys = raw.get("keys", {})
    assert isinstance(keys, dict)
    for binding_id, value in keys.items():
        here = f"{path} [keys] {binding_id!r}"
        if isinstance(value, str):
            names = [k.strip() for k in value.split(",")]
        elif isinstance(value, list) and all(isinstance(k, str) for k in value):
            names = [k.strip() for k in value]
        else:
            raise ConfigError(f"{here}: give a key, a list of keys or keys separated by commas, not {value!r}")
        if not names or not all(names):
            raise ConfigError(f'{here}: an empty key in {value!r} (the comma key is written "comma")')
        for name in names:
            if not key_name_ok(name):
                raise ConfigError(
                    f'{here}: {name!r} is not a key name (write e.g. "ctrl+r", "f5", "x", "question_mark")'
                )
        cfg.keys[binding_id] = ",".join(names)


def interval_for(cfg: Config, url: str) -> float:
    """Minutes between automatic refreshes of the source at `url`: the first [refresh_intervals] match (a host,
    a parent domain or a URL prefix, as [[scrape]]'s), else [reader] refresh_interval. 0 = never."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or "").lower()
    for match, minutes in cfg.refresh_intervals.items():
        lowered = match.lower()
        if url.startswith(match) or host == lowered or host.endswith("." + lowered):
            return minutes
    return cfg.refresh_interval


# --- end issue #16 part C


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
