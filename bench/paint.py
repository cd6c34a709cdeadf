"""The reader on a real pseudo-terminal, timed as a person would feel it.

`python -m bench.paint DB [--browse] [--source-title TITLE] [--presses N] [--answer-da1]` prints one JSON object:
- first_paint_s: from starting the process to the terminal receiving the first headline's text;
- key_to_repaint_ms (with --browse): from writing "j" to the pty to the end of the frame the reader writes back
  (the output going quiet for 15 ms; that quiet time is subtracted), each key sent after 50 ms of quiet;
- peak_rss_mb: the reader process's VmHWM after browsing.

The pty answers none of the reader's questions about graphics, as a terminal that knows none of them (only
DA1 is answered by every real one); with --answer-da1 it answers DA1 (ESC [ c) at once, as xterm without Sixel
does, and nothing else (no Kitty graphics, no ESC[16t): a common real terminal.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import time

QUIET = 0.015
DA1, DA1_REPLY = b"\x1b[c", b"\x1b[?62;22c"
COLUMNS, LINES = 120, 36


def reader_env() -> dict[str, str]:
    """The reader's environment: this one's, on a 120x36 xterm, with a state directory of its own (fresh each run).

    The reader restores where the last run left off (tui/state.py): with the user's own state, or the previous
    run's, each run would start somewhere else (another list, a story open) and measure another screen."""
    state = tempfile.mkdtemp(prefix="newsreader-bench-state-")
    atexit.register(shutil.rmtree, state, True)
    return {
        **os.environ,
        "TERM": "xterm-256color",
        "COLUMNS": str(COLUMNS),
        "LINES": str(LINES),
        "XDG_STATE_HOME": state,
    }


def read_until(fd: int, predicate: object, limit: float) -> tuple[bytes, float]:
    """Read until predicate(buffer) is true or `limit` seconds pass; returns the bytes and the last byte's time."""
    buf = b""
    last = time.perf_counter()
    end = last + limit
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            buf += chunk
            last = time.perf_counter()
            if predicate(buf):  # type: ignore[operator]
                break
    return buf, last


def drain(fd: int, limit: float = 2.0, quiet: float = QUIET) -> float:
    """Read until the output is quiet for `quiet` seconds; returns the time of the last byte."""
    last = time.perf_counter()
    end = last + limit
    while time.perf_counter() < end:
        ready, _, _ = select.select([fd], [], [], quiet)
        if not ready:
            break
        try:
            os.read(fd, 65536)
        except OSError:
            break
        last = time.perf_counter()
    return last


def vm_hwm(pid: int) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def during_refresh(db: str, stories: int, presses: int) -> dict[str, object]:
    """The reader (not offline, its config from XDG_CONFIG_HOME) on `db`: press R, then j every ~50 ms while the
    refresh runs, timing each key to the first byte of the reply; then wait until `stories` are in the store.

    The list must already hold stories: on an empty list j repaints nothing, and the next progress frame would be
    timed as its reply.
    """
    import sqlite3

    from newsreader.store import Store

    store = Store(db)
    marker = store.headlines(limit=1)[0].title[:18].encode()
    store.close()
    env = reader_env()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "newsreader", "--db", db], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    con = sqlite3.connect(db, timeout=10)
    try:
        read_until(fd, lambda b: marker in b, 60)
        drain(fd)
        os.write(fd, b"R")
        start = time.perf_counter()
        latencies = []
        for _ in range(presses):
            drain(fd, limit=0.5, quiet=0.05)
            sent = time.perf_counter()
            os.write(fd, b"j")
            got, first = read_until(fd, lambda b: len(b) > 0, 1.0)
            if got:
                latencies.append((first - sent) * 1000)
            if con.execute("SELECT count(*) FROM stories").fetchone()[0] >= stories:
                break  # the refresh is done: later keys would not be "during" it
        end = start + 120
        while con.execute("SELECT count(*) FROM stories").fetchone()[0] < stories and time.perf_counter() < end:
            time.sleep(0.05)
        done = time.perf_counter() - start
        os.write(fd, b"q")
        drain(fd)
    finally:
        con.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    return {
        "refresh_s": done,
        "keys": len(latencies),
        "median_ms": statistics.median(latencies) if latencies else None,
        "p95_ms": sorted(latencies)[int(len(latencies) * 0.95)] if latencies else None,
    }


def main() -> None:
    if "--refresh" in sys.argv:  # python -m bench.paint DB --refresh STORIES PRESSES
        at = sys.argv.index("--refresh")
        print(json.dumps(during_refresh(sys.argv[1], int(sys.argv[at + 1]), int(sys.argv[at + 2]))))
        return
    db = sys.argv[1]
    browse = "--browse" in sys.argv
    from newsreader.store import Store

    store = Store(db)
    marker = store.headlines(limit=1)[0].title[:18].encode()
    source_title = sys.argv[sys.argv.index("--source-title") + 1] if "--source-title" in sys.argv else ""
    presses = int(sys.argv[sys.argv.index("--presses") + 1]) if "--presses" in sys.argv else 200
    store.close()
    env = reader_env()
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(sys.executable, [sys.executable, "-m", "newsreader", "--offline", "--db", db], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    result: dict[str, object] = {}
    answer_da1 = "--answer-da1" in sys.argv
    answered: list[int] = []

    def painted(buf: bytes) -> bool:
        if answer_da1 and buf.count(DA1) > len(answered):  # each DA1 asked (the reader asks once) answered once
            os.write(fd, DA1_REPLY)
            answered.append(1)
        return marker in buf

    try:
        _, seen = read_until(fd, painted, 60)
        result["first_paint_s"] = seen - start
        drain(fd)
        if browse:
            if source_title:  # to the sources pane, down to the source, back to its headlines
                os.write(fd, b"\t\t")
                drain(fd)
                os.write(fd, b"j")
                time.sleep(0.5)
                drain(fd)
                os.write(fd, b"\t")
                drain(fd)
            latencies = []
            silent = 0
            for _ in range(presses):
                drain(fd, quiet=0.05)  # nothing pending: every reply timed below belongs to its own key
                sent = time.perf_counter()
                os.write(fd, b"j")
                got, first = read_until(fd, lambda b: len(b) > 0, 1.0)  # the reply's first byte
                if not got:
                    silent += 1  # a key that repainted nothing: counted, never timed as fast
                    continue
                last = max(first, drain(fd))
                latencies.append((last - sent) * 1000)
            result["keys_without_repaint"] = silent
            result["key_to_repaint_ms"] = {
                "median": statistics.median(latencies),
                "p95": sorted(latencies)[int(len(latencies) * 0.95)],
                "max": max(latencies),
            }
            for key in (b"G", b"g", b"\x1b[6~" * 20, b"\r", b"/", b"Astana\r"):
                os.write(fd, key)
                time.sleep(0.3)
                drain(fd)
        result["peak_rss_mb"] = vm_hwm(pid)
        os.write(fd, b"q")
        drain(fd)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
