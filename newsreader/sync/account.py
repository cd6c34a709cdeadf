"""The sync account: the `[sync]` table of config.toml, and the password from where the user keeps it.

```toml
[sync]
server = "https://rss.example/api/greader.php"   # FreshRSS GReader; Fever: https://rss.example/api/fever.php
user = "alice"
protocol = "greader"                              # or "fever"
password_env = "NEWSREADER_SYNC_PASSWORD"         # exactly one of these three:
# password_command = ["pass", "show", "freshrss"] # run without a shell; its first line of output
# password_keyring = "newsreader"                 # keyring service name (pip install keyring); user is `user`
```

The password itself is never in the file (a `password` key is refused with a hint) and never written anywhere:
it is read when a back-end is made, each time.
"""

from __future__ import annotations

import os
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

from newsreader.config import ConfigError, NetworkConfig, config_path, load_config
from newsreader.sync.base import Backend, SyncAuthError, SyncProtocolError
from newsreader.sync.net import check_server

PROTOCOLS = ("greader", "fever")
COMMAND_TIMEOUT = 30.0  # seconds for password_command (a GPG pin-entry may wait for the user)


DEFAULT_INTERVAL = 15.0  # minutes


@dataclass(frozen=True, slots=True)
class Account:
    server: str
    user: str
    protocol: str
    password_env: str = ""
    password_command: tuple[str, ...] = ()
    password_keyring: str = ""
    interval: float = DEFAULT_INTERVAL  # minutes between the TUI's syncs; 0: only at start and on demand

    def password(self) -> str:
        """The password, from its source; SyncAuthError (saying which source and why) when there is none."""
        if self.password_env:
            value = os.environ.get(self.password_env, "")
            if not value:
                raise SyncAuthError(f"[sync] password_env: the environment variable {self.password_env} is not set")
            return value
        if self.password_command:
            return _run(self.password_command)
        return _keyring(self.password_keyring, self.user)

    def backend(self, cfg: NetworkConfig | None = None) -> Backend:
        """A back-end for this account (reads the password now)."""
        password = self.password()
        if self.protocol == "fever":
            from newsreader.sync.fever import Fever

            return Fever(self.server, self.user, password, cfg=cfg)
        from newsreader.sync.greader import GReader

        return GReader(self.server, self.user, password, cfg=cfg)


def _run(argv: tuple[str, ...]) -> str:
    where = "[sync] password_command"
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise SyncAuthError(f"{where}: no such program: {argv[0]}") from None
    except subprocess.TimeoutExpired:
        raise SyncAuthError(f"{where}: {argv[0]} did not finish within {COMMAND_TIMEOUT:g} s") from None
    except OSError as exc:
        raise SyncAuthError(f"{where}: could not run {argv[0]} ({exc})") from None
    if done.returncode != 0:
        detail = done.stderr.strip().splitlines()[-1:] or ["no message"]
        raise SyncAuthError(f"{where}: {argv[0]} failed (exit {done.returncode}: {detail[0][:200]})")
    first = done.stdout.splitlines()[:1]
    if not first or not first[0]:
        raise SyncAuthError(f"{where}: {argv[0]} printed no password")
    return first[0]


def _keyring(service: str, user: str) -> str:
    where = "[sync] password_keyring"
    try:
        import keyring  # optional: only for those who keep the password there
        import keyring.errors
    except ImportError:
        raise SyncAuthError(f"{where}: the keyring package is not installed (pip install keyring)") from None
    try:
        value = keyring.get_password(service, user)
    except keyring.errors.KeyringError as exc:
        raise SyncAuthError(f"{where}: the system keyring failed ({exc})") from None
    if not value:
        raise SyncAuthError(f"{where}: no password for user {user!r} in service {service!r} (keyring set ...)")
    return value


def parse_account(table: object, where: str) -> Account:
    """The `[sync]` table checked; every error names its key (`where` names the file)."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: 'sync' must be a table ([sync])")
    here = f"{where} [sync]"

    def text(key: str, required: bool = False) -> str:
        value = table.get(key, "")
        if not isinstance(value, str):
            raise ConfigError(f"{here}: '{key}' must be a string, not {value!r}")
        if required and not value.strip():
            raise ConfigError(f"{here}: '{key}' is required")
        return value.strip()

    if "password" in table:
        raise ConfigError(
            f"{here}: 'password' is not allowed (never keep it in clear): use password_env, password_command "
            "or password_keyring"
        )
    server = text("server", required=True)
    try:
        check_server(server)
    except SyncProtocolError:
        raise ConfigError(f"{here}: 'server' must be an http(s) URL, not {server!r}") from None
    user = text("user", required=True)
    protocol = text("protocol") or "greader"
    if protocol not in PROTOCOLS:
        raise ConfigError(f'{here}: \'protocol\' must be "greader" or "fever", not {protocol!r}')
    command = table.get("password_command", [])
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise ConfigError(f"{here}: 'password_command' must be a list of strings (run without a shell)")
    if command and not command[0]:
        raise ConfigError(f"{here}: 'password_command' must start with a program")
    env, ring = text("password_env"), text("password_keyring")
    given = [k for k, v in (("password_env", env), ("password_command", command), ("password_keyring", ring)) if v]
    if len(given) != 1:
        which = "none" if not given else " and ".join(given)
        raise ConfigError(
            f"{here}: give exactly one of 'password_env', 'password_command', 'password_keyring' (found {which})"
        )
    interval = table.get("interval", DEFAULT_INTERVAL)
    if isinstance(interval, bool) or not isinstance(interval, int | float) or not 0 <= interval <= 24 * 60:
        raise ConfigError(f"{here}: 'interval' must be minutes from 0 (off) to 1440, not {interval!r}")
    return Account(server, user, protocol, env, tuple(command), ring, float(interval))


def load_account(path: Path | None = None) -> Account | None:
    """The account of the config file, or None when it has no `[sync]` table. Raises ConfigError."""
    path = path or config_path()
    load_config(path)  # the whole file checked as usual (names of every section, [sync]'s too)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    if "sync" not in raw:
        return None
    return parse_account(raw["sync"], str(path))
