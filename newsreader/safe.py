"""The one gate for untrusted text on its way to a screen.

Rich and Textual pass ESC through, so a headline carrying OSC 52 would write the clipboard and OSC 2 would
retitle the terminal. Everything from the network passes through here first, and becomes plain text
(rich.text.Text), never markup.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Whole escape sequences first, so their parameters do not survive as visible junk:
# CSI (ESC [ ... final), OSC/DCS/SOS/PM/APC strings (ended by BEL or ST), and two-byte ESC sequences,
# in both 7-bit (ESC x) and 8-bit (C1) forms.
_SEQUENCES = re.compile(
    r"""
    (?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?                        # CSI
  | (?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f]).*?(?:\x07|\x1b\\|\x9c|$)  # OSC, DCS, SOS, PM, APC
  | \x1b[ -/]*[0-~]?                                          # other ESC sequences
    """,
    re.VERBOSE | re.DOTALL,
)

# Bidi embeddings/overrides/isolates and other invisible format characters (Trojan Source and friends).
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_KEEP_FORMAT = {"\u200d"}  # zero-width joiner: emoji sequences need it


def _is_unsafe(ch: str) -> bool:
    if ch in _BIDI:
        return True
    cat = unicodedata.category(ch)
    if cat == "Cc":
        return True
    return cat == "Cf" and ch not in _KEEP_FORMAT


def clean(text: object, *, multiline: bool = False) -> str:
    """Text safe for a terminal: escape sequences, control, bidi and format characters removed.

    Single-line text (titles, authors, URLs) also has newlines and tabs folded to spaces.
    Multi-line text (bodies) keeps newlines and tabs.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s  # the common case: nothing to do
    s = _SEQUENCES.sub("", s)
    if multiline:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
        out = [ch for ch in s if ch in "\n\t" or not _is_unsafe(ch)]
        return "".join(out)
    out = [" " if ch in "\n\t\r" else ch for ch in s if ch in "\n\t\r" or not _is_unsafe(ch)]
    return " ".join("".join(out).split())


def line(text: object) -> str:
    """One line of untrusted text (a title, an author, an error message)."""
    return clean(text)


def block(text: object) -> str:
    """A block of untrusted text (a body) with its line breaks."""
    return clean(text, multiline=True)


SAFE_SCHEMES = frozenset({"http", "https"})


def url(value: object) -> str:
    """An untrusted URL made safe to show."""
    return clean(value).replace(" ", "%20")


def openable(value: object) -> str | None:
    """The URL if it is safe to hand to a browser (http/https only), else None."""
    u = url(value)
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return u


_UNSAFE_FILENAME = re.compile(r"[^\w\-. ]+")


def filename(title: object, suffix: str = "") -> str:
    """A file name made from an untrusted title: no path separators, no leading dots, bounded length."""
    name = _UNSAFE_FILENAME.sub("_", clean(title)).strip(" ._") or "story"
    return name[:100] + suffix
