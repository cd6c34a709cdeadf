"""Opening a link in a browser: never through a shell, and the browser never writes over the reader.

Every failure is a BrowserError whose text is the reason, in the reader's words, for the status line.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import webbrowser
from dataclasses import dataclass

from newsreader import safe


class BrowserError(Exception):
    """Why a link was not opened (our words, with the command or the system's reason)."""


@dataclass(frozen=True, slots=True)
class Launch:
    """What to run for a link: argv (the URL one element of it), and whether it needs the terminal."""

    argv: list[str]
    in_terminal: bool = False  # a console browser (lynx, w3m): run with the reader suspended


def launch_for(url: str, command: str = "") -> Launch:
    """How to open `url`: with `command` (config.toml's `browser`), else the system's browser."""
    safe_url = safe.openable(url)
    if safe_url is None:
        raise BrowserError(f"Not opening {safe.url(url)[:80]}: only http and https links are opened.")
    if command:
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise BrowserError(f"The browser command in config.toml cannot be read ({exc}): {command!r}") from exc
        if not argv:
            raise BrowserError("The browser command in config.toml is empty.")
        return Launch([*argv, safe_url])
    try:
        browser = webbrowser.get()
    except webbrowser.Error as exc:
        raise BrowserError(
            "No browser found (no display, and $BROWSER is not set): set `browser` in config.toml."
        ) from exc
    if isinstance(browser, webbrowser.GenericBrowser):
        # A command line (from $BROWSER, or a console browser): run it ourselves, the URL as one argument.
        args = [a.replace("%s", safe_url) for a in browser.args] or [safe_url]
        return Launch([browser.name, *args], in_terminal=type(browser) is webbrowser.GenericBrowser)
    # Anything else (xdg-open, a remote-controlled Firefox, macOS): Python's webbrowser in a process of its own,
    # so that it and the browser write to /dev/null, not over the reader.
    return Launch([sys.executable, "-m", "webbrowser", "-t", safe_url])


def start(launch: Launch) -> None:
    """Start a graphical browser in the background, its output to /dev/null; BrowserError if it cannot start."""
    try:
        subprocess.Popen(
            launch.argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        raise BrowserError(f"Could not start the browser {launch.argv[0]!r}: {exc.strerror or exc}") from exc
