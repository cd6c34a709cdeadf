"""What the terminal can draw, asked in ONE round trip before Textual takes the terminal.

Pictures (issue #17) need three answers: does the terminal speak Kitty's graphics protocol, does it speak Sixel,
and how many pixels is a cell. textual-image asks them one after another when it is first imported, each
waiting up to 0.1 s, and a terminal that does not know a question never answers it (most never answer the Kitty
query, some never answer `ESC[16t`): every start paid for that silence.

probe() asks all three in one write, the way kitty's own documentation and notcurses/chafa do: the Kitty graphics
query, then `ESC[16t` (cell size in pixels), then DA1 (`ESC[c`), which every terminal answers. Terminals answer in
order, so whatever has not answered when DA1's reply arrives is not supported; a terminal that answers nothing
costs one bounded timeout. use_answers() then hands the answers to textual-image so that its import asks nothing.

Bytes read that are no reply (a key pressed while the reader starts) are handed back to the terminal's input
queue with TIOCSTI where the system allows it, in the order they came, so Textual reads them; where it does not
(Linux 6.2+ may forbid it: dev.tty.legacy_tiocsti), they are dropped and a warning is logged with their count.
An answer that comes after the timeout (a link slower than TIMEOUT) is not waited for: Textual reads it as input,
as it read a late answer to textual-image's own queries before; the piece of an answer cut off by the timeout is
handed back like a typed key.

This module imports nothing of Textual; use_answers() imports textual-image (and so Textual) when called.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import importlib.util
import logging
import os
import re
import select
import sys
import termios
import time
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

TIMEOUT = 0.25  # seconds for the whole round trip: a real terminal answers DA1 within a few ms
MAX_READS = 64  # a terminal that keeps talking is not listened to for ever either
KITTY_ID = 31
KITTY_QUERY = f"\x1b_Gi={KITTY_ID},s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\".encode()  # a 1x1 RGB image, query only
CELL_QUERY = b"\x1b[16t"  # "report the cell size in pixels": ESC [ 6 ; height ; width t
DA1_QUERY = b"\x1b[c"  # primary device attributes: ESC [ ? attr ; attr ... c
QUERY = KITTY_QUERY + CELL_QUERY + DA1_QUERY

_DA1 = re.compile(rb"\x1b\[\?([0-9;]*)c")
_KITTY = re.compile(rb"\x1b_G([^\x1b]*)\x1b\\")
_CELL = re.compile(rb"\x1b\[6;([0-9]+);([0-9]+)t")

DEFAULT_CELL = (10, 20)  # textual-image's own fallback (a VT340's cell), in pixels (width, height)


@dataclass(frozen=True)
class Answers:
    """What the terminal said. `answered` is False when DA1 never came back (no terminal, or a silent one)."""

    answered: bool = False
    kitty: bool = False
    sixel: bool = False
    cell: tuple[int, int] | None = None  # (width, height) in pixels, from ESC[16t
    stray: bytes = b""  # bytes read that were no reply: keys pressed early (see the module's text)


def parse(data: bytes) -> Answers:
    """The answers in what the terminal wrote back (`data`, read until DA1's reply or the timeout)."""
    da1 = _DA1.search(data)
    # Only what came before DA1's reply answers this probe (terminals answer in order).
    head = data[: da1.end()] if da1 else data
    kitty = False
    for reply in _KITTY.finditer(head):
        fields, _, status = reply.group(1).partition(b";")
        if f"i={KITTY_ID}".encode() in fields.split(b","):
            kitty = status == b"OK"
    cell = None
    size = _CELL.search(head)
    if size and int(size.group(1)) > 0 and int(size.group(2)) > 0:
        cell = (int(size.group(2)), int(size.group(1)))
    sixel = da1 is not None and b"4" in da1.group(1).split(b";")  # attribute 4: Sixel graphics
    # What is left is no answer to this probe: keys typed early (an arrow key too, ESC [ A, so nothing else is
    # taken out), or the piece of an answer cut off by the timeout.
    stray = _CELL.sub(b"", _KITTY.sub(b"", _DA1.sub(b"", data, count=1), count=1), count=1)
    return Answers(answered=da1 is not None, kitty=kitty, sixel=sixel, cell=cell, stray=stray)


def probe(fd_in: int, fd_out: int, timeout: float = TIMEOUT, meanwhile: Callable[[], object] | None = None) -> Answers:
    """Ask the terminal on fd_out (its answers come on fd_in) everything at once; wait for DA1's reply at most
    `timeout` seconds. Answers() (nothing supported, not answered) when fd_in or fd_out is not a terminal.
    `meanwhile` is called between asking and reading (its time counts in the timeout): the answers wait in the
    terminal's input queue, unechoed.

    fd_in is put in non-canonical mode without echo while the answers are read (the answers must neither wait for
    Enter nor appear on the screen), and its mode is restored however this ends. Raises OSError or termios.error
    when the terminal cannot be written or set."""
    if not (os.isatty(fd_in) and os.isatty(fd_out)):
        return Answers()
    saved = termios.tcgetattr(fd_in)
    mode = termios.tcgetattr(fd_in)
    mode[3] &= ~(termios.ECHO | termios.ICANON)  # lflag
    mode[6] = list(mode[6])
    mode[6][termios.VMIN] = 1
    mode[6][termios.VTIME] = 0
    data = b""
    try:
        termios.tcsetattr(fd_in, termios.TCSANOW, mode)
        end = time.monotonic() + timeout
        os.write(fd_out, QUERY)
        if meanwhile is not None:
            meanwhile()
        for _ in range(MAX_READS):
            left = end - time.monotonic()
            if left <= 0:
                break
            ready, _, _ = select.select([fd_in], [], [], left)
            if not ready:
                break
            chunk = os.read(fd_in, 4096)
            if not chunk:
                break
            data += chunk
            if _DA1.search(data):
                break
        answers = parse(data)
        if answers.stray:
            give_back(fd_in, answers.stray)
    finally:
        termios.tcsetattr(fd_in, termios.TCSANOW, saved)
    return answers


def give_back(fd: int, stray: bytes) -> bool:
    """Put bytes read by mistake back in the terminal's input queue (TIOCSTI), so the app reads them as typed.
    False (and a warning in the log) when the system does not allow it: they are then lost."""
    try:
        for byte in stray:
            fcntl.ioctl(fd, termios.TIOCSTI, bytes([byte]))
    except OSError as exc:
        log.warning("%d byte(s) typed while the terminal was asked about graphics were dropped: %s", len(stray), exc)
        return False
    return True


def cell_size(answers: Answers, fd_out: int) -> tuple[int, int]:
    """The cell size in pixels as textual-image would find it, without asking the terminal again: the kernel's
    window size in pixels when it has one, else the terminal's answer to ESC[16t, else TEXTUAL_CELL_WIDTH and
    TEXTUAL_CELL_HEIGHT (set by textual-serve), else a VT340's 10x20."""
    with contextlib.suppress(OSError):
        if os.isatty(fd_out):
            rows, columns, width, height = _winsize(fd_out)
            if rows and columns and width // columns and height // rows:
                return width // columns, height // rows
    if answers.cell:
        return answers.cell
    width_s, height_s = os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", "")
    if width_s.isdigit() and height_s.isdigit() and int(width_s) and int(height_s):
        return int(width_s), int(height_s)
    return DEFAULT_CELL


def _winsize(fd: int) -> tuple[int, int, int, int]:
    import array

    buf = array.array("H", [0, 0, 0, 0])
    fcntl.ioctl(fd, termios.TIOCGWINSZ, buf)
    rows, columns, width, height = buf
    return rows, columns, width, height


# -- handing the answers to textual-image (0.12: see tests/test_terminal_probe.py, which fails if this changes) --


def use_answers(answers: Answers, fd_out: int | None = None) -> None:
    """Import textual-image so that it asks the terminal nothing: it takes `answers` instead.

    textual-image asks at import: textual_image.renderable's __init__ calls sixel.query_terminal_support() and
    tgp.query_terminal_support() (each a write and a wait of up to 0.1 s), and textual_image.widget's calls
    get_cell_size(), which caches its result in get_cell_size._result and asks ESC[16t when the kernel has no
    pixel size. So: the cache is filled first; then the package textual_image.renderable is made (not run), its
    sixel and tgp submodules imported into it and their query functions replaced by the answers; then the
    package's own __init__ runs (and picks Sixel, Kitty, half cells or Unicode by its own rules) and the query
    functions are put back. A second call does nothing (the library is imported once)."""
    if "textual_image.renderable" in sys.modules:
        return
    import textual_image
    from textual_image import _terminal

    out = fd_out if fd_out is not None else _stdout_fd()
    if out is not None and os.isatty(out):
        vars(_terminal.get_cell_size)["_result"] = _terminal.CellSize(*cell_size(answers, out))
    name = "textual_image.renderable"
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ImportError(f"no module named {name!r}")
    package = importlib.util.module_from_spec(spec)
    sys.modules[name] = package
    try:
        sixel = importlib.import_module(f"{name}.sixel")
        tgp = importlib.import_module(f"{name}.tgp")
        said = {sixel: answers.sixel, tgp: answers.kitty}
        asked = {module: vars(module)["query_terminal_support"] for module in said}
        for module, answer in said.items():
            vars(module)["query_terminal_support"] = _answer(answer)
        try:
            spec.loader.exec_module(package)
        finally:
            for module, query in asked.items():
                vars(module)["query_terminal_support"] = query
        vars(textual_image)["renderable"] = package  # as the import system binds a subpackage to its parent
        importlib.import_module("textual_image.widget")
    except BaseException:
        for loaded in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[loaded]
        sys.modules.pop("textual_image.widget", None)
        vars(textual_image).pop("renderable", None)
        raise


def _preload() -> None:
    """What textual-image's import needs that does not ask the terminal: loaded while its answers are awaited."""
    for name in ("PIL.Image", "textual_image._sixel", "textual_image._pixeldata", "textual_image._geometry"):
        importlib.import_module(name)


def _answer(value: bool) -> Callable[[], bool]:
    def query_terminal_support() -> bool:
        return value

    return query_terminal_support


def _stdout_fd() -> int | None:
    stdout = sys.__stdout__
    if stdout is None:
        return None
    try:
        return stdout.fileno()
    except (OSError, ValueError):  # closed, or not a real file
        return None


def ask() -> Answers:
    """probe() on the process's own terminal (stdin/stdout), textual-image's dependencies loaded while it answers:
    what cli.py runs in a thread while Textual is imported, before use_answers(). Answers() when not a terminal."""
    stdin, out = sys.__stdin__, _stdout_fd()
    if stdin is None or out is None:
        return Answers()
    try:
        fd_in = stdin.fileno()
    except (OSError, ValueError):  # closed, or not a real file
        return Answers()
    answers = probe(fd_in, out, meanwhile=_preload)
    log.info(
        "terminal: %s, Kitty graphics %s, Sixel %s, cell %s",
        "answered" if answers.answered else "no answer",
        answers.kitty,
        answers.sixel,
        answers.cell,
    )
    return answers
