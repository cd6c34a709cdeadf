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


_LINE_BREAKS = "\u2028\u2029"  # line and paragraph separators: folded like newlines, not kept as-is


def _is_unsafe(ch: str) -> bool:
    if ch in _BIDI or ch in _LINE_BREAKS:
        return True
    cat = unicodedata.category(ch)
    if cat in ("Cc", "Cs"):  # Cs: a lone surrogate (from a JSON "\\ud800") makes print() raise
        return True
    return cat == "Cf" and ch not in _KEEP_FORMAT


def _unsafe_class(keep: str = "") -> str:
    """A regex character class of every control and format character, as ranges (fast to match)."""
    # The blocks where Unicode puts control and format characters (the property tests check none is missed).
    blocks = (
        0x0000,
        0x0600,
        0x0700,
        0x0800,
        0x1800,
        0x2000,
        0xFE00,
        0xFF00,
        0x11000,
        0x13400,
        0x1BC00,
        0x1D100,
        0xE0000,
        *range(0xD800, 0xE000, 0x100),  # surrogates
    )
    planes = [range(start, start + 0x100) for start in blocks]
    codes = [c for plane in planes for c in plane if _is_unsafe(chr(c)) and chr(c) not in keep]
    ranges: list[tuple[int, int]] = []
    for c in codes:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    parts = (re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in ranges)
    return "[" + "".join(parts) + "]"


_BREAKS = re.compile("[\r\n\x85\u2028\u2029]")  # every way to break a line
_SPACE_RUNS = re.compile(r"\s+", re.ASCII)  # a line's runs of ASCII white space become one space
# What _unsafe_class() builds from Unicode 14.0.0 (Python 3.11's): building it costs ~10 ms
# at every start. Python with another Unicode version builds its own; test_safe checks these are equal.
_PREBUILT = {
    "14.0.0": (
        "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200c\u200e-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\ud800-\udfff]",
        "[\x00-\x08\\\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200c\u200e-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\ud800-\udfff]",
    )
}
_LINE_CLASS, _BLOCK_CLASS = _PREBUILT.get(unicodedata.unidata_version) or (_unsafe_class(), _unsafe_class(keep="\t\n"))
_UNSAFE_LINE = re.compile(_LINE_CLASS)  # for one line: every control character, newlines and tabs too
_UNSAFE_BLOCK = re.compile(_BLOCK_CLASS)


def clean(text: object, *, multiline: bool = False) -> str:
    """Text safe for a terminal: escape sequences, control, bidi and format characters removed.

    Single-line text (titles, authors, URLs) also has newlines and tabs folded to spaces.
    Multi-line text (bodies) keeps newlines and tabs.
    """
    if text is None:
        return ""
    s = text if isinstance(text, str) else str(text)
    if multiline:
        if not _UNSAFE_BLOCK.search(s):
            return s  # the common case, found at C speed
        s = _SEQUENCES.sub("", _BREAKS.sub("\n", s.replace("\r\n", "\n")))
        return _UNSAFE_BLOCK.sub("", s)
    if _UNSAFE_LINE.search(s):
        s = _SEQUENCES.sub("", s)
        s = _UNSAFE_LINE.sub("", _BREAKS.sub(" ", s.replace("\t", " ")))
    return _SPACE_RUNS.sub(" ", s).strip(" ")


def line(text: object) -> str:
    """One line of untrusted text (a title, an author, an error message)."""
    return clean(text)


MAX_MARKS = 2  # combining marks kept on one character: enough for any script, too few to stack "Zalgo" text


def label(text: object) -> str:
    """One line of untrusted text for a narrow cell (a pane's row): line(), composed (NFC), and at most MAX_MARKS
    combining marks on a character, so that terminals cannot draw it wider (or taller) than it measures."""
    out: list[str] = []
    marks = 0
    for ch in unicodedata.normalize("NFC", line(text)):
        if unicodedata.combining(ch):
            marks += 1
            if marks > MAX_MARKS or not out:
                continue
        else:
            marks = 0
        out.append(ch)
    return "".join(out)


def block(text: object) -> str:
    """A block of untrusted text (a body) with its line breaks."""
    return clean(text, multiline=True)


# In a whole document only 7-bit sequences go whole, and only when ended within a line: an 8-bit C1 byte in a page
# is nearly always mis-decoded text (U+009D in "windows-1252" read as Latin-1), and as the start of an OSC string
# it swallowed the rest of the page (measured: real pages came back with no body).
_DOC_SEQUENCES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b\n]{0,4096}(?:\x07|\x1b\\)|\x1b[ -/]*[0-~]?"
)


def document(text: object) -> str:
    """A whole untrusted document (a page before it is parsed): escape sequences and control characters removed,
    nothing else; line breaks and tabs kept. What is taken from it is made safe again on its way to a screen."""
    s = text if isinstance(text, str) else str(text)
    if "\r" in s:  # Windows line ends: common in pages, and the only "control" most of them have
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if not _UNSAFE_BLOCK.search(s):
        return s
    return _UNSAFE_BLOCK.sub("", _DOC_SEQUENCES.sub("", _BREAKS.sub("\n", s)))


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
FILENAME_MAX_BYTES = 200  # of the name before its suffix: file systems allow 255 bytes, and " (2).md" must fit


def filename(title: object, suffix: str = "") -> str:
    """A file name made from an untrusted title: no path separators, no leading dots or dashes, bounded length.

    The bound is in UTF-8 bytes, as file systems count: 100 Cyrillic or CJK characters are 200 or 300 bytes.
    """
    name = _UNSAFE_FILENAME.sub("_", unicodedata.normalize("NFC", clean(title))).strip(" ._-")
    if len(name.encode()) > FILENAME_MAX_BYTES:
        name = name.encode()[:FILENAME_MAX_BYTES].decode("utf-8", "ignore").rstrip(" ._-")
    return (name or "story") + suffix
