"""The terminal is asked what it can draw in one round trip (newsreader/tui/terminal_probe.py), on a real pty with
a thread playing the terminal; textual-image is then imported with those answers and asks nothing itself."""

from __future__ import annotations

import logging
import os
import select
import sys
import termios
import threading
import tty
from collections.abc import Iterator
from importlib.metadata import version
from typing import Any

import pytest

from newsreader.tui import terminal_probe
from newsreader.tui.terminal_probe import QUERY, Answers, give_back, parse, probe

KITTY = b"\x1b_Gi=31;OK\x1b\\" + b"\x1b[6;17;8t" + b"\x1b[?62;c"  # kitty 0.3x: graphics, cell size, no Sixel
XTERM_SIXEL = b"\x1b[6;16;9t" + b"\x1b[?63;1;2;4;6;9;15;22c"  # xterm -ti vt340: no Kitty reply, attribute 4
DA1_ONLY = b"\x1b[?62;22c"  # a terminal that knows neither question (and never answers them)


class PlayedTerminal:
    """The far end of a pty: reads what the program writes and, once it has the whole probe, writes `reply`
    (None: never answers). Bounded: it stops after `reads` reads or when told to."""

    def __init__(self, master: int, reply: bytes | None, reads: int = 100) -> None:
        self.master, self.reply, self.reads = master, reply, reads
        self.received = b""
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, name="played-terminal", daemon=True)
        self.thread.start()

    def run(self) -> None:
        for _ in range(self.reads):
            if self.stop.is_set():
                return
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if not ready:
                continue
            self.received += os.read(self.master, 4096)
            if self.received.endswith(QUERY) and self.reply is not None:
                os.write(self.master, self.reply)
                return

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, int]]:
    master, slave = os.openpty()
    yield master, slave
    os.close(slave)
    os.close(master)


def ask(pty_pair: tuple[int, int], reply: bytes | None, timeout: float = terminal_probe.TIMEOUT) -> Answers:
    master, slave = pty_pair
    before = termios.tcgetattr(slave)
    modes: list[int] = []
    terminal = PlayedTerminal(master, reply)
    try:
        answers = probe(slave, slave, timeout=timeout, meanwhile=lambda: modes.append(termios.tcgetattr(slave)[3]))
    finally:
        terminal.close()
    assert len(modes) == 1 and not modes[0] & (termios.ECHO | termios.ICANON)  # answers are neither shown nor held
    assert termios.tcgetattr(slave) == before  # the terminal's mode is as it was
    assert terminal.received == QUERY  # everything asked at once, and nothing else written
    return answers


def test_kitty_answers_graphics_and_cell_size(pty_pair: tuple[int, int]) -> None:
    assert ask(pty_pair, KITTY) == Answers(answered=True, kitty=True, sixel=False, cell=(8, 17))


def test_xterm_with_sixel(pty_pair: tuple[int, int]) -> None:
    assert ask(pty_pair, XTERM_SIXEL) == Answers(answered=True, kitty=False, sixel=True, cell=(9, 16))


def test_a_terminal_that_answers_only_da1_has_neither(pty_pair: tuple[int, int]) -> None:
    assert ask(pty_pair, DA1_ONLY) == Answers(answered=True, kitty=False, sixel=False, cell=None)


def test_a_terminal_that_answers_nothing(pty_pair: tuple[int, int]) -> None:
    assert ask(pty_pair, None, timeout=0.05) == Answers(answered=False)


def test_a_kitty_error_reply_is_no_graphics(pty_pair: tuple[int, int]) -> None:
    reply = b"\x1b_Gi=31;ENOTSUPPORTED:no direct transmission\x1b\\" + DA1_ONLY
    assert ask(pty_pair, reply) == Answers(answered=True, kitty=False)


def test_not_a_terminal_is_not_asked() -> None:
    read, write = os.pipe()
    try:
        assert probe(read, write) == Answers()
        assert not select.select([read], [], [], 0)[0]  # nothing was written
    finally:
        os.close(read)
        os.close(write)


def test_a_key_typed_early_is_kept_apart_from_the_answers() -> None:
    # "x" typed before the answers, an arrow key after DA1's reply (read in the same chunk).
    answers = parse(b"x" + b"\x1b_Gi=31;OK\x1b\\" + b"\x1b[?62;4c" + b"\x1b[A")
    assert answers == Answers(answered=True, kitty=True, sixel=True, stray=b"x\x1b[A")
    assert parse(b"\x1b[?62;c\x1b[?62;4c").sixel is False  # only the first DA1 reply answers this probe


def test_a_key_typed_early_is_given_back_or_its_loss_logged(
    pty_pair: tuple[int, int], caplog: pytest.LogCaptureFixture
) -> None:
    _, slave = pty_pair
    tty.setcbreak(slave)
    with caplog.at_level(logging.WARNING, logger="newsreader.tui.terminal_probe"):
        given = give_back(slave, b"jk")
    if given:  # TIOCSTI allowed: the app reads the keys as typed
        assert select.select([slave], [], [], 5)[0]
        assert os.read(slave, 16) == b"jk"
    else:  # Linux 6.2+ without dev.tty.legacy_tiocsti, or no right to: said in the log
        assert "2 byte(s) typed" in caplog.text


def test_cell_size_prefers_the_kernels_pixels_then_the_answer(pty_pair: tuple[int, int]) -> None:
    import fcntl
    import struct

    _, slave = pty_pair
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))  # no pixel size
    assert terminal_probe.cell_size(Answers(cell=(8, 17)), slave) == (8, 17)
    assert terminal_probe.cell_size(Answers(), slave) == terminal_probe.DEFAULT_CELL
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 1100, 660))
    assert terminal_probe.cell_size(Answers(cell=(8, 17)), slave) == (11, 22)


# -- textual-image takes the answers and asks nothing (its internals: fails loudly if they change) ---------------


class SilentStdout:
    """sys.__stdout__ for textual-image: a terminal, on which any query textual-image would write fails."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def isatty(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, text: str) -> int:
        raise AssertionError(f"textual-image asked the terminal itself: {text!r}")

    def flush(self) -> None:
        pass


@pytest.fixture
def fresh_textual_image(pty_pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch) -> Iterator[int]:
    """textual_image.renderable and .widget not yet imported (as at the reader's start), on a pty; the modules
    the other tests imported are put back afterwards."""
    import textual_image
    import textual_image._terminal as term

    def asking(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("textual-image asked the terminal itself")

    ours = [n for n in sys.modules if n.startswith(("textual_image.renderable", "textual_image.widget"))]
    saved = {n: sys.modules.pop(n) for n in ours}
    attributes = {n: vars(textual_image).pop(n) for n in ("renderable", "widget") if hasattr(textual_image, n)}
    cached = term.get_cell_size.__dict__.pop("_result", None)
    _, slave = pty_pair
    monkeypatch.setattr(sys, "__stdout__", SilentStdout(slave))
    monkeypatch.delenv("TEXTUAL_CELL_WIDTH", raising=False)
    monkeypatch.setattr(term, "capture_mode", asking)  # every query textual-image makes goes through it
    try:
        yield slave
    finally:
        monkeypatch.undo()
        for name in [n for n in sys.modules if n.startswith(("textual_image.renderable", "textual_image.widget"))]:
            del sys.modules[name]
        sys.modules.update(saved)
        for name in ("renderable", "widget"):
            vars(textual_image).pop(name, None)
        for name, module in attributes.items():
            setattr(textual_image, name, module)
        term.get_cell_size.__dict__.pop("_result", None)
        if cached is not None:
            term.get_cell_size._result = cached  # type: ignore[attr-defined]


def test_textual_image_is_the_version_whose_internals_use_answers_knows() -> None:
    assert version("textual-image").startswith("0.12."), "check terminal_probe.use_answers against it, then here"


@pytest.mark.parametrize(
    ("answers", "widget", "renderable"),
    [
        (Answers(answered=True, sixel=True, cell=(9, 16)), "SixelImage", "SixelRenderable"),
        (Answers(answered=True, kitty=True, cell=(8, 17)), "AutoImage", "TGPRenderable"),
        (Answers(answered=True), "AutoImage", "HalfcellRenderable"),
        (Answers(), "AutoImage", "HalfcellRenderable"),
    ],
)
def test_textual_image_uses_the_answers_and_asks_nothing(
    fresh_textual_image: int, answers: Answers, widget: str, renderable: str
) -> None:
    terminal_probe.use_answers(answers, fresh_textual_image)
    import textual_image._terminal as term
    import textual_image.renderable
    import textual_image.widget as widgets

    from newsreader.tui.widgets.article_view import picture_class

    assert widgets.Image is getattr(widgets, widget)
    assert picture_class("auto") is widgets.Image
    assert textual_image.renderable.Image is getattr(widgets, renderable)
    assert tuple(term.get_cell_size()) == (answers.cell or terminal_probe.DEFAULT_CELL)
    # The library's own query functions are back in place (for anyone who calls them before Textual starts).
    from textual_image.renderable import sixel, tgp

    assert sixel.query_terminal_support.__module__ == "textual_image.renderable.sixel"
    assert tgp.query_terminal_support.__module__ == "textual_image.renderable.tgp"


def test_the_reader_asks_its_own_terminal_once_and_textual_image_nothing(
    fresh_textual_image: int, pty_pair: tuple[int, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    """What cli.py runs in its thread: stdin and stdout on the pty, a terminal answering like kitty."""
    master, slave = pty_pair
    monkeypatch.setattr(sys, "__stdin__", SilentStdout(slave))
    terminal = PlayedTerminal(master, KITTY)
    try:
        answers = terminal_probe.ask()
    finally:
        terminal.close()
    terminal_probe.use_answers(answers)
    import textual_image.widget as widgets

    assert answers == Answers(answered=True, kitty=True, cell=(8, 17))
    assert terminal.received == QUERY
    assert widgets.Image is widgets.AutoImage and widgets.AutoImage._Renderable is widgets.TGPRenderable
