"""The reader's log file: where failures that the screen reports in one line are kept whole (with tracebacks).

Nothing is logged to stderr: the TUI draws there, and the CLI's stderr is one line per failure. Every process
(the CLI or TUI, and the refresh's worker processes) appends to the same file; the file is rotated once, at start,
when it has grown past LOG_MAX_BYTES.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

LOG_MAX_BYTES = 1 << 20
FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"


_current: Path | None = None


def current() -> Path | None:
    """The log file this process writes, for the worker processes it starts."""
    return _current


def setup(path: Path, *, rotate: bool = True) -> Path | None:
    """Send this process's log records (INFO and up) to `path`; returns it, or None when it cannot be opened
    (then one line on stderr says so, and records are dropped rather than written over the screen)."""
    root = logging.getLogger()
    for old in list(root.handlers):
        if getattr(old, "newsreader", False):
            root.removeHandler(old)
            old.close()
    handler: logging.Handler
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if rotate and path.exists() and path.stat().st_size > LOG_MAX_BYTES:
            os.replace(path, path.with_name(path.name + ".1"))
        handler = logging.FileHandler(path, encoding="utf-8", delay=True)
    except OSError as exc:
        print(f"newsreader: warning: no log file ({exc})", file=sys.stderr)
        handler = logging.NullHandler()
        written: Path | None = None
    else:
        written = path
    handler.setFormatter(logging.Formatter(FORMAT))
    setattr(handler, "newsreader", True)  # noqa: B010  (ours: removed by the next setup())
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    global _current
    _current = written
    return written
